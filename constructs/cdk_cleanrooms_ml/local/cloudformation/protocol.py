"""CloudFormation's custom-resource protocol: the event, the invocation, the response.

An event is built once per operation (every property already stringified), sent to the provider
Lambda asynchronously, and answered by a PUT on its ResponseURL; the wait lasts at most
ServiceTimeout. :func:`check_response` applies CloudFormation's rules to what arrived.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

from ..awslambda.invocations import Invocation, LambdaEmulator
from ..awslambda.runtime import LocalFunction
from ..clock import Clock, SystemClock
from ..custom_types import PROVIDER_TYPES, either
from ..errors import StateLostError
from ..lock import StateLock
from ..recorder import RecordedResponse, ResponseRecorder
from ..scheduler.models import Schedule, SchedulerBackend
from .exceptions import ResourceFailedError
from .stacks import ResourceState

DEFAULT_SERVICE_TIMEOUT: Final = 3600
SUCCESS: Final = "SUCCESS"
FAILED: Final = "FAILED"
MAX_BODY_BYTES: Final = 4096
MAX_PHYSICAL_ID_BYTES: Final = 1024
_SETTLE_SECONDS: Final = 5.0


class _WaitEnd(Enum):
    """Why waiting for a response ended."""

    ANSWERED = "answered"
    CANCELLED = "cancelled"
    # The state folder was removed under the run.
    LOST = "lost"
    TIMEOUT = "timeout"
    # The handler and its continuations all ended without answering.
    IDLE = "idle"


@dataclass
class Operation:
    """One event sent to the provider and what came back."""

    request_type: str
    logical_id: str
    event: dict[str, Any]
    status: str
    reason: str = ""
    physical_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    response: ResponseCheck | None = None
    invocations: list[Invocation] = field(default_factory=list)
    elapsed: float = 0.0
    # A native handler ran (no Lambda invocation) and may have made something: a failed Create
    # is still deleted on rollback, as for a custom resource whose handler was invoked.
    handler_ran: bool = False


def _carries(event: object, request_id: str) -> bool:
    return isinstance(event, dict) and event.get("RequestId") == request_id


def _belongs(invocation: Invocation, request_id: str) -> bool:
    return _carries(invocation.event, request_id)


def _scheduled_for(schedule: Schedule, request_id: str) -> bool:
    """Whether the schedule's Input hands ``request_id`` over to a later invocation."""
    return _carries(schedule.event, request_id)


def build_event(
    recorder: ResponseRecorder,
    stack_id: str,
    request_type: str,
    resource: ResourceState,
    *,
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> dict[str, Any]:
    """The event CloudFormation sends for ``request_type`` on ``resource``."""
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": resource.properties.get("ServiceToken"),
        "ResponseURL": recorder.url_for(request_id),
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": resource.logical_id,
        "ResourceType": resource.type,
        "ResourceProperties": resource.properties,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id or resource.physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = old_properties
    return event


class CustomResourceCalls:
    """Sends events to provider functions and waits for their responses."""

    def __init__(
        self,
        *,
        emulator: LambdaEmulator,
        recorder: ResponseRecorder,
        lock: StateLock,
        cancelled: threading.Event,
        max_wait: float | None,
        no_response_grace: float,
        clock: Clock | None = None,
        scheduler: SchedulerBackend | None = None,
    ) -> None:
        self.emulator = emulator
        self.recorder = recorder
        self.lock = lock
        self.cancelled = cancelled
        self.max_wait = max_wait
        self.no_response_grace = no_response_grace
        # ServiceTimeout is CloudFormation's time (virtual with the fast clock); max_wait is real.
        self.clock: Clock = clock or SystemClock()
        # Its pending schedules may still invoke the handler for a request (see _in_progress).
        self.scheduler = scheduler

    def function_for(
        self, service_token: object, logical_id: str, resource_type: str
    ) -> LocalFunction:
        if not isinstance(service_token, str) or not service_token:
            raise ResourceFailedError(logical_id, "ServiceToken is missing or not a string")
        function = self.emulator.function(service_token)
        if function is None:
            reason = (
                f"ServiceToken {service_token} is not a Lambda function deployed locally: "
                "deploy the provider stack first (or register the provider function)"
            )
            if resource_type not in PROVIDER_TYPES:
                # A typo of one of our types still goes to the token: CloudFormation sends every
                # custom resource there, so it is never skipped.
                reason += (
                    f"; CloudFormation would send this {resource_type} resource to it "
                    f"(is the type meant to be {either()}?)"
                )
            raise ResourceFailedError(logical_id, reason)
        return function

    def send(self, function: LocalFunction, event: dict[str, Any]) -> Operation:
        """Invoke the provider with ``event`` as CloudFormation does and wait for its answer.

        Sending the same event twice is what a Lambda retry of an invocation looks like.
        """
        request_id = str(event["RequestId"])
        logical_id = str(event["LogicalResourceId"])
        operation = Operation(str(event["RequestType"]), logical_id, event, FAILED)
        timeout_raw = (event.get("ResourceProperties") or {}).get("ServiceTimeout")
        try:
            timeout = DEFAULT_SERVICE_TIMEOUT if timeout_raw is None else int(str(timeout_raw))
        except ValueError:
            timeout = 0
        if not 1 <= timeout <= DEFAULT_SERVICE_TIMEOUT:
            operation.reason = (
                f"ServiceTimeout must be between 1 and 3600 seconds, got {timeout_raw!r}"
            )
            return operation
        wait = timeout if self.max_wait is None else min(timeout, self.max_wait)
        seen = len(self.recorder.for_request(request_id))
        started = time.monotonic()
        self.emulator.invoke_async(function, json.dumps(event).encode(), source="cloudformation")
        recorded, why = self._await(request_id, timeout, seen)
        operation.elapsed = time.monotonic() - started
        if why is _WaitEnd.LOST:
            raise StateLostError(
                f"the state folder {self.lock.path.parent} was removed while "
                f"{logical_id} was in progress; stopped without saving (run deploy again to "
                "start afresh)"
            )
        if recorded is not None:
            # The answering invocation is usually still returning: let it end, briefly.
            self.emulator.wait_for(lambda inv: _belongs(inv, request_id), _SETTLE_SECONDS)
        operation.invocations = [
            inv for inv in self.emulator.invocations if _belongs(inv, request_id)
        ]
        if recorded is None:
            operation.reason = self._no_response_reason(why, wait, operation.invocations)
            return operation
        check = check_response(recorded, event)
        operation.response = check
        operation.physical_id = check.physical_id
        operation.data = check.data
        if check.problems:
            operation.reason = "Invalid custom resource response: " + "; ".join(check.problems)
            return operation
        operation.status = check.status
        operation.reason = check.reason
        return operation

    def _await(
        self, request_id: str, timeout: float, seen: int
    ) -> tuple[RecordedResponse | None, _WaitEnd]:
        clock = self.clock
        deadline = clock.now() + timeout
        real_deadline = time.monotonic() + (self.max_wait if self.max_wait is not None else timeout)
        idle_since: float | None = None
        while True:
            if self.cancelled.is_set():
                return None, _WaitEnd.CANCELLED
            if not self.lock.intact():
                return None, _WaitEnd.LOST
            remaining = real_deadline - time.monotonic()
            left = deadline - clock.now()
            if remaining <= 0 or left <= 0:
                return None, _WaitEnd.TIMEOUT
            if not clock.fast:
                remaining = min(remaining, left)
            recorded = self.recorder.wait_for(request_id, min(remaining, 0.2), skip=seen)
            if recorded is not None:
                return recorded, _WaitEnd.ANSWERED
            if not self._in_progress(request_id):
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= self.no_response_grace:
                    return None, _WaitEnd.IDLE
            else:
                idle_since = None

    def _in_progress(self, request_id: str) -> bool:
        """Whether an invocation for ``request_id`` runs, or a schedule will start one.

        Between two polls nothing runs for minutes: that is not the handler's end. Schedules
        are looked at first: a firing invokes before its schedule goes, so what a schedule
        hands over is seen in one place or the other.
        """
        scheduler = self.scheduler
        if scheduler is not None and scheduler.pending(lambda s: _scheduled_for(s, request_id)):
            return True
        return self.emulator.pending(lambda inv: _belongs(inv, request_id))

    @staticmethod
    def _no_response_reason(why: _WaitEnd, wait: float, invocations: list[Invocation]) -> str:
        last = next((inv.result for inv in reversed(invocations) if inv.result), None)
        detail = ""
        if last is not None:
            detail = f"; last invocation: {last.status}"
            if last.error_message:
                detail += f" ({last.error_type or 'error'}: {last.error_message})"
            detail += f"; log: {last.log_path}"
        if why is _WaitEnd.TIMEOUT:
            return (
                f"no response from the custom resource within ServiceTimeout ({wait:g} s){detail}"
            )
        if why is _WaitEnd.CANCELLED:
            return "interrupted before the custom resource responded"
        return f"the handler ended without sending a response{detail}"


@dataclass(frozen=True)
class ResponseCheck:
    body: dict[str, Any]
    problems: list[str]

    @property
    def status(self) -> str:
        return str(self.body.get("Status", ""))

    @property
    def physical_id(self) -> str:
        return str(self.body.get("PhysicalResourceId") or "")

    @property
    def reason(self) -> str:
        return str(self.body.get("Reason") or "")

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("Data")
        return data if isinstance(data, dict) else {}


def check_response(recorded: RecordedResponse, event: dict[str, Any]) -> ResponseCheck:
    """Apply CloudFormation's rules for a custom resource response; list what breaks them."""
    problems: list[str] = []
    if len(recorded.body) > MAX_BODY_BYTES:
        problems.append(
            f"response body is {len(recorded.body)} bytes, at most {MAX_BODY_BYTES} allowed"
        )
    try:
        body = recorded.json()
    except ValueError as error:
        return ResponseCheck({}, [*problems, f"response body is not a JSON object: {error}"])
    status = body.get("Status")
    if status not in ("SUCCESS", "FAILED"):
        problems.append(f"Status is {status!r}, expected SUCCESS or FAILED")
    physical_id = body.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        problems.append("PhysicalResourceId is missing or empty")
    elif len(physical_id.encode("utf-8")) > MAX_PHYSICAL_ID_BYTES:
        problems.append(
            f"PhysicalResourceId is {len(physical_id.encode('utf-8'))} bytes, "
            f"at most {MAX_PHYSICAL_ID_BYTES} allowed"
        )
    if status == "FAILED" and not body.get("Reason"):
        problems.append("Reason is required when Status is FAILED")
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        if body.get(key) != event.get(key):
            problems.append(f"{key} is {body.get(key)!r}, expected {event.get(key)!r}")
    data = body.get("Data")
    if data is not None and not isinstance(data, dict):
        problems.append("Data must be an object")
    return ResponseCheck(body, problems)
