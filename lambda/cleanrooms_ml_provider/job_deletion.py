"""Deleting an audience generation job: the Delete request, and what goes on after it.

Delete deletes the job and waits until it is gone (ResourceNotFound counts as gone); an id that
is no job ARN (a failed Create) has nothing to delete. A job still being created cannot be
deleted yet (the service answers Conflict): when the Delete's time runs out while it waits for
that, the Delete is answered so the rollback or stack deletion completes, and the deletion goes
on in the background — polls scheduled like any wait's (:mod:`schedules`) delete the job as
soon as the service allows, for up to :data:`BACKGROUND_DELETE_S`, logging what they do.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from . import continuation, rules, schedules, waiting
from .clock import Clock
from .export_jobs import ConflictError, ServiceError, describe_status
from .generation_calls import NotFoundError, delete_job, get_job
from .generation_lifecycle import CREATING, DELETE_FAILED, DELETING, is_job_arn
from .outcomes import Continue, Done, Outcome, RequestError, continue_after

_DELETE_REQUESTED: Final = "DeleteRequested"  # continuation data of a Delete
# How long a background deletion keeps trying: longer than a job takes to be created (the
# service documents no maximum; 24 hours is this library's assumption).
BACKGROUND_DELETE_S: Final = 24 * 3600

logger = logging.getLogger(__name__)


@dataclass
class Deletion:
    requested: bool  # a Delete was accepted (so DELETE_FAILED is the answer to ours)
    waiting_for_creation: bool = False  # the last look found the job still being created


def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle a Delete request, or continue one that was handed over."""
    physical_id = event.get("PhysicalResourceId")
    if not is_job_arn(physical_id):
        # A failed Create answered under an id that names no job: there is nothing to delete.
        logger.info("delete: no job behind %s, nothing to do", physical_id)
        return Done(str(physical_id or ""), {})
    arn = str(physical_id)
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=_timeout_s(event), remaining_s=remaining_s
        )
    except ValueError as error:
        raise RequestError(f"invalid continuation: {error}") from error
    if state is None:
        forget_pending_polls(event, arn, budget)
    deletion = Deletion(requested=state is not None and state.data.get(_DELETE_REQUESTED) == "true")
    try:
        _delete(arn, budget, deletion)
    except waiting.HandOver as handover:
        return continue_after(handover, budget, state, arn, _data(deletion))
    except waiting.DeadlineError:
        if not deletion.waiting_for_creation:
            raise
        logger.warning(
            "audience generation job %s is still being created: answering the Delete, and "
            "deleting the job in the background as soon as the service allows",
            arn,
        )
        return Done(arn, {}, follow_up=_background(arn, budget))
    return Done(arn, {})


def forget_pending_polls(
    event: Mapping[str, Any], physical_id: str, budget: waiting.Budget
) -> None:
    """Delete the resource's pending WaitCondition polls: nothing waits for them any more."""
    properties = event.get("ResourceProperties")
    if isinstance(properties, Mapping) and properties.get(rules.KEY_SIGNAL_URL):
        names = continuation.pending_poll_names(event, physical_id, continuation.PHASE_SIGNAL)
        schedules.delete(names, clock=budget.clock, until=budget.call_until())


def _data(deletion: Deletion) -> dict[str, str]:
    return {_DELETE_REQUESTED: "true"} if deletion.requested else {}


def _background(arn: str, budget: waiting.Budget) -> Continue:
    now = budget.clock.now()
    return Continue(
        continuation.State(
            started=now,
            deadline=now + BACKGROUND_DELETE_S,
            phase=continuation.PHASE_BACKGROUND_DELETE,
            physical_id=arn,
            invocation=2,
        ),
        until=budget.hard_end,
    )


def start_background(
    event: Mapping[str, Any],
    function_arn: str,
    state: continuation.State,
    *,
    clock: Clock,
    until: float,
) -> None:
    """Before the Delete is answered: mark the background deletion as going on (the provider's
    drain waits for the mark), then schedule its first poll."""
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    # A Delete delivered twice finds it marked already.
    with contextlib.suppress(schedules.DuplicateHandOver):
        schedules.create(
            name=continuation.background_marker_name(stack_id, logical_id),
            # Never meant to fire: a chain that died leaves it, and it then ends by itself.
            at=state.deadline + schedules.MAX_DELAY_S,
            function_arn=function_arn,
            payload={"BackgroundDeletionMarker": logical_id},
            clock=clock,
            until=until,
        )
    continuation.hand_over(event, function_arn, state, clock=clock, until=until)


def delete_in_background(
    event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str
) -> None:
    """One poll of a background deletion: it never answers CloudFormation (that was done)."""
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=BACKGROUND_DELETE_S, remaining_s=remaining_s
        )
    except ValueError as error:
        logger.error("background deletion stopped: invalid continuation: %s", error)
        return
    if state is None or not is_job_arn(state.physical_id):
        logger.error("background deletion stopped: no job to delete")
        return
    arn = state.physical_id
    deletion = Deletion(requested=state.data.get(_DELETE_REQUESTED) == "true")
    try:
        _delete(arn, budget, deletion)
    except waiting.HandOver as handover:
        going_on = waiting.HandOver(continuation.PHASE_BACKGROUND_DELETE, handover.last_status)
        follow_up = continue_after(going_on, budget, state, arn, _data(deletion))
        try:
            continuation.hand_over(
                event, function_arn, follow_up.state, clock=budget.clock, until=follow_up.until
            )
        except schedules.DuplicateHandOver:
            logger.info("background deletion: the next poll is scheduled already; stopping")
            return
        except ServiceError as error:
            logger.error("background deletion of %s stopped: %s; delete it by hand", arn, error)
        else:
            return
    except (waiting.DeadlineError, RequestError) as error:
        logger.error("background deletion of %s gave up: %s; delete it by hand", arn, error)
    else:
        logger.info("background deletion: audience generation job %s is gone", arn)
    marker = continuation.background_marker_name(
        str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    )
    schedules.delete([marker], clock=budget.clock, until=budget.call_until())


def _timeout_s(event: Mapping[str, Any]) -> int:
    """The resource's ServiceTimeout; the default if its properties cannot be read (a Delete
    must still delete the job)."""
    properties = event.get("ResourceProperties")
    raw = properties.get(rules.KEY_TIMEOUT) if isinstance(properties, Mapping) else None
    try:
        return rules.check_timeout_seconds(rules.parse_int(raw, rules.KEY_TIMEOUT))
    except rules.RuleError:
        return rules.TIMEOUT_MAX_SECONDS


def _delete(arn: str, budget: waiting.Budget, deletion: Deletion) -> None:
    """Delete the job and wait until it is gone (ResourceNotFound counts as gone)."""

    def poll() -> tuple[bool, str]:
        try:
            job = get_job(arn, clock=budget.clock, until=budget.call_until(), attempts=1)
        except NotFoundError:
            return True, "gone"
        # A throttled look says nothing of this: the last answer read counts.
        deletion.waiting_for_creation = job.status in CREATING
        if deletion.waiting_for_creation:
            return False, f"{job.status} (deletable once created)"
        if job.status in DELETING:
            deletion.requested = True
            return False, job.status
        if job.status == DELETE_FAILED and deletion.requested:
            status = describe_status(job.status, job.status_code, job.status_message)
            raise RequestError(f"audience generation job {arn} could not be deleted: {status}")
        try:
            delete_job(arn, clock=budget.clock, until=budget.call_until(), attempts=1)
        except NotFoundError:
            return True, "gone"
        except ConflictError:
            deletion.waiting_for_creation = True
            return False, "CONFLICT (still being created)"
        deletion.requested = True
        logger.info("deleting audience generation job %s", arn)
        return False, "DELETE_PENDING"

    waiting.wait_until(
        budget,
        poll,
        phase=continuation.PHASE_JOB_DELETE,
        last_status="not read yet",
        poll_first=True,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s deleting audience generation job {arn} "
            f"(last status {status})"
        ),
    )
