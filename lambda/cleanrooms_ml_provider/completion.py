"""Signalling a WaitCondition when a long wait ends (``wait_for_completion`` beyond one hour).

A custom resource can make CloudFormation wait an hour at most. A resource with a completion
signal answers CloudFormation once its job or export is started; this module then polls it, one
short invocation per poll, each scheduling the next (:mod:`schedules`), and PUTs the
WaitConditionHandle's presigned URL: SUCCESS once ACTIVE, FAILURE with a reason otherwise.

The chain ends by time (the first start plus the wait), never silently: every way it can stop
before the result is delivered (the job or export failed or was deleted, a call was denied, the
next poll could not be scheduled, the wait ran out) first signals FAILURE with the reason. A
signal that could not be delivered is handed to the next poll and sent again until the deadline.
The URL is a secret like ResponseURL: never logged, never in a reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from . import clients, continuation, schedules, waiting
from .clock import Clock
from .fields import common as common_fields
from .outcomes import Continue, continue_after
from .response import put_response
from .service_errors import NotFoundError, ServiceError, short
from .statuses import ACTIVE, CREATE_FAILED, describe_status

SUCCESS: Final = "SUCCESS"
FAILURE: Final = "FAILURE"
# Continuation data: a signal the previous poll could not deliver.
PENDING_SIGNAL: Final = "PendingSignal"
# One poll spends at most this long PUTting a signal; the next poll tries again.
SIGNAL_PUT_S: Final = 60.0

logger = logging.getLogger(__name__)


class Gone(Exception):  # noqa: N818 - an outcome: nothing left to wait for
    """The job or export no longer exists: the stack was deleted or rolled back."""


@dataclass(frozen=True)
class Signal:
    status: str
    unique_id: str
    data: dict[str, str]
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "Status": self.status,
            "UniqueId": self.unique_id,
            "Data": json.dumps(self.data, sort_keys=True),
            "Reason": self.reason,
        }

    def body(self) -> bytes:
        return json.dumps(self.to_json()).encode("utf-8")

    @classmethod
    def parse(cls, text: str) -> Signal:
        """A signal kept in a continuation (ValueError when it is not one)."""
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("Status") not in (SUCCESS, FAILURE):
            raise ValueError(f"{PENDING_SIGNAL} is not a signal")
        data = json.loads(str(raw.get("Data") or "{}"))
        if not isinstance(data, dict):
            raise ValueError(f"{PENDING_SIGNAL}.Data is not an object")
        return cls(
            str(raw["Status"]),
            str(raw.get("UniqueId") or ""),
            {str(k): str(v) for k, v in data.items()},
            str(raw.get("Reason") or ""),
        )


# One look at the resource: (done, status seen), Signal when it ended; raises Gone.
Check = Callable[[waiting.Budget], tuple[bool, str, Signal | None]]


def is_poll(event: Mapping[str, Any]) -> bool:
    """An invocation that never answers CloudFormation (that was done): the WaitCondition's
    poller, or a deletion that goes on after the Delete was answered."""
    raw = event.get(continuation.KEY)
    return isinstance(raw, Mapping) and raw.get("Phase") in continuation.AFTER_ANSWER_PHASES


def phase_of(event: Mapping[str, Any]) -> str:
    raw = event.get(continuation.KEY)
    return str(raw.get("Phase")) if isinstance(raw, Mapping) else ""


def follow_up(
    signal: common_fields.CompletionSignal, physical_id: str, *, clock: Clock, until: float
) -> Continue:
    """The poller's first state, started now (the WaitCondition starts waiting about now)."""
    now = clock.now()
    return Continue(
        continuation.State(
            started=now,
            deadline=now + signal.timeout_seconds,
            phase=continuation.PHASE_SIGNAL,
            physical_id=physical_id,
            invocation=2,  # the first poller invocation follows the one that answered
        ),
        until=until,
    )


def newly_requested(
    event: Mapping[str, Any], signal: common_fields.CompletionSignal | None
) -> bool:
    """Whether this request must signal: a Create, or an Update to another handle. (An update
    that keeps its handle has signalled it already; a WaitCondition completes once.)"""
    if signal is None:
        return False
    if event.get("RequestType") == "Create" or is_poll(event):
        return True
    old = event.get("OldResourceProperties")
    return not isinstance(old, Mapping) or old.get(common_fields.KEY_SIGNAL_URL) != signal.url


def send(signal: common_fields.CompletionSignal, outcome: Signal, *, until: float) -> bool:
    """PUT the outcome to the WaitConditionHandle; whether it was taken."""
    logger.info("completion signal %s: %s", outcome.status, outcome.reason)
    delivered = put_response(signal.url, outcome.body(), until=until)
    logger.info("completion signal %s %s", outcome.status, "sent" if delivered else "NOT sent")
    return delivered


class Seen(Protocol):
    """What a look at a resource by its id reads: its status and, once ACTIVE, its attributes."""

    @property
    def status(self) -> str: ...

    @property
    def status_code(self) -> str: ...

    @property
    def status_message(self) -> str: ...

    def data(self) -> dict[str, str]: ...


def status_check(what: str, name: str, arn: str, read: Callable[[waiting.Budget], Seen]) -> Check:
    """The check of a resource looked up by its ARN (``read``: NotFoundError once it is gone):
    done once ACTIVE or CREATE_FAILED; gone once deleted or being deleted."""

    def check(budget: waiting.Budget) -> tuple[bool, str, Signal | None]:
        try:
            seen = read(budget)
        except NotFoundError as error:
            raise Gone(f"{what} {name} was deleted ({arn} is gone)") from error
        if seen.status == ACTIVE:
            return True, seen.status, Signal(SUCCESS, name, seen.data(), ACTIVE)
        if seen.status == CREATE_FAILED:
            status = describe_status(seen.status, seen.status_code, seen.status_message)
            reason = short(f"{what} {name} failed: {status}")
            return True, seen.status, Signal(FAILURE, name, {}, reason)
        if seen.status.startswith("DELETE"):
            raise Gone(f"{what} {name} is being deleted ({seen.status})")
        return False, seen.status, None

    return check


@dataclass(frozen=True)
class Poller:
    """One poller invocation: what to check and where to signal, within which budget."""

    event: Mapping[str, Any]
    signal: common_fields.CompletionSignal
    state: continuation.State
    budget: waiting.Budget
    function_arn: str


def poll(
    event: Mapping[str, Any],
    signal: common_fields.CompletionSignal | None,
    make_check: Callable[[str], Check],
    *,
    clock: Clock,
    remaining_s: float,
    function_arn: str,
) -> None:
    """One invocation of the poller: look, then signal, schedule the next look, or stop."""
    if signal is None:
        logger.error("poller stopped: the resource has no completion signal")
        return
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=signal.timeout_seconds, remaining_s=remaining_s
        )
    except ValueError as error:
        # Not a chain of ours (crafted, replayed, or past the safety net): say so, once.
        reason = f"the wait's poller stopped: invalid continuation: {error}"
        send(signal, Signal(FAILURE, "poller", {}, short(reason)), until=_put_end(clock))
        return
    if state is None:
        return
    poller = Poller(event, signal, state, budget, function_arn)
    pending = state.data.get(PENDING_SIGNAL)
    if pending is not None:
        try:
            kept = Signal.parse(pending)
        except ValueError as error:
            logger.error("poller stopped: invalid continuation: %s", error)
            return
        _deliver(poller, kept)
        return
    _deliver(poller, _outcome(poller, make_check(state.physical_id)))


def _put_end(clock: Clock) -> float:
    return clock.now() + SIGNAL_PUT_S


def _outcome(poller: Poller, check: Check) -> Signal | None:
    """The signal this poll ends the wait with, or None to look again later."""
    budget = poller.budget
    ended: Signal | None = None

    def look() -> tuple[bool, str]:
        nonlocal ended
        done, status, ended = check(budget)
        return done, status

    unique_id = poller.state.physical_id
    try:
        waiting.wait_until(
            budget,
            look,
            phase=continuation.PHASE_SIGNAL,
            last_status="not read yet",
            poll_first=True,
            timeout_reason=lambda elapsed, status: (
                f"still {status} when the wait of {elapsed} s ended"
            ),
        )
    except waiting.HandOver:
        return None
    except waiting.DeadlineError as deadline:
        return Signal(FAILURE, unique_id, {}, short(str(deadline)))
    except Gone as gone:
        return Signal(FAILURE, unique_id, {}, short(str(gone)))
    except (ServiceError, clients.Unavailable) as error:
        # Access denied or the like: waiting will not heal it.
        return Signal(FAILURE, unique_id, {}, short(f"the wait failed: {error}"))
    return ended


def _deliver(poller: Poller, outcome: Signal | None) -> None:
    """Send ``outcome`` (or schedule the next look); an undelivered signal goes to the next poll."""
    budget, state = poller.budget, poller.state
    data: dict[str, str] = {}
    if outcome is not None:
        if send(poller.signal, outcome, until=min(budget.hard_end, _put_end(budget.clock))):
            return
        if budget.clock.now() >= budget.deadline:
            logger.error("completion signal %s not delivered by the deadline", outcome.status)
            return
        data = {PENDING_SIGNAL: json.dumps(outcome.to_json())}
    handover = waiting.HandOver(continuation.PHASE_SIGNAL, "")
    follow_up = continue_after(handover, budget, state, state.physical_id, data)
    try:
        continuation.hand_over(
            poller.event,
            poller.function_arn,
            follow_up.state,
            clock=budget.clock,
            until=follow_up.until,
        )
    except schedules.DuplicateHandOver:
        logger.info("poller: the next poll is scheduled already (a duplicate delivery); stopping")
    except ServiceError as error:
        if outcome is None:
            reason = short(f"the wait's poller stopped: {error}")
            send(
                poller.signal, Signal(FAILURE, state.physical_id, {}, reason), until=budget.hard_end
            )
        else:
            logger.error("poller stopped with the signal undelivered: %s", error)
