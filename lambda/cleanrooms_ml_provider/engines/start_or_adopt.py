"""Start or adopt by name: the resource if it exists (a retried or duplicated request), else a
Start.

Start has no client token, so idempotency rests on the name: a ConflictException means the
resource exists (perhaps committed by an attempt whose answer was lost) and is looked up again;
a conflict with nothing listed (the listing may lag) is retried :data:`MAX_UNLISTED_CONFLICTS`
times in all. The account's in-flight quota and throttling are waited out until the deadline;
Start is never sent after it (the resource would run on with nobody waiting for it). Whether a
found resource may be adopted (its settings, its owner) is the resource's own ``adopt``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from .. import clients, continuation, waiting
from ..clock import Clock
from ..outcomes import Outcome, continue_after
from ..service_errors import ConflictError, JobFailed, RequestError, ServiceError, SlotQuotaError
from ..statuses import CREATE_PENDING

# Conflicts on Start with nothing of that name listed (the listing may lag) before failing.
MAX_UNLISTED_CONFLICTS: Final = 3
NOT_STARTED: Final = "not started"

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calls(Generic[T]):
    """A resource's own calls and words for :func:`start_or_adopt`."""

    # The resource of the request's name, if listed (``attempts``: None for the default).
    find: Callable[[int | None], T | None]
    # Check a found resource (RequestError if it may not be adopted), record it; its status.
    adopt: Callable[[T], str]
    # Send Start (errors as service_errors kinds or clients.Unavailable), record what started.
    start: Callable[[], None]
    phase: str
    what: str  # "export <name>": what timeout reasons name
    start_action: str  # the Start call's name, as unavailable statuses show it
    slot: str  # "export": what a quota slot is for
    nothing_started: str  # "no export was started"
    unlisted: Callable[[ConflictError], str]  # the reason when Conflict lists nothing


class _Attempts(Generic[T]):
    """The state of one request's attempts: looked first, conflicts counted, last status."""

    def __init__(self, budget: waiting.Budget, calls: Calls[T]) -> None:
        self.budget, self.calls = budget, calls
        self.look_first = True
        self.conflicts = 0
        self.status = NOT_STARTED

    def start(self) -> tuple[bool, str]:
        calls = self.calls
        try:
            calls.start()
        except ConflictError as conflict:
            existing = calls.find(None)
            if existing is not None:
                return True, calls.adopt(existing)
            self.conflicts += 1
            if self.conflicts >= MAX_UNLISTED_CONFLICTS:
                raise RequestError(calls.unlisted(conflict)) from conflict
            return False, "CONFLICT (not listed yet)"
        except SlotQuotaError as quota:
            logger.info("waiting for a free %s slot: %s", calls.slot, quota)
            return False, f"waiting for a free {calls.slot} slot (quota {quota.label})"
        except clients.Unavailable as unavailable:
            # Start may have been committed: the next attempt's Conflict tells.
            return False, waiting.unknown_status(unavailable)
        return True, CREATE_PENDING

    def attempt(self) -> tuple[bool, str]:
        if self.look_first:
            self.look_first = False
            # One attempt: a throttled lookup is retried by the wait's own back-off.
            existing = self.calls.find(1)
            if existing is not None:
                self.status = self.calls.adopt(existing)
                return True, self.status
        if self.budget.clock.now() >= self.budget.deadline:
            return False, self.status  # no Start after the deadline; the reason keeps the cause
        done, self.status = self.start()
        return done, self.status


def start_or_adopt(budget: waiting.Budget, calls: Calls[T]) -> None:
    """Adopt or start the resource, waiting out quota and throttling until the deadline."""
    attempts = _Attempts(budget, calls)
    waiting.wait_until(
        budget,
        attempts.attempt,
        phase=calls.phase,
        last_status=NOT_STARTED,
        poll_first=True,
        timeout_reason=lambda elapsed, last: (
            f"timed out after {elapsed} s starting {calls.what} (last status {last}); "
            + (
                "it may have been started in Clean Rooms ML"
                if calls.start_action in last or "CONFLICT" in last
                else calls.nothing_started
            )
        ),
    )


@dataclass
class Progress(Generic[T]):
    """What a request has done so far: the resource it started or adopted, as last seen."""

    arn: str | None = None
    seen: T | None = None
    started: bool = False


def run(
    event: Mapping[str, Any],
    budget: waiting.Budget,
    state: continuation.State | None,
    step: Callable[[Progress[T]], Outcome],
    *,
    unnamed_id: str,
    discard: Callable[[str, waiting.Budget], str],
) -> Outcome:
    """Run a request that may start a resource (``step``), answering for what it made.

    A wait handed over goes on under the started resource's id (else the old one, else
    ``unnamed_id``). A failure once a new resource exists: a Create answers FAILED under its id
    (so the rollback's Delete deletes it); a failed Update keeps the old id, so the new one is
    removed (``discard``: what became of it), or it would be orphaned.
    """
    progress: Progress[T] = Progress()
    old_id = event.get("PhysicalResourceId")
    try:
        return step(progress)
    except waiting.HandOver as handover:
        physical_id = progress.arn or str(old_id or "") or unnamed_id
        return continue_after(handover, budget, state, physical_id)
    except (RequestError, ServiceError, waiting.DeadlineError, clients.Unavailable) as error:
        if progress.arn is None or progress.arn == old_id:
            raise
        if event.get("RequestType") == "Create":
            raise JobFailed(error, progress.arn) from error
        raise RequestError(f"{error}; {discard(progress.arn, budget)}") from error


def begin(
    event: Mapping[str, Any], *, clock: Clock, timeout_s: int, remaining_s: float
) -> tuple[continuation.State | None, waiting.Budget]:
    """The request's continuation (None for a fresh request) and this invocation's budget."""
    try:
        return continuation.begin(event, clock=clock, timeout_s=timeout_s, remaining_s=remaining_s)
    except ValueError as error:
        raise RequestError(f"invalid continuation: {error}") from error
