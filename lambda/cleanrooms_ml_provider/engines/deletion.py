"""Delete and wait until gone, going on in the background when the service does not allow it yet.

A Delete deletes the resource and waits until it is gone; an id that names none (a failed
Create) has nothing to delete. A resource still being created cannot be deleted yet: when the
Delete's time runs out while it waits for that, the Delete is answered so the rollback or stack
deletion completes, and the deletion goes on in the background — polls scheduled like any
wait's (:mod:`schedules`) delete it as soon as the service allows, for up to
:data:`BACKGROUND_DELETE_S`, logging what they do.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import clients, continuation, rules, schedules, waiting
from ..clock import Clock
from ..fields import common as common_fields
from ..outcomes import Continue, Done, Outcome, continue_after
from ..service_errors import ConflictError, NotFoundError, RequestError, ServiceError
from ..statuses import CREATING, DELETE_FAILED, DELETING

_DELETE_REQUESTED: Final = "DeleteRequested"  # continuation data of a Delete
# How long a background deletion keeps trying: longer than a job takes to be created (the
# service documents no maximum; 24 hours is this library's assumption).
BACKGROUND_DELETE_S: Final = 24 * 3600

logger = logging.getLogger(__name__)


@dataclass
class Deletion:
    requested: bool  # a Delete was accepted (so DELETE_FAILED is the answer to ours)
    waiting_for_creation: bool = False  # the last look found it still being created


@dataclass(frozen=True)
class Deleter:
    """A resource's own calls for deleting it (errors as :mod:`service_errors` kinds)."""

    is_id: Callable[[object], bool]  # whether a physical id names a resource to delete
    # (status, status described) of the resource; NotFoundError once it is gone.
    status: Callable[[str, waiting.Budget], tuple[str, str]]
    # Ask for the deletion (asynchronous); ConflictError while it is still being created.
    request: Callable[[str, waiting.Budget], None]
    what: str  # "audience generation job"


def discard(label: str, request: Callable[[], None]) -> str:
    """Ask for the deletion of ``label`` (a resource a failed Update created, which nothing
    else would delete); what became of it, for the failure's reason."""
    try:
        request()
    except NotFoundError:
        return f"{label} is gone"
    except (ServiceError, clients.Unavailable) as error:
        logger.warning("could not delete %s: %s", label, error)
        return f"{label} could not be deleted yet: delete it"
    return f"{label} is being deleted"


def forget_pending_polls(
    event: Mapping[str, Any], physical_id: str, budget: waiting.Budget
) -> None:
    """Delete the resource's pending WaitCondition polls: nothing waits for them any more."""
    properties = event.get("ResourceProperties")
    if isinstance(properties, Mapping) and properties.get(common_fields.KEY_SIGNAL_URL):
        names = continuation.pending_poll_names(event, physical_id, continuation.PHASE_SIGNAL)
        schedules.delete(names, clock=budget.clock, until=budget.call_until())


def delete(
    deleter: Deleter, event: Mapping[str, Any], *, clock: Clock, remaining_s: float
) -> Outcome:
    """Handle a Delete request, or continue one that was handed over."""
    physical_id = event.get("PhysicalResourceId")
    if not deleter.is_id(physical_id):
        # A failed Create answered under an id that names nothing: there is nothing to delete.
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
        delete_until_gone(deleter, arn, budget, deletion)
    except waiting.HandOver as handover:
        return continue_after(handover, budget, state, arn, _data(deletion))
    except waiting.DeadlineError:
        if not deletion.waiting_for_creation:
            raise
        logger.warning(
            "%s %s is still being created: answering the Delete, and deleting the job in "
            "the background as soon as the service allows",
            deleter.what,
            arn,
        )
        return Done(arn, {}, follow_up=_background(arn, budget))
    return Done(arn, {})


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
    deleter: Deleter,
    event: Mapping[str, Any],
    *,
    clock: Clock,
    remaining_s: float,
    function_arn: str,
) -> None:
    """One poll of a background deletion: it never answers CloudFormation (that was done)."""
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=BACKGROUND_DELETE_S, remaining_s=remaining_s
        )
    except ValueError as error:
        logger.error("background deletion stopped: invalid continuation: %s", error)
        return
    if state is None or not deleter.is_id(state.physical_id):
        logger.error("background deletion stopped: no job to delete")
        return
    if _delete_once(deleter, event, state, budget, function_arn):
        return
    marker = continuation.background_marker_name(
        str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    )
    schedules.delete([marker], clock=budget.clock, until=budget.call_until())


def _delete_once(
    deleter: Deleter,
    event: Mapping[str, Any],
    state: continuation.State,
    budget: waiting.Budget,
    function_arn: str,
) -> bool:
    """Delete for this poll's time; whether the chain goes on (a next poll is scheduled)."""
    arn = state.physical_id
    deletion = Deletion(requested=state.data.get(_DELETE_REQUESTED) == "true")
    try:
        delete_until_gone(deleter, arn, budget, deletion)
    except waiting.HandOver as handover:
        going_on = waiting.HandOver(continuation.PHASE_BACKGROUND_DELETE, handover.last_status)
        follow_up = continue_after(going_on, budget, state, arn, _data(deletion))
        try:
            continuation.hand_over(
                event, function_arn, follow_up.state, clock=budget.clock, until=follow_up.until
            )
        except schedules.DuplicateHandOver:
            logger.info("background deletion: the next poll is scheduled already; stopping")
            return True
        except ServiceError as error:
            logger.error("background deletion of %s stopped: %s; delete it by hand", arn, error)
        else:
            return True
    except (waiting.DeadlineError, RequestError) as error:
        logger.error("background deletion of %s gave up: %s; delete it by hand", arn, error)
    else:
        logger.info("background deletion: %s %s is gone", deleter.what, arn)
    return False


def _timeout_s(event: Mapping[str, Any]) -> int:
    """The resource's ServiceTimeout; the default if its properties cannot be read (a Delete
    must still delete the resource)."""
    properties = event.get("ResourceProperties")
    raw = properties.get(common_fields.KEY_TIMEOUT) if isinstance(properties, Mapping) else None
    try:
        return rules.check_timeout_seconds(rules.parse_int(raw, common_fields.KEY_TIMEOUT))
    except rules.RuleError:
        return rules.TIMEOUT_MAX_SECONDS


def delete_until_gone(
    deleter: Deleter, arn: str, budget: waiting.Budget, deletion: Deletion
) -> None:
    """Delete the resource and wait until it is gone (ResourceNotFound counts as gone)."""

    def poll() -> tuple[bool, str]:
        try:
            status, described = deleter.status(arn, budget)
        except NotFoundError:
            return True, "gone"
        # A throttled look says nothing of this: the last answer read counts.
        deletion.waiting_for_creation = status in CREATING
        if deletion.waiting_for_creation:
            return False, f"{status} (deletable once created)"
        if status in DELETING:
            deletion.requested = True
            return False, status
        if status == DELETE_FAILED and deletion.requested:
            raise RequestError(f"{deleter.what} {arn} could not be deleted: {described}")
        try:
            deleter.request(arn, budget)
        except NotFoundError:
            return True, "gone"
        except ConflictError:
            deletion.waiting_for_creation = True
            return False, "CONFLICT (still being created)"
        deletion.requested = True
        logger.info("deleting %s %s", deleter.what, arn)
        return False, "DELETE_PENDING"

    waiting.wait_until(
        budget,
        poll,
        phase=continuation.PHASE_JOB_DELETE,
        last_status="not read yet",
        poll_first=True,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s deleting {deleter.what} {arn} (last status {status})"
        ),
    )
