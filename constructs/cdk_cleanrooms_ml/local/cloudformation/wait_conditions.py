"""``AWS::CloudFormation::WaitConditionHandle`` and ``AWS::CloudFormation::WaitCondition``.

A handle is created at once; its ``Ref`` (physical id) is a presigned-looking URL issued by
:class:`~..signals.WaitHandles`, a secret never put in a progress line or a reason. A wait
condition waits, on the run's clock, for ``Count`` SUCCESS signals with distinct UniqueIds on its
handle, fails on a FAILURE signal with its Reason, or at ``Timeout`` seconds with CloudFormation's
message; ``Fn::GetAtt <Wait>.Data`` is the JSON object ``{"<UniqueId>": "<Data>", ...}``. Its
properties cannot be updated. Deleting either is a no-op (nothing exists outside the stack).

With the fast clock, virtual time moves while Lambda handlers sleep; when no invocation is running
at all and no EventBridge Scheduler schedule is pending for ``no_response_grace`` real seconds,
nothing is left that could signal, and time jumps to the Timeout. A pending schedule may still
start a handler that signals: the scheduler's engine moves time to it instead.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ..errors import StateLostError
from ..signals import Outcome, evaluate
from .assembly import StackTemplate, construct_label
from .exceptions import ResourceFailedError, TemplateError
from .intrinsics import stringify
from .journal import Journal
from .progress import ProgressEvent
from .protocol import FAILED, SUCCESS, Operation
from .stack_part import StackPart
from .stacks import ResourceState

if TYPE_CHECKING:
    from .steps import Step

WAIT_CONDITION_HANDLE: Final = "AWS::CloudFormation::WaitConditionHandle"
WAIT_CONDITION: Final = "AWS::CloudFormation::WaitCondition"
WAIT_TYPES: Final = (WAIT_CONDITION_HANDLE, WAIT_CONDITION)
MAX_TIMEOUT: Final = 43200
# Real seconds between looks at the signals while waiting (signals also wake the wait up).
_POLL_SECONDS: Final = 0.2


def _whole_number(value: object, logical_id: str, name: str, low: int, high: int | None) -> int:
    """``value`` (a number or a string of digits, as templates write them) within the bounds."""
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )
    number = int(text) if text.isdigit() else None
    if number is None or number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        unit = " seconds" if name == "Timeout" else ""
        raise TemplateError(
            f"{logical_id}: {name} must be a whole number {bounds}{unit}, got {value!r}"
        )
    return number


def _literal(value: object) -> bool:
    return isinstance(value, str | int | float)


def check_wait_conditions(stack: StackTemplate) -> None:
    """Refuse a wait condition the local CloudFormation cannot run, before anything runs."""
    resources = stack.resources
    for logical_id, definition in resources.items():
        if definition.get("Type") != WAIT_CONDITION:
            continue
        props = definition.get("Properties") or {}
        handle = props.get("Handle")
        if handle is None or "CreationPolicy" in definition:
            raise TemplateError(
                f"{logical_id}: a WaitCondition with a CreationPolicy instead of a Handle cannot "
                "run locally; give it a Handle (Ref of a WaitConditionHandle) and a Timeout"
            )
        target = handle.get("Ref") if isinstance(handle, dict) and len(handle) == 1 else None
        if (resources.get(str(target)) or {}).get("Type") != WAIT_CONDITION_HANDLE:
            raise TemplateError(
                f"{logical_id}: Handle must be the Ref of an {WAIT_CONDITION_HANDLE} of this "
                f"template, got {handle!r}"
            )
        if "Timeout" not in props:
            raise TemplateError(f"{logical_id}: Timeout is required with a Handle")
        if _literal(props["Timeout"]):
            _whole_number(props["Timeout"], logical_id, "Timeout", 1, MAX_TIMEOUT)
        if _literal(props.get("Count", 1)):
            _whole_number(props.get("Count", 1), logical_id, "Count", 1, None)


@dataclass(frozen=True)
class _Waiting:
    """A wait condition's resolved properties."""

    url: str
    timeout: int
    count: int


class WaitConditions(StackPart):
    """Deploys a stack's wait condition handles and wait conditions."""

    def prepare(self, logical_id: str, kind: str) -> Step | None:
        """Create a handle now; return the step that waits for a new wait condition."""
        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type != kind:
            old = None
        if kind == WAIT_CONDITION_HANDLE:
            self._handle(logical_id, old)
            return None
        return self._condition(logical_id, old)

    def _report(
        self,
        logical_id: str,
        kind: str,
        status: str,
        reason: str = "",
        elapsed: float | None = None,
    ) -> None:
        label = construct_label(self.stack, logical_id)
        event = ProgressEvent(
            self.state.stack_name, logical_id, kind, status, reason, elapsed, label
        )
        self.driver.progress.report(event)

    def _handle(self, logical_id: str, old: ResourceState | None) -> None:
        if old is not None:
            # A handle has no properties: it stays, and so does its URL.
            self.state.resources[logical_id] = old
            return
        handles = self.driver.wait_handles
        if handles is None:
            raise ResourceFailedError(logical_id, "this local CloudFormation serves no handles")
        self._report(logical_id, WAIT_CONDITION_HANDLE, "CREATE_IN_PROGRESS")
        url = handles.issue(self.state.stack_name, self.state.stack_id, logical_id)
        self.state.resources[logical_id] = ResourceState(
            logical_id, WAIT_CONDITION_HANDLE, url, label=construct_label(self.stack, logical_id)
        )
        self._report(logical_id, WAIT_CONDITION_HANDLE, "CREATE_COMPLETE")

    def _properties(self, logical_id: str) -> tuple[dict[str, Any], _Waiting]:
        definition = self.stack.resources[logical_id]
        try:
            resolved = self.resources.resolver.resolve(definition.get("Properties") or {})
            properties: dict[str, Any] = stringify(resolved)
            waiting = _Waiting(
                url=str(properties["Handle"]),
                timeout=_whole_number(properties["Timeout"], logical_id, "Timeout", 1, MAX_TIMEOUT),
                count=_whole_number(properties.get("Count", 1), logical_id, "Count", 1, None),
            )
        except TemplateError as error:
            raise ResourceFailedError(logical_id, str(error)) from error
        return properties, waiting

    def _condition(self, logical_id: str, old: ResourceState | None) -> Step | None:
        from .steps import Step  # noqa: PLC0415 - steps imports this module

        properties, waiting = self._properties(logical_id)
        label = construct_label(self.stack, logical_id)
        if old is not None:
            if old.properties == properties:
                self.state.resources[logical_id] = old
                return None
            changed = sorted(
                k
                for k in {*old.properties, *properties}
                if old.properties.get(k) != properties.get(k)
            )
            reason = (
                f"{WAIT_CONDITION} cannot be updated (changed: {', '.join(changed)}); give it a "
                "new logical id and a new WaitConditionHandle to replace it"
            )
            self._report(logical_id, WAIT_CONDITION, "UPDATE_FAILED", reason)
            raise ResourceFailedError(logical_id, reason)
        handles = self.driver.wait_handles
        if handles is None or handles.signals(waiting.url) is None:
            reason = (
                "its Handle's URL is not served by this run (the handle was made by an earlier "
                "one); CloudFormation asks for a new WaitConditionHandle with each new "
                "WaitCondition"
            )
            self._report(logical_id, WAIT_CONDITION, "CREATE_FAILED", reason)
            raise ResourceFailedError(logical_id, reason)
        physical_id = f"{self.state.stack_id}/{logical_id}"
        resource = ResourceState(logical_id, WAIT_CONDITION, physical_id, properties, label=label)
        return Step(
            logical_id,
            resource,
            lambda: self._wait(resource, waiting),
            lambda operation, journal: self._finish(resource, operation, journal),
            record=False,
        )

    def _wait(self, resource: ResourceState, waiting: _Waiting) -> Operation:
        """Wait for the signals; the outcome travels as an Operation (never sent anywhere)."""
        logical_id = resource.logical_id
        self._report(logical_id, WAIT_CONDITION, "CREATE_IN_PROGRESS")
        started = time.monotonic()
        outcome, reason = self._await(logical_id, waiting)
        operation = Operation("Create", logical_id, {}, FAILED, reason, resource.physical_id)
        operation.elapsed = time.monotonic() - started
        if outcome is not None and outcome.complete:
            operation.status = SUCCESS
            operation.data = {"Data": json.dumps(outcome.data)}
            self._report(logical_id, WAIT_CONDITION, "CREATE_COMPLETE", elapsed=operation.elapsed)
        else:
            self._report(
                logical_id, WAIT_CONDITION, "CREATE_FAILED", reason, elapsed=operation.elapsed
            )
        return operation

    def _await(self, logical_id: str, waiting: _Waiting) -> tuple[Outcome | None, str]:
        driver = self.driver
        handles, clock, options = driver.wait_handles, driver.clock, driver.options
        assert handles is not None  # checked in _condition
        deadline = clock.now() + waiting.timeout
        real_deadline = None if options.max_wait is None else time.monotonic() + options.max_wait
        idle_since: float | None = None
        reported = 0
        while True:
            signals = handles.signals(waiting.url) or []
            outcome = evaluate(signals, waiting.count)
            for unique_id in list(outcome.data)[reported:]:
                self._report(
                    logical_id,
                    WAIT_CONDITION,
                    "CREATE_IN_PROGRESS",
                    f"Received SUCCESS signal with UniqueId {unique_id}",
                )
            reported = len(outcome.data)
            if outcome.complete or outcome.failed:
                return outcome, outcome.reason
            if driver.cancelled.is_set():
                return None, "interrupted before the wait condition completed"
            if not driver.store.lock.intact():
                raise StateLostError(
                    f"the state folder {driver.store.directory} was removed while {logical_id} "
                    "was waiting; stopped without saving (run deploy again to start afresh)"
                )
            left = deadline - clock.now()
            if left <= 0:
                return None, (
                    f"WaitCondition timed out. Received {outcome.successes} conditions when "
                    f"expecting {waiting.count}"
                )
            if real_deadline is not None and time.monotonic() >= real_deadline:
                return None, (
                    f"no signal completed the wait within the driver's max_wait "
                    f"({options.max_wait:g} s of real time); Timeout is {waiting.timeout} s"
                )
            pause = _POLL_SECONDS if clock.fast else min(_POLL_SECONDS, left)
            handles.wait(waiting.url, len(signals), pause)
            if not clock.fast:
                continue
            if self._may_signal():
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= options.no_response_grace:
                # No handler runs, so none can signal: the rest of the Timeout passes at once.
                clock.advance(max(deadline - clock.now(), 0.0))

    def _may_signal(self) -> bool:
        """Whether anything could still signal: a pending schedule or a running invocation.

        Schedules first: a firing invokes before its schedule goes.
        """
        scheduler = self.driver.scheduler
        if scheduler is not None and scheduler.pending():
            return True
        return bool(self.driver.emulator.running())

    def _finish(self, resource: ResourceState, operation: Operation, journal: Journal) -> None:
        if operation.status != SUCCESS:
            raise ResourceFailedError(resource.logical_id, operation.reason)
        resource.data = dict(operation.data)
        self.state.resources[resource.logical_id] = resource


def wait_condition_data(resource: ResourceState | None, logical_id: str, attribute: str) -> str:
    """``Fn::GetAtt <WaitCondition>.Data``."""
    if attribute != "Data":
        raise TemplateError(
            f"Fn::GetAtt {logical_id}.{attribute}: a WaitCondition has only the Data attribute"
        )
    if resource is None or "Data" not in resource.data:
        raise TemplateError(f"Fn::GetAtt {logical_id}.Data: {logical_id} is not complete")
    return str(resource.data["Data"])
