"""The lifecycle of a billed resource that a Create call starts and the service makes ACTIVE in
its own time (a generation job, an audience model): written once, for each :class:`Kind`.

Create: adopt a resource of the same name and settings (a retried invocation, or a Create whose
answer was lost: there is no client token, so the name is the idempotency key), refuse one with
other settings or another owner, else create one; then wait until it is ACTIVE unless told not
to. Once it exists, a FAILED answer carries its ARN, so CloudFormation's rollback deletes it.
Update: same name and settings is the same resource: tags are set in place. Another name is a
new resource (a derived name changes with any setting that cannot change in place), and
CloudFormation deletes the old one; other settings under the same custom name cannot be applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from .. import clients, completion, rules, waiting
from ..clock import Clock
from ..outcomes import Done, Outcome
from ..service_errors import ConflictError, NotFoundError, RequestError, ServiceError
from ..statuses import (
    ACTIVE,
    CREATE_FAILED,
    CREATE_PENDING,
    DELETE_FAILED,
    DELETING,
    UNKNOWN,
)
from . import deletion, ownership
from .kind import Kind, S, T
from .start_or_adopt import Calls, Progress, begin, run, start_or_adopt
from .wait_for_status import wait_for_status

logger = logging.getLogger(__name__)


Step = Callable[[T, waiting.Budget, Progress[S]], Outcome]


def handle(
    kind: Kind[T, S],
    event: Mapping[str, Any],
    remaining_s: float,
    step: Step[T, S],
    clock: Clock,
) -> Outcome:
    """Run ``step`` for the request (fresh or handed over), answering for what it made."""
    target = kind.parse(event.get("ResourceProperties"), event)
    state, budget = begin(
        event, clock=clock, timeout_s=target.props.timeout_seconds, remaining_s=remaining_s
    )
    if state is not None:
        # Every step is idempotent by the resource's name: a follow-up simply runs it again.
        logger.info("continuing %s wait (invocation %d)", state.phase, state.invocation)

    def go(progress: Progress[S]) -> Outcome:
        return step(target, budget, progress)

    return run(
        event, budget, state, go, unnamed_id=kind.unnamed_id(target.name), discard=kind.discard
    )


def provision(
    kind: Kind[T, S], target: T, budget: waiting.Budget, progress: Progress[S]
) -> Outcome:
    """Adopt the resource if it exists (a retried or duplicated request), else create it."""

    def start() -> None:
        arn = kind.start(target, budget)
        logger.info("started %s %s: %s", kind.what, target.name, arn)
        progress.arn, progress.started = arn, True

    def unlisted(conflict: ConflictError) -> str:
        return (
            f"Name: {kind.start_action} reports a conflict for {target.name} ({conflict}), but "
            f"no {kind.noun} of that name is listed{kind.listed_where}"
        )

    calls = Calls(
        find=lambda attempts: kind.find(target, budget, attempts),
        adopt=lambda arn: _adopt(kind, target, budget, progress, arn),
        start=start,
        phase=kind.phase,
        what=f"{kind.what} {target.name}",
        start_action=kind.start_action,
        slot=kind.slot,
        nothing_started=f"no {kind.noun} was started",
        unlisted=unlisted,
    )
    start_or_adopt(budget, calls)
    return _finish(kind, target, budget, progress)


def _adopt(
    kind: Kind[T, S], target: T, budget: waiting.Budget, progress: Progress[S], arn: str
) -> str:
    seen = kind.get(arn, budget, None)
    ownership.check_adoptable(
        kind.what,
        target.name,
        kind.differences(seen, target.request),
        tags=seen.tags,
        owner=target.owner,
        status=seen.status,
    )
    progress.arn, progress.seen = arn, seen
    return seen.status


def _finish(kind: Kind[T, S], target: T, budget: waiting.Budget, progress: Progress[S]) -> Outcome:
    arn, seen, signal = progress.arn, progress.seen, target.props.signal
    if arn is None:  # unreachable: provision returns only once one is started or adopted
        raise RequestError(f"{kind.what} {target.name} was not started")
    if seen is not None and seen.status == CREATE_FAILED:
        raise kind.failed(target.name, seen)
    if signal is not None:
        # A long wait: answer now; the poller signals the WaitCondition once it is done.
        data = seen.data() if seen is not None else target.pending_data(arn, CREATE_PENDING)
        poller = completion.follow_up(signal, arn, clock=budget.clock, until=budget.hard_end)
        return Done(arn, data, follow_up=poller)
    if seen is not None and (seen.status == ACTIVE or not target.props.wait_for_completion):
        return Done(arn, seen.data())
    if seen is None and not target.props.wait_for_completion:
        return Done(arn, target.pending_data(arn, CREATE_PENDING))
    return _await_active(kind, target, budget, progress, poll_first=seen is None)


def _await_active(
    kind: Kind[T, S],
    target: T,
    budget: waiting.Budget,
    progress: Progress[S],
    *,
    poll_first: bool,
) -> Outcome:
    arn = progress.arn or ""
    label = f"{kind.what} {target.name}"

    def active(seen: S) -> bool:
        progress.seen = seen
        if seen.status == CREATE_FAILED:
            raise kind.failed(target.name, seen)
        if seen.status in (*DELETING, DELETE_FAILED):
            raise RequestError(f"{label} is {seen.status}: it was deleted while being created")
        return seen.status == ACTIVE

    seen = wait_for_status(
        budget,
        lambda: kind.get(arn, budget, 1),
        status=lambda found: found.status,
        done=active,
        phase=kind.phase,
        seen=progress.seen,
        unseen_status=CREATE_PENDING,
        poll_first=poll_first,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for {label} (last status {status})"
        ),
        missing=f"{label} was not read",
    )
    return Done(arn, seen.data())


def update(
    kind: Kind[T, S],
    event: Mapping[str, Any],
    target: T,
    budget: waiting.Budget,
    progress: Progress[S],
) -> Outcome:
    """The same resource changed in place (tags), or a new one under a new name."""
    old_arn = event.get("PhysicalResourceId")
    if not kind.is_id(old_arn):
        logger.info("no %s behind %s: starting %s", kind.noun, old_arn, target.name)
        return provision(kind, target, budget, progress)
    arn = str(old_arn)
    try:
        seen = kind.get(arn, budget, None)
    except NotFoundError:
        logger.info("%s %s is gone: starting %s", kind.noun, arn, target.name)
        return provision(kind, target, budget, progress)
    except (ServiceError, clients.Unavailable):
        if _unchanged(kind, event, target):
            # A no-op update (or the rollback to these properties) must not fail, or the stack
            # could end UPDATE_ROLLBACK_FAILED; the resource itself has not changed.
            logger.warning("cannot read %s; nothing changed, answering as is", arn, exc_info=True)
            return Done(arn, target.pending_data(arn, UNKNOWN))
        raise
    renamed_in_place = kind.renames_in_place and all(
        key in kind.updatable for key in kind.differences(seen, target.request)
    )
    if seen.name != target.name and not renamed_in_place:
        logger.info("new name %s: starting it, CloudFormation deletes %s", target.name, seen.name)
        return provision(kind, target, budget, progress)
    return _update_in_place(kind, event, target, budget, progress, seen=seen)


def _update_in_place(
    kind: Kind[T, S],
    event: Mapping[str, Any],
    target: T,
    budget: waiting.Budget,
    progress: Progress[S],
    *,
    seen: S,
) -> Outcome:
    different = kind.differences(seen, target.request)
    fixed = [key for key in different if key not in kind.updatable]
    if fixed:
        raise RequestError(
            f"Name: cannot change {kind.what} {target.name} in place ({', '.join(fixed)}); "
            "it has a custom name: rename it (or omit Name) to replace it"
        )
    if different and kind.apply_update is not None:
        logger.info("updating %s in place: %s", target.name, ", ".join(different))
        seen = kind.apply_update(seen, target, budget)
    added, removed = ownership.set_tags(
        seen.arn,
        target.tags,
        seen.tags,
        kind.words,
        clock=budget.clock,
        until=budget.call_until(),
        client=kind.client,
    )
    if added or removed:
        logger.info("tags of %s: set %s, removed %s", target.name, added, removed)
    progress.seen = seen
    signal = target.props.signal
    if completion.newly_requested(event, signal):
        # Another WaitCondition (a raw template changed its handle): signal that one too.
        progress.arn = seen.arn
        return _finish(kind, target, budget, progress)
    if seen.status == ACTIVE or not target.props.wait_for_completion or signal is not None:
        return Done(seen.arn, seen.data())
    if seen.status == CREATE_FAILED:
        raise kind.failed(target.name, seen)
    progress.arn = seen.arn
    return _await_active(kind, target, budget, progress, poll_first=False)


def _unchanged(kind: Kind[T, S], event: Mapping[str, Any], target: T) -> bool:
    try:
        old = kind.parse(event.get("OldResourceProperties"), event)
    except rules.RuleError:
        return False
    return (old.name, old.request) == (target.name, target.request)


class Request(Protocol):
    def __call__(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float
    ) -> Outcome: ...


def requests(kind: Kind[T, S]) -> tuple[Request, Request, Request]:
    """Create, Update and Delete of ``kind``'s resources."""

    def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        return handle(kind, event, remaining_s, partial(provision, kind), clock)

    def update_(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        return handle(kind, event, remaining_s, partial(update, kind, event), clock)

    def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
        # Wait until it is gone; in the background while it is still being created.
        return deletion.delete(kind.deleter(), event, clock=clock, remaining_s=remaining_s)

    return create, update_, delete
