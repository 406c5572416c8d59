"""What each CloudFormation request means for an audience export.

Create: check the generation job (waiting while it is still being created) and the size it
offers, adopt an existing export of the same name and settings (a retried invocation or a
re-deploy must not duplicate it), refuse one with other settings, else start one; then wait
until it is ACTIVE unless told not to.
Update: same (job, name) is the same resource: nothing to write, or CloudFormation's
custom-name rule when its settings changed. Another (job, name) is a new resource: create it,
and CloudFormation deletes the old one.
Delete: exports cannot be deleted (no such API), so there is nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from . import clients, completion, continuation, export_jobs, generation_calls, rules, waiting
from .clock import Clock
from .export_jobs import ExportJob, ServiceError, Size
from .outcomes import Continue, Done, Outcome, RequestError, continue_after
from .signal_url import signal_url_problem

__all__ = ["Continue", "Done", "Outcome", "RequestError", "create", "target_for", "update"]

ACTIVE: Final = "ACTIVE"
CREATE_FAILED: Final = "CREATE_FAILED"
CREATE_PENDING: Final = "CREATE_PENDING"
JOB_CREATING: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
# Status reported when a no-op update cannot read the export (see ``_unchanged``).
UNKNOWN: Final = "UNKNOWN"
# Conflicts on Start with no export of that name listed (the listing may lag) before failing.
MAX_UNLISTED_CONFLICTS: Final = 3
ADOPTED: Final = "ADOPTED"  # internal: the export exists and is ours

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """The export a request asks for."""

    props: rules.ExportProperties
    name: str
    size: Size
    physical_id: str

    @property
    def description(self) -> str:
        return self.props.description or ""

    def data(self, status: str, output_location: str | None = None) -> dict[str, str]:
        # Strings throughout, as CloudFormation hands every attribute to the template.
        data = {
            "Name": self.name,
            "AudienceGenerationJobArn": self.props.job_arn,
            "AudienceSizeType": self.size.type,
            "AudienceSizeValue": str(self.size.value),
            "Status": status,
            # Always present, empty until the export is ACTIVE: a template that reads it from an
            # export it does not wait for must not fail after the export was started.
            "OutputLocation": output_location or "",
        }
        return data


def stack_name(stack_id: str) -> str:
    """``arn:...:stack/<name>/<uuid>`` -> ``<name>``."""
    parts = stack_id.split("/")
    return parts[1] if len(parts) > 2 else stack_id


def target_for(properties: object, event: Mapping[str, Any]) -> Target:
    props = rules.parse_properties(properties)
    name = props.name or rules.default_name(
        seed=f"{stack_name(str(event.get('StackId', '')))}/{event.get('LogicalResourceId', '')}",
        job_arn=props.job_arn,
        size_type=props.size_type,
        size_value=props.size_value,
        description=props.description,
    )
    target = Target(
        props=props,
        name=name,
        size=Size(props.size_type, props.size_value),
        physical_id=rules.physical_id(props.job_arn, name),
    )
    if props.signal is not None:
        # Only a handle of this very stack: anything else would be an SSRF.
        problem = signal_url_problem(props.signal.url, str(event.get("StackId", "")))
        if problem is not None:
            raise rules.RuleError(rules.KEY_SIGNAL_URL, problem)
    return target


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle a Create request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, _provision)


def update(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle an Update request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, lambda target, budget: _update(event, target, budget))


def _handle(
    event: Mapping[str, Any],
    clock: Clock,
    remaining_s: float,
    fresh: Callable[[Target, waiting.Budget], Outcome],
) -> Outcome:
    """Run ``fresh`` for a new request, or resume a handed-over one where it stopped."""
    target = target_for(event.get("ResourceProperties"), event)
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=target.props.timeout_seconds, remaining_s=remaining_s
        )
    except ValueError as error:
        raise RequestError(f"invalid continuation: {error}") from error
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
        export = export_jobs.find_export(
            target.props.job_arn, target.name, clock=budget.clock, until=budget.call_until()
        )
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
    if not _matches(export, target):
        raise RequestError(
            f"Name: cannot change export {target.name} in place ({_difference(export, target)}); "
            "it has a custom name: rename it (or omit Name) to replace it"
        )
    return _finish(
        target,
        budget,
        export,
        started=False,
        signal_needed=completion.newly_requested(event, target.props.signal),
    )


def _unchanged(event: Mapping[str, Any], target: Target) -> bool:
    try:
        old = target_for(event.get("OldResourceProperties"), event)
    except rules.RuleError:
        return False
    return (old.physical_id, old.size, old.description) == (
        target.physical_id,
        target.size,
        target.description,
    )


def _await_job(target: Target, budget: waiting.Budget) -> generation_calls.Job:
    """The generation job once it is no longer being created (waiting while it is)."""
    job_arn = target.props.job_arn
    job: generation_calls.Job | None = None

    def poll_job() -> tuple[bool, str]:
        nonlocal job
        # One attempt per look: a throttled one is retried by the wait's own back-off.
        job = generation_calls.get_job(
            job_arn, clock=budget.clock, until=budget.call_until(), attempts=1
        )
        if job.status in JOB_CREATING:
            logger.info("waiting for audience generation job %s to be ACTIVE", job_arn)
            return False, job.status
        return True, job.status

    waiting.wait_until(
        budget,
        poll_job,
        phase=continuation.PHASE_GENERATION,
        last_status="not read yet",
        poll_first=True,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for the audience generation job of export "
            f"{target.name} (last status {status}); no export was started"
        ),
    )
    if job is None:  # unreachable: wait_until returns only after a poll set it
        raise RequestError(f"AudienceGenerationJobArn: could not read the job ({job_arn})")
    return job


def _provision(target: Target, budget: waiting.Budget) -> Outcome:
    job_arn = target.props.job_arn
    job = _await_job(target, budget)
    if job.status != ACTIVE:
        status = export_jobs.describe_status(job.status, job.status_code, job.status_message)
        raise RequestError(
            f"AudienceGenerationJobArn: the job is {status}; an export needs an ACTIVE job "
            f"({job_arn})"
        )
    if job.offered_sizes and target.size not in job.offered_sizes:
        raise RequestError(
            f"AudienceSize: {target.size} is not offered by the audience generation job; "
            f"choose one of {_sizes(job.offered_sizes)} ({job_arn})"
        )
    return _start_or_adopt(target, budget)


def _start_or_adopt(target: Target, budget: waiting.Budget) -> Outcome:
    """Adopt the export if it exists (a retried or duplicated request), else start it.

    Start has no client token, so idempotency rests on the name: a ConflictException means the
    export exists (perhaps committed by an attempt whose answer was lost) and is looked up again.
    The account's in-flight quota and throttling are waited out until the deadline; Start is
    never sent after it (the export would run on with nobody waiting for it).
    """
    job_arn = target.props.job_arn
    adopted: ExportJob | None = None
    look_first = True
    conflicts = 0
    status = "not started"

    def adopt(export: ExportJob) -> str:
        nonlocal adopted
        if not _matches(export, target):
            raise RequestError(
                f"Name: export {target.name} already exists under this job with "
                f"{_difference(export, target)}; choose another name (or omit Name)"
            )
        logger.info("adopting existing export %s (%s)", target.name, export.status)
        adopted = export
        return ADOPTED

    def find(attempts: int | None = None) -> ExportJob | None:
        return export_jobs.find_export(
            job_arn, target.name, clock=budget.clock, until=budget.call_until(), attempts=attempts
        )

    def start() -> str:
        nonlocal conflicts
        try:
            export_jobs.start_export(
                job_arn,
                target.name,
                target.size,
                target.props.description,
                clock=budget.clock,
                until=budget.call_until(by_deadline=True),
            )
        except export_jobs.ConflictError as conflict:
            existing = find()
            if existing is not None:
                return adopt(existing)
            conflicts += 1
            if conflicts >= MAX_UNLISTED_CONFLICTS:
                raise RequestError(
                    f"Name: StartAudienceExportJob reports a conflict for export {target.name} "
                    f"({conflict}), but no export of that name is listed under the job"
                ) from conflict
            return "CONFLICT (not listed yet)"
        except export_jobs.SlotQuotaError as quota:
            logger.info("waiting for a free export slot: %s", quota)
            return f"waiting for a free export slot (quota {quota.label})"
        except clients.Unavailable as unavailable:
            # Start may have been committed: the next attempt's Conflict tells.
            return waiting.unknown_status(unavailable)
        logger.info("started export %s", target.name)
        return CREATE_PENDING

    def attempt() -> tuple[bool, str]:
        nonlocal look_first, status
        if look_first:
            # One attempt: a throttled lookup is retried by the wait's own back-off.
            existing = find(attempts=1)
            look_first = False
            if existing is not None:
                status = adopt(existing)
                return True, status
        if budget.clock.now() >= budget.deadline:
            return False, status  # no Start after the deadline; the reason keeps the last cause
        status = start()
        return status in (CREATE_PENDING, ADOPTED), status

    waiting.wait_until(
        budget,
        attempt,
        phase=continuation.PHASE_GENERATION,
        last_status=status,
        poll_first=True,
        timeout_reason=lambda elapsed, last: (
            f"timed out after {elapsed} s starting export {target.name} (last status {last}); "
            + (
                "it may have been started in Clean Rooms ML"
                if export_jobs.START_EXPORT in last or "CONFLICT" in last
                else "no export was started"
            )
        ),
    )
    return _finish(target, budget, adopted, started=adopted is None)


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
        raise _export_failed(target, seen)
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
    last = seen

    def poll_export() -> tuple[bool, str]:
        nonlocal last
        # One attempt per poll: a throttled one is retried by the wait's own back-off.
        current = export_jobs.find_export(
            target.props.job_arn,
            target.name,
            clock=budget.clock,
            until=budget.call_until(),
            attempts=1,
        )
        if current is None:  # just started: not listed yet
            return False, CREATE_PENDING
        last = current
        if current.status == CREATE_FAILED:
            raise _export_failed(target, current)
        return current.status == ACTIVE, current.status

    waiting.wait_until(
        budget,
        poll_export,
        phase=continuation.PHASE_EXPORT,
        last_status=seen.status if seen else CREATE_PENDING,
        poll_first=poll_first,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for export {target.name} "
            f"(last status {status}); it keeps running in Clean Rooms ML"
        ),
    )
    if last is None:  # unreachable: wait_until returns only once poll_export saw ACTIVE
        raise RequestError(f"export {target.name} is not listed under its job")
    return Done(target.physical_id, target.data(last.status, last.output_location))


def _export_failed(target: Target, export: ExportJob) -> RequestError:
    status = export_jobs.describe_status(export.status, export.status_code, export.status_message)
    return RequestError(f"export {target.name} failed: {status}")


def _matches(export: ExportJob, target: Target) -> bool:
    return export.size == target.size and export.description == target.description


def _difference(export: ExportJob, target: Target) -> str:
    parts = []
    if export.size != target.size:
        parts.append(f"size {export.size}, not {target.size}")
    if export.description != target.description:
        parts.append("a different description")
    return " and ".join(parts)


def _sizes(sizes: tuple[Size, ...]) -> str:
    by_type: dict[str, list[int]] = {}
    for size in sizes:
        by_type.setdefault(size.type, []).append(size.value)
    return "; ".join(
        f"{size_type} {', '.join(str(v) for v in sorted(set(values)))}"
        for size_type, values in sorted(by_type.items())
    )
