"""``Custom::CleanRoomsMlAudienceGenerationJob``: what each request means for a generation job.

Create: adopt a job of the same name and settings (a retried invocation, or a Start whose answer
was lost: Start has no client token, so the name is the idempotency key), refuse one with other
settings, else start one; then wait until it is ACTIVE unless told not to. Once the job exists,
a FAILED answer carries its ARN, so CloudFormation's rollback Delete deletes it.
Update: same name and settings is the same job: tags are set in place. Another name is a new
job (a derived name changes with any setting that cannot change in place), and CloudFormation
deletes the old one; other settings under the same custom name cannot be applied.
Delete: delete the job and wait until it is gone, in the background while it is still being
created (:mod:`engines.deletion`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from .. import arns, clients, completion, continuation, rules, waiting
from ..clock import Clock
from ..engines import deletion, ownership
from ..engines.start_or_adopt import Calls, Progress, run, start_or_adopt
from ..engines.wait_for_status import wait_for_status
from ..fields import audience_generation_job as job_fields
from ..fields import seed_audience as seed_fields
from ..outcomes import Continue, Done, Outcome
from ..service_errors import ConflictError, NotFoundError, RequestError, ServiceError
from ..statuses import ACTIVE, CREATE_FAILED, CREATE_PENDING, DELETE_FAILED, DELETING, UNKNOWN
from . import audience_generation_job_calls as jobs
from .audience_generation_job_calls import DELETER, Job, JobTarget, is_job_arn
from .base import Completion, begin, check_signal, hand_over_follow_up, signal_poll, stack_name

logger = logging.getLogger(__name__)

Step = Callable[[JobTarget, waiting.Budget, Progress[Job]], Outcome]


def parse(properties: object, event: Mapping[str, Any]) -> JobTarget:
    """The job the properties ask for (``rules.RuleError`` when they are not valid)."""
    props = job_fields.parse_properties(properties)
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    target = JobTarget(
        props,
        props.job_name(f"{stack_name(stack_id)}/{logical_id}"),
        ownership.owner(stack_id, logical_id),
    )
    arns.check_role_partition(
        props.role_arn,
        arns.arn_partition(stack_id),
        f"{job_fields.KEY_SEED}.{seed_fields.KEY_ROLE_ARN}",
        of="the stack",
    )
    check_signal(props.signal, stack_id)
    return target


def physical_id(event: Mapping[str, Any]) -> str:
    """The job's ARN once it exists; ``job:<name>`` before."""
    old = event.get("PhysicalResourceId")
    if is_job_arn(old):
        return str(old)
    return f"job:{parse(event.get('ResourceProperties'), event).name}"


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle a Create request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, _provision)


def update(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle an Update request, or continue one that was handed over."""
    return _handle(event, clock, remaining_s, partial(_update, event))


def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Delete the job and wait until it is gone, in the background if it is being created."""
    return deletion.delete(DELETER, event, clock=clock, remaining_s=remaining_s)


def completion_check(event: Mapping[str, Any]) -> Completion:
    """The poller looks the job up by its ARN (the physical id)."""
    job = parse(event.get("ResourceProperties"), event)
    return Completion(job.props.signal, lambda arn: jobs.check(job.name, arn))


def poll(event: Mapping[str, Any], *, clock: Clock, remaining_s: float, function_arn: str) -> None:
    """One poll after the answer: of the job's background deletion, or of its WaitCondition."""
    if completion.phase_of(event) == continuation.PHASE_BACKGROUND_DELETE:
        deletion.delete_in_background(
            DELETER, event, clock=clock, remaining_s=remaining_s, function_arn=function_arn
        )
        return
    signal_poll(completion_check, event, clock, remaining_s=remaining_s, function_arn=function_arn)


def start_follow_up(
    event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
) -> None:
    """The first poll of a background deletion (marked first) or of the WaitCondition."""
    if follow_up.state.phase == continuation.PHASE_BACKGROUND_DELETE:
        deletion.start_background(
            event, function_arn, follow_up.state, clock=clock, until=follow_up.until
        )
        return
    hand_over_follow_up(event, function_arn, follow_up, clock=clock)


def answers_under(physical_id: str) -> bool:
    """A started job must be answered under its ARN, or the rollback would orphan it."""
    return is_job_arn(physical_id)


def _handle(event: Mapping[str, Any], clock: Clock, remaining_s: float, step: Step) -> Outcome:
    target = parse(event.get("ResourceProperties"), event)
    state, budget = begin(
        event, clock=clock, timeout_s=target.props.timeout_seconds, remaining_s=remaining_s
    )
    if state is not None:
        # Every step is idempotent by the job's name: a follow-up simply runs it again.
        logger.info("continuing %s wait (invocation %d)", state.phase, state.invocation)

    def go(progress: Progress[Job]) -> Outcome:
        return step(target, budget, progress)

    return run(event, budget, state, go, unnamed_id=f"job:{target.name}", discard=jobs.discard)


def _provision(target: JobTarget, budget: waiting.Budget, progress: Progress[Job]) -> Outcome:
    """Adopt the job if it exists (a retried or duplicated request), else start it."""
    model = target.props.configured_audience_model_arn

    def find(attempts: int | None) -> str | None:
        return jobs.find_job(
            model, target.name, clock=budget.clock, until=budget.call_until(), attempts=attempts
        )

    def start() -> None:
        until = budget.call_until(by_deadline=True)
        arn = jobs.start_job(target.request, clock=budget.clock, until=until)
        logger.info("started audience generation job %s: %s", target.name, arn)
        progress.arn, progress.started = arn, True

    def unlisted(conflict: ConflictError) -> str:
        return (
            f"Name: StartAudienceGenerationJob reports a conflict for {target.name} "
            f"({conflict}), but no job of that name is listed for the model"
        )

    calls = Calls(
        find=find,
        adopt=lambda arn: _adopt(target, budget, progress, arn),
        start=start,
        phase=continuation.PHASE_JOB,
        what=f"audience generation job {target.name}",
        start_action=jobs.START_JOB,
        slot="generation job",
        nothing_started="no job was started",
        unlisted=unlisted,
    )
    start_or_adopt(budget, calls)
    return _finish(target, budget, progress)


def _adopt(target: JobTarget, budget: waiting.Budget, progress: Progress[Job], arn: str) -> str:
    job = jobs.get_job(arn, clock=budget.clock, until=budget.call_until())
    different = jobs.differences(job, target.request)
    ownership.check_adoptable(
        "audience generation job",
        target.name,
        different,
        tags=job.tags,
        owner=target.owner,
        status=job.status,
    )
    progress.arn, progress.seen = arn, job
    return job.status


def _finish(target: JobTarget, budget: waiting.Budget, progress: Progress[Job]) -> Outcome:
    arn, job, signal = progress.arn, progress.seen, target.props.signal
    if arn is None:  # unreachable: _provision returns only once a job is started or adopted
        raise RequestError(f"audience generation job {target.name} was not started")
    if job is not None and job.status == CREATE_FAILED:
        raise jobs.failed(target.name, job)
    if signal is not None:
        # A long wait: answer now; the poller signals the WaitCondition once the job is done.
        data = job.data() if job is not None else target.pending_data(arn, CREATE_PENDING)
        poller = completion.follow_up(signal, arn, clock=budget.clock, until=budget.hard_end)
        return Done(arn, data, follow_up=poller)
    if job is not None and (job.status == ACTIVE or not target.props.wait_for_completion):
        return Done(arn, job.data())
    if job is None and not target.props.wait_for_completion:
        return Done(arn, target.pending_data(arn, CREATE_PENDING))
    return _await_active(target, budget, progress, poll_first=job is None)


def _await_active(
    target: JobTarget, budget: waiting.Budget, progress: Progress[Job], *, poll_first: bool
) -> Outcome:
    arn = progress.arn or ""

    def active(job: Job) -> bool:
        progress.seen = job
        if job.status == CREATE_FAILED:
            raise jobs.failed(target.name, job)
        if job.status in (*DELETING, DELETE_FAILED):
            raise RequestError(
                f"audience generation job {target.name} is {job.status}: it was deleted while "
                "being created"
            )
        return job.status == ACTIVE

    job = wait_for_status(
        budget,
        lambda: jobs.get_job(arn, clock=budget.clock, until=budget.call_until(), attempts=1),
        status=lambda seen: seen.status,
        done=active,
        phase=continuation.PHASE_JOB,
        seen=progress.seen,
        unseen_status=CREATE_PENDING,
        poll_first=poll_first,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for audience generation job {target.name} "
            f"(last status {status})"
        ),
        missing=f"audience generation job {target.name} was not read",
    )
    return Done(arn, job.data())


def _update(
    event: Mapping[str, Any], target: JobTarget, budget: waiting.Budget, progress: Progress[Job]
) -> Outcome:
    old_arn = event.get("PhysicalResourceId")
    if not is_job_arn(old_arn):
        logger.info("no job behind %s: starting %s", old_arn, target.name)
        return _provision(target, budget, progress)
    arn = str(old_arn)
    try:
        job = jobs.get_job(arn, clock=budget.clock, until=budget.call_until())
    except NotFoundError:
        logger.info("job %s is gone: starting %s", arn, target.name)
        return _provision(target, budget, progress)
    except (ServiceError, clients.Unavailable):
        if _unchanged(event, target):
            # A no-op update (or the rollback to these properties) must not fail, or the stack
            # could end UPDATE_ROLLBACK_FAILED; the job itself has not changed.
            logger.warning(
                "cannot read job %s; nothing changed, answering as is", arn, exc_info=True
            )
            return Done(arn, target.pending_data(arn, UNKNOWN))
        raise
    if job.name != target.name:
        logger.info("new name %s: starting it, CloudFormation deletes %s", target.name, job.name)
        return _provision(target, budget, progress)
    return _update_in_place(event, target, budget, progress, job)


def _update_in_place(
    event: Mapping[str, Any],
    target: JobTarget,
    budget: waiting.Budget,
    progress: Progress[Job],
    job: Job,
) -> Outcome:
    different = jobs.differences(job, target.request)
    if different:
        raise RequestError(
            f"Name: cannot change audience generation job {target.name} in place "
            f"({', '.join(different)}); it has a custom name: rename it (or omit Name) to "
            "replace it"
        )
    added, removed = ownership.set_tags(
        job.arn, target.tags, job.tags, jobs.WORDS, clock=budget.clock, until=budget.call_until()
    )
    if added or removed:
        logger.info("tags of %s: set %s, removed %s", target.name, added, removed)
    progress.seen = job
    signal = target.props.signal
    if completion.newly_requested(event, signal):
        # Another WaitCondition (a raw template changed its handle): signal that one too.
        progress.arn = job.arn
        return _finish(target, budget, progress)
    if job.status == ACTIVE or not target.props.wait_for_completion or signal is not None:
        return Done(job.arn, job.data())
    if job.status == CREATE_FAILED:
        raise jobs.failed(target.name, job)
    progress.arn = job.arn
    return _await_active(target, budget, progress, poll_first=False)


def _unchanged(event: Mapping[str, Any], target: JobTarget) -> bool:
    try:
        old = parse(event.get("OldResourceProperties"), event)
    except rules.RuleError:
        return False
    return (old.name, old.request) == (target.name, target.request)
