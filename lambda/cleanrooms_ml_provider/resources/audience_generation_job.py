"""``Custom::CleanRoomsMlAudienceGenerationJob``: what each request means for a generation job.

Create and Update follow :mod:`engines.lifecycle` (adopt or start by name, wait until ACTIVE,
tags in place, a new name is a new job); Start has no client token, so the name is the
idempotency key. Delete: delete the job and wait until it is gone, in the background while it
is still being created (:mod:`engines.deletion`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import arns, continuation, waiting
from ..engines import ownership
from ..engines.kind import Kind
from ..fields import audience_generation_job as job_fields
from ..fields import seed_audience as seed_fields
from . import audience_generation_job_calls as jobs
from .audience_generation_job_calls import Job, JobTarget, is_job_arn
from .base import KindHandler, check_signal, stack_name


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


def _get(arn: str, budget: waiting.Budget, attempts: int | None) -> Job:
    return jobs.get_job(arn, clock=budget.clock, until=budget.call_until(), attempts=attempts)


def _find(target: JobTarget, budget: waiting.Budget, attempts: int | None) -> str | None:
    model = target.props.configured_audience_model_arn
    return jobs.find_job(
        model, target.name, clock=budget.clock, until=budget.call_until(), attempts=attempts
    )


def _start(target: JobTarget, budget: waiting.Budget) -> str:
    until = budget.call_until(by_deadline=True)
    return jobs.start_job(target.request, clock=budget.clock, until=until)


KIND: Final[Kind[JobTarget, Job]] = Kind(
    what="audience generation job",
    noun="job",
    phase=continuation.PHASE_JOB,
    start_action=jobs.START_JOB,
    slot="generation job",
    listed_where=" for the model",
    words=jobs.WORDS,
    is_id=is_job_arn,
    parse=parse,
    get=_get,
    find=_find,
    start=_start,
    differences=jobs.differences,
    ask_deletion=jobs.delete_job,
)
HANDLER: Final = KindHandler(KIND)
