"""The one protocol every resource type implements, and what its implementations share.

``index`` dispatches every event through the table in :mod:`resources` to a module that
implements :class:`ResourceHandler`: CloudFormation's Create, Update and Delete, and the polls
that go on after the answer (a WaitCondition's poller, a background deletion).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol

from .. import completion, continuation, rules
from ..clock import Clock
from ..engines import deletion, lifecycle
from ..engines.kind import Kind, S, T
from ..fields import common as common_fields
from ..outcomes import Continue, Done, Outcome
from ..signal_url import signal_url_problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completion:
    """What the poller of a resource's WaitCondition signals, and how it looks at the resource:
    ``make_check(physical id)``."""

    signal: common_fields.CompletionSignal | None
    make_check: Callable[[str], completion.Check]


class ResourceHandler(Protocol):
    """One resource type: its properties, its id, its lifecycle and its completion check."""

    def parse(self, properties: object, event: Mapping[str, Any]) -> object:
        """The request's properties, checked (``rules.RuleError`` when they are not valid)."""
        ...

    def physical_id(self, event: Mapping[str, Any]) -> str:
        """The resource's id as far as the properties tell (before any call)."""
        ...

    def create(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        """Handle a Create request, or continue one that was handed over."""
        ...

    def update(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        """Handle an Update request, or continue one that was handed over."""
        ...

    def delete(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        """Handle a Delete request, or continue one that was handed over."""
        ...

    def completion_check(self, event: Mapping[str, Any]) -> Completion:
        """The poller's signal and check (``rules.RuleError`` on bad properties)."""
        ...

    def poll(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
    ) -> None:
        """One poll after the answer (a WaitCondition's poller, or a background deletion)."""
        ...

    def start_follow_up(
        self, event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
    ) -> None:
        """Schedule what goes on after the answer, before the answer is sent."""
        ...

    def answers_under(self, physical_id: str) -> bool:
        """Whether a Create failing now must answer under ``physical_id`` (the resource exists:
        the rollback's Delete must delete it)."""
        ...


def stack_name(stack_id: str) -> str:
    """``arn:...:stack/<name>/<uuid>`` -> ``<name>``."""
    parts = stack_id.split("/")
    return parts[1] if len(parts) > 2 else stack_id


def check_signal(signal: common_fields.CompletionSignal | None, stack_id: str) -> None:
    """Only a handle of this very stack: anything else would be an SSRF."""
    if signal is not None:
        problem = signal_url_problem(signal.url, stack_id)
        if problem is not None:
            raise rules.RuleError(common_fields.KEY_SIGNAL_URL, problem)


def signal_poll(
    completion_check: Callable[[Mapping[str, Any]], Completion],
    event: Mapping[str, Any],
    clock: Clock,
    remaining_s: float,
    function_arn: str,
) -> None:
    """One invocation of the WaitCondition's poller of a resource (``completion_check``)."""
    if completion.phase_of(event) == continuation.PHASE_BACKGROUND_DELETE:
        # Only a resource that deletes in the background hands such polls over.
        logger.error("background deletion stopped: no job to delete")
        return
    try:
        found = completion_check(event)
    except rules.RuleError as error:
        logger.error("poller stopped: bad properties: %s: %s", error.field, error.rule)
        return
    completion.poll(
        event,
        found.signal,
        found.make_check,
        clock=clock,
        remaining_s=remaining_s,
        function_arn=function_arn,
    )


def signal_polls(
    completion_check: Callable[[Mapping[str, Any]], Completion],
) -> Callable[..., None]:
    """The ``poll`` of a resource whose only polls are its WaitCondition poller's."""

    def poll(
        event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
    ) -> None:
        signal_poll(
            completion_check, event, clock, remaining_s=remaining_s, function_arn=function_arn
        )

    return poll


def no_completion(event: Mapping[str, Any]) -> Completion:
    """``completion_check`` of a resource that never has a WaitCondition (it is done at once,
    or waits within its own hour): nothing to signal."""
    del event
    return Completion(None, _no_signal_check)


def _no_signal_check(physical_id: str) -> completion.Check:
    raise rules.RuleError(common_fields.KEY_SIGNAL_URL, f"{physical_id} has no completion signal")


def leaves_nothing(physical_id: str) -> bool:
    """``answers_under`` of a resource whose failed Create leaves nothing to delete."""
    del physical_id
    return False


def hand_over_follow_up(
    event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
) -> None:
    """Schedule the follow-up's first poll."""
    continuation.hand_over(event, function_arn, follow_up.state, clock=clock, until=follow_up.until)


def deleting_polls(
    deleter: deletion.Deleter, completion_check: Callable[[Mapping[str, Any]], Completion]
) -> Callable[..., None]:
    """The ``poll`` of a resource that may be deleted in the background (while it is still
    being created): its background deletion's polls, and its WaitCondition poller's."""

    def poll(
        event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
    ) -> None:
        if completion.phase_of(event) == continuation.PHASE_BACKGROUND_DELETE:
            deletion.delete_in_background(
                deleter, event, clock=clock, remaining_s=remaining_s, function_arn=function_arn
            )
            return
        signal_poll(
            completion_check, event, clock, remaining_s=remaining_s, function_arn=function_arn
        )

    return poll


def deletion_or_signal_follow_up(
    event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
) -> None:
    """The first poll of a background deletion (marked first) or of the WaitCondition."""
    if follow_up.state.phase == continuation.PHASE_BACKGROUND_DELETE:
        deletion.start_background(
            event, function_arn, follow_up.state, clock=clock, until=follow_up.until
        )
        return
    hand_over_follow_up(event, function_arn, follow_up, clock=clock)


class KindHandler(Generic[T, S]):
    """The :class:`ResourceHandler` of a billed resource made by :mod:`engines.lifecycle`
    from its :class:`~engines.kind.Kind` (a generation job, an audience model, ...)."""

    def __init__(self, kind: Kind[T, S]) -> None:
        self.kind = kind
        self.deleter = kind.deleter()
        self._create, self._update, self._delete = lifecycle.requests(kind)
        self._poll = deleting_polls(self.deleter, self.completion_check)

    def parse(self, properties: object, event: Mapping[str, Any]) -> T:
        return self.kind.parse(properties, event)

    def physical_id(self, event: Mapping[str, Any]) -> str:
        return self.kind.physical_id(event)

    def create(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        return self._create(event, clock=clock, remaining_s=remaining_s)

    def update(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        return self._update(event, clock=clock, remaining_s=remaining_s)

    def delete(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        return self._delete(event, clock=clock, remaining_s=remaining_s)

    def completion_check(self, event: Mapping[str, Any]) -> Completion:
        """The poller looks the resource up by its ARN (the physical id)."""
        return Completion(*self.kind.completion(event))

    def poll(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
    ) -> None:
        self._poll(event, clock=clock, remaining_s=remaining_s, function_arn=function_arn)

    def start_follow_up(
        self, event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
    ) -> None:
        deletion_or_signal_follow_up(event, function_arn, follow_up, clock=clock)

    def answers_under(self, physical_id: str) -> bool:
        """Once created it is answered under its ARN, or the rollback would orphan it."""
        return self.kind.is_id(physical_id)


class AtOnce:
    """A resource that calls no service and makes nothing: Create and Update answer at once
    with ``answer``'s attributes (``parse`` raises on bad properties), under a physical id that
    never changes (``<LogicalResourceId>-<suffix>``: new properties are an update in place);
    Delete has nothing to do and never fails, so a rollback after a refused Create succeeds.
    It has no polls, and a failed Create leaves nothing."""

    def __init__(
        self,
        suffix: str,
        parse: Callable[[object, Mapping[str, Any]], Any],
        answer: Callable[[Any], dict[str, Any]],
    ) -> None:
        self._suffix = suffix
        self._parse = parse
        self._answer = answer

    def parse(self, properties: object, event: Mapping[str, Any]) -> object:
        return self._parse(properties, event)

    def physical_id(self, event: Mapping[str, Any]) -> str:
        return str(
            event.get("PhysicalResourceId")
            or f"{event.get('LogicalResourceId', 'resource')}-{self._suffix}"
        )

    def create(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        del clock, remaining_s
        parsed = self._parse(event.get("ResourceProperties"), event)
        return Done(self.physical_id(event), self._answer(parsed))

    update = create

    def delete(self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        del clock, remaining_s
        return Done(self.physical_id(event), {})

    def completion_check(self, event: Mapping[str, Any]) -> Completion:
        return no_completion(event)

    def poll(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
    ) -> None:
        signal_poll(no_completion, event, clock, remaining_s=remaining_s, function_arn=function_arn)

    def start_follow_up(
        self, event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
    ) -> None:
        hand_over_follow_up(event, function_arn, follow_up, clock=clock)

    def answers_under(self, physical_id: str) -> bool:
        return leaves_nothing(physical_id)
