"""Signalling a WaitCondition when a long wait ends (``wait_for_completion`` beyond one hour).

A custom resource can make CloudFormation wait an hour at most. A resource with a completion
signal answers CloudFormation once its job or export is started; this module then polls it in
a chain of asynchronous invocations of this same function (each waits inline, then hands over:
no schedule, rule or permission is created, so none is left behind) and PUTs the
WaitConditionHandle's presigned URL: SUCCESS once ACTIVE, FAILURE with the service's reason on
CREATE_FAILED. It stops by itself when the job or export is gone (the stack was deleted or
rolled back) and at the deadline, when the WaitCondition times out on its own. The URL is a
secret like ResponseURL: never logged, never in a reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from . import clients, continuation, export_jobs, rules, waiting
from .clock import Clock
from .export_jobs import ServiceError
from .generation_calls import NotFoundError, get_job
from .outcomes import Continue, continue_after
from .response import put_response

SUCCESS: Final = "SUCCESS"
FAILURE: Final = "FAILURE"
GONE_CODES: Final = ("ResourceNotFoundException",)

logger = logging.getLogger(__name__)


class Gone(Exception):  # noqa: N818 - an outcome: nothing left to wait for
    """The job or export no longer exists: the stack was deleted or rolled back."""


@dataclass(frozen=True)
class Signal:
    status: str
    unique_id: str
    data: dict[str, str]
    reason: str

    def body(self) -> bytes:
        return json.dumps(
            {
                "Status": self.status,
                "UniqueId": self.unique_id,
                "Data": json.dumps(self.data, sort_keys=True),
                "Reason": self.reason,
            }
        ).encode("utf-8")


# One look at the resource: (done, status seen), Signal when it ended; raises Gone.
Check = Callable[[waiting.Budget], tuple[bool, str, Signal | None]]


def is_poll(event: Mapping[str, Any]) -> bool:
    """An invocation of the poller (it never answers CloudFormation: that was done)."""
    raw = event.get(continuation.KEY)
    return isinstance(raw, Mapping) and raw.get("Phase") == continuation.PHASE_SIGNAL


def follow_up(
    signal: rules.CompletionSignal, physical_id: str, *, clock: Clock, until: float
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


def newly_requested(event: Mapping[str, Any], signal: rules.CompletionSignal | None) -> bool:
    """Whether this request must signal: a Create, or an Update to another handle. (An update
    that keeps its handle has signalled it already; a WaitCondition completes once.)"""
    if signal is None:
        return False
    if event.get("RequestType") == "Create" or is_poll(event):
        return True
    old = event.get("OldResourceProperties")
    return not isinstance(old, Mapping) or old.get(rules.KEY_SIGNAL_URL) != signal.url


def send(signal: rules.CompletionSignal, outcome: Signal, *, until: float) -> bool:
    """PUT the outcome to the WaitConditionHandle; whether it was taken."""
    delivered = put_response(signal.url, outcome.body(), until=until)
    logger.info("completion signal %s %s", outcome.status, "sent" if delivered else "NOT sent")
    return delivered


def job_check(name: str, arn: str) -> Check:
    def check(budget: waiting.Budget) -> tuple[bool, str, Signal | None]:
        try:
            job = get_job(arn, clock=budget.clock, until=budget.call_until(), attempts=1)
        except NotFoundError as error:
            raise Gone(f"audience generation job {arn} is gone") from error
        if job.status == "ACTIVE":
            return True, job.status, Signal(SUCCESS, name, job.data(), "ACTIVE")
        if job.status == "CREATE_FAILED":
            status = export_jobs.describe_status(job.status, job.status_code, job.status_message)
            reason = export_jobs.short(f"audience generation job {name} failed: {status}")
            return True, job.status, Signal(FAILURE, name, {}, reason)
        if job.status.startswith("DELETE"):
            raise Gone(f"audience generation job {arn} is {job.status}")
        return False, job.status, None

    return check


def export_check(
    name: str, job_arn: str, data: Callable[[str, str | None], dict[str, str]]
) -> Check:
    def check(budget: waiting.Budget) -> tuple[bool, str, Signal | None]:
        try:
            export = export_jobs.find_export(
                job_arn, name, clock=budget.clock, until=budget.call_until(), attempts=1
            )
        except ServiceError as error:
            if error.code in GONE_CODES:
                raise Gone(f"the generation job of export {name} is gone") from error
            raise
        if export is None:
            return False, "CREATE_PENDING", None  # just started: not listed yet
        if export.status == "ACTIVE":
            attributes = data(export.status, export.output_location)
            return True, export.status, Signal(SUCCESS, name, attributes, "ACTIVE")
        if export.status == "CREATE_FAILED":
            status = export_jobs.describe_status(
                export.status, export.status_code, export.status_message
            )
            return True, export.status, Signal(FAILURE, name, {}, f"export {name} failed: {status}")
        return False, export.status, None

    return check


@dataclass(frozen=True)
class Poller:
    """One poller invocation: what to check and where to signal, within which budget."""

    event: Mapping[str, Any]
    signal: rules.CompletionSignal
    state: continuation.State
    budget: waiting.Budget
    function_arn: str


def poll(
    event: Mapping[str, Any],
    signal: rules.CompletionSignal | None,
    make_check: Callable[[str], Check],
    *,
    clock: Clock,
    remaining_s: float,
    function_arn: str,
) -> None:
    """One invocation of the poller: wait, then signal, hand over, or stop."""
    if signal is None:
        logger.error("poller stopped: the resource has no completion signal")
        return
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=signal.timeout_seconds, remaining_s=remaining_s
        )
    except ValueError as error:
        logger.error("poller stopped: invalid continuation: %s", error)
        return
    if state is None:
        return
    _run(Poller(event, signal, state, budget, function_arn), make_check(state.physical_id))


def _run(poller: Poller, check: Check) -> None:
    budget, state = poller.budget, poller.state
    ended: Signal | None = None

    def look() -> tuple[bool, str]:
        nonlocal ended
        done, status, ended = check(budget)
        return done, status

    try:
        waiting.wait_until(
            budget,
            look,
            phase=continuation.PHASE_SIGNAL,
            last_status="not read yet",
            poll_first=True,
            timeout_reason=lambda elapsed, status: (
                f"poller stopped after {elapsed} s (last status {status}): the wait "
                "condition times out by itself"
            ),
        )
    except waiting.HandOver as handover:
        follow_up = continue_after(handover, budget, state, state.physical_id)
        try:
            continuation.hand_over(
                poller.event,
                poller.function_arn,
                follow_up.state,
                clock=budget.clock,
                until=follow_up.until,
            )
        except ServiceError as error:
            logger.error("poller stopped: %s; the wait condition times out by itself", error)
        return
    except waiting.DeadlineError as deadline:
        logger.warning("%s", deadline)
        return
    except Gone as gone:
        logger.info("poller stopped: %s", gone)
        return
    except (ServiceError, clients.Unavailable) as error:
        # Access denied or the like: it will not heal by waiting; the condition times out.
        logger.error("poller stopped: %s", error)
        return
    if ended is not None:
        send(poller.signal, ended, until=budget.hard_end)
