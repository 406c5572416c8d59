"""``Custom::CleanRoomsMlAudienceExport``: what each CloudFormation request means for an export.

Create: check the generation job (waiting while it is still being created) and the size it
offers, adopt an existing export of the same name and settings (a retried invocation or a
re-deploy must not duplicate it), refuse one with other settings, else start one; then wait
until it is ACTIVE unless told not to.
Update: same (job, name) is the same resource: nothing to write, or CloudFormation's
custom-name rule when its settings changed. Another (job, name) is a new resource: create it,
and CloudFormation deletes the old one.
Delete: exports cannot be deleted (no such API): only a pending poll of its WaitCondition is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from .. import clients, completion, continuation, rules, waiting
from .. import names as naming
from ..clock import Clock
from ..engines import deletion
from ..engines.start_or_adopt import begin, start_or_adopt
from ..engines.wait_for_status import wait_for_status
from ..fields import audience_export as export_fields
from ..outcomes import Done, Outcome, continue_after
from ..service_errors import RequestError, ServiceError
from ..statuses import ACTIVE, CREATE_FAILED, CREATE_PENDING, UNKNOWN, Size
from ..statuses import describe_status as describe
from . import audience_export_calls as exports
from .audience_export_calls import ExportJob, Target
from .base import (
    Completion,
    check_signal,
    hand_over_follow_up,
    leaves_nothing,
    signal_polls,
    stack_name,
)

RESOURCE_TYPE: Final = export_fields.EXPORT_RESOURCE_TYPE
ADOPTED: Final = "ADOPTED"  # internal: the export exists and is ours

logger = logging.getLogger(__name__)


def parse(properties: object, event: Mapping[str, Any]) -> Target:
    """The export the properties ask for (``rules.RuleError`` when they are not valid)."""
    props = export_fields.parse_properties(properties)
    name = props.name or naming.default_name(
        seed=f"{stack_name(str(event.get('StackId', '')))}/{event.get('LogicalResourceId', '')}",
        job_arn=props.job_arn,
        size_type=props.size_type,
        size_value=props.size_value,
        description=props.description,
    )
    check_signal(props.signal, str(event.get("StackId", "")))
    physical = naming.physical_id(props.job_arn, name)
    return Target(props, name, Size(props.size_type, props.size_value), physical)


def physical_id(event: Mapping[str, Any]) -> str:
    """The export's (job ARN, name)."""
    return parse(event.get("ResourceProperties"), event).physical_id


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle a Create request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, _provision)


def update(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle an Update request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, partial(_update, event))


def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """StartAudienceExportJob has no delete counterpart: the export stays in Clean Rooms ML.
    Only a pending poll of its WaitCondition is deleted; Delete succeeds whatever happens, for
    any physical id, including crhelper's id after a failed Create."""
    physical_id = event.get("PhysicalResourceId")
    if isinstance(physical_id, str) and physical_id:
        budget = waiting.Budget.begin(
            clock,
            started=None,
            deadline=None,
            timeout_s=rules.TIMEOUT_MAX_SECONDS,
            remaining_s=remaining_s,
        )
        deletion.forget_pending_polls(event, physical_id, budget)
    logger.info("delete: nothing else to do for %s", physical_id)
    return Done(str(physical_id or ""), {})


def completion_check(event: Mapping[str, Any]) -> Completion:
    """The export's id is its (job, name): the check needs no physical id."""
    export = parse(event.get("ResourceProperties"), event)
    check = exports.check(export)
    return Completion(export.props.signal, lambda _: check)


# A failed Start leaves no export behind to delete.
poll = signal_polls(completion_check)
start_follow_up = hand_over_follow_up
answers_under = leaves_nothing


def _handle(
    event: Mapping[str, Any],
    clock: Clock,
    remaining_s: float,
    fresh: Callable[[Target, waiting.Budget], Outcome],
) -> Outcome:
    """Run ``fresh`` for a new request, or resume a handed-over one where it stopped."""
    target = parse(event.get("ResourceProperties"), event)
    state, budget = begin(
        event, clock=clock, timeout_s=target.props.timeout_seconds, remaining_s=remaining_s
    )
    try:
        return _resume(target, state, budget) if state is not None else fresh(target, budget)
    except waiting.HandOver as handover:
        return continue_after(
            handover, budget, state, target.physical_id, target.data(handover.last_status)
        )


def _resume(target: Target, state: continuation.State, budget: waiting.Budget) -> Outcome:
    if state.physical_id != target.physical_id:
        raise RequestError("invalid continuation: its physical id does not match the properties")
    logger.info("continuing %s wait (invocation %d)", state.phase, state.invocation)
    if state.phase == continuation.PHASE_GENERATION:
        return _provision(target, budget)
    return _await_export(target, budget, seen=None, poll_first=True)


def _update(event: Mapping[str, Any], target: Target, budget: waiting.Budget) -> Outcome:
    if target.physical_id != event.get("PhysicalResourceId"):
        logger.info("new job or name: creating %s, CloudFormation deletes the old one", target.name)
        return _provision(target, budget)
    try:
        export = target.find(budget)
    except (ServiceError, clients.Unavailable) as error:
        if _unchanged(event, target):
            # A no-op update (or the rollback to these properties) must not fail, or the stack
            # could end UPDATE_ROLLBACK_FAILED; the export itself has not changed.
            logger.warning(
                "cannot read export %s; nothing changed, answering as is",
                target.name,
                exc_info=True,
            )
            return Done(target.physical_id, target.data(UNKNOWN))
        if isinstance(error, clients.Unavailable):
            # Whether it exists is unknown: provisioning looks again, and adopts or starts it.
            return _provision(target, budget)
        raise
    if export is None:
        logger.info("export %s is not listed under its job: starting it", target.name)
        return _provision(target, budget)
    if not exports.matches(export, target):
        difference = exports.difference(export, target)
        raise RequestError(
            f"Name: cannot change export {target.name} in place ({difference}); "
            "it has a custom name: rename it (or omit Name) to replace it"
        )
    signal_needed = completion.newly_requested(event, target.props.signal)
    return _finish(target, budget, export, started=False, signal_needed=signal_needed)


def _unchanged(event: Mapping[str, Any], target: Target) -> bool:
    try:
        old = parse(event.get("OldResourceProperties"), event)
    except rules.RuleError:
        return False
    return (old.physical_id, old.size, old.description) == (
        target.physical_id,
        target.size,
        target.description,
    )


def _provision(target: Target, budget: waiting.Budget) -> Outcome:
    job_arn = target.props.job_arn
    job = exports.await_job(target, budget)
    if job.status != ACTIVE:
        status = describe(job.status, job.status_code, job.status_message)
        raise RequestError(
            f"AudienceGenerationJobArn: the job is {status}; an export needs an ACTIVE job "
            f"({job_arn})"
        )
    if job.offered_sizes and target.size not in job.offered_sizes:
        raise RequestError(
            f"AudienceSize (audience_size): {target.size} is not offered by the audience "
            "generation job; "
            f"choose one of {sizes_offered(job.offered_sizes)} ({job_arn})"
        )
    adopted: list[ExportJob] = []

    def adopt(export: ExportJob) -> str:
        if not exports.matches(export, target):
            raise RequestError(
                f"Name: export {target.name} already exists under this job with "
                f"{exports.difference(export, target)}; choose another name (or omit Name)"
            )
        logger.info("adopting existing export %s (%s)", target.name, export.status)
        adopted.append(export)
        return ADOPTED

    start_or_adopt(budget, exports.start_calls(target, budget, adopt))
    seen = adopted[-1] if adopted else None
    return _finish(target, budget, seen, started=seen is None)


def _finish(
    target: Target,
    budget: waiting.Budget,
    seen: ExportJob | None,
    *,
    started: bool,
    signal_needed: bool = True,
) -> Outcome:
    """After Start (``started``) or adopt: answer now, or wait for the end."""
    if seen is not None and seen.status == CREATE_FAILED:
        raise exports.export_failed(target, seen)
    if target.props.signal is not None:
        # A long wait: answer now; the poller signals the WaitCondition once the export is
        # done. ``started`` is False for an update that keeps its export: signalled already.
        status = seen.status if seen is not None else CREATE_PENDING
        data = target.data(status, seen.output_location if seen is not None else None)
        if not signal_needed:
            return Done(target.physical_id, data)
        poller = completion.follow_up(
            target.props.signal, target.physical_id, clock=budget.clock, until=budget.hard_end
        )
        return Done(target.physical_id, data, follow_up=poller)
    if seen is not None:
        if seen.status == ACTIVE or not target.props.wait_for_completion:
            return Done(target.physical_id, target.data(seen.status, seen.output_location))
    elif started and not target.props.wait_for_completion:
        # Start succeeded: the service has the job, pending.
        return Done(target.physical_id, target.data(CREATE_PENDING))
    return _await_export(target, budget, seen=seen, poll_first=False)


def _await_export(
    target: Target, budget: waiting.Budget, *, seen: ExportJob | None, poll_first: bool
) -> Outcome:
    def active(export: ExportJob) -> bool:
        if export.status == CREATE_FAILED:
            raise exports.export_failed(target, export)
        return export.status == ACTIVE

    last = wait_for_status(
        budget,
        # One attempt per poll: a throttled one is retried by the wait's own back-off.
        partial(target.find, budget, 1),
        status=lambda export: export.status,
        done=active,
        phase=continuation.PHASE_EXPORT,
        seen=seen,
        unseen_status=CREATE_PENDING,  # just started: not listed yet
        poll_first=poll_first,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for export {target.name} "
            f"(last status {status}); it keeps running in Clean Rooms ML"
        ),
        missing=f"export {target.name} is not listed under its job",
    )
    return Done(target.physical_id, target.data(last.status, last.output_location))


def sizes_offered(sizes: tuple[Size, ...]) -> str:
    by_type: dict[str, list[int]] = {}
    for size in sizes:
        by_type.setdefault(size.type, []).append(size.value)
    return "; ".join(
        f"{size_type} {', '.join(str(v) for v in sorted(set(values)))}"
        for size_type, values in sorted(by_type.items())
    )
