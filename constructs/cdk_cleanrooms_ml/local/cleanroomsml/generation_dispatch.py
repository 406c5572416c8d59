"""Which generation-job operation does what: from model-checked parameters to the answer."""

from __future__ import annotations

from .faults import Faults
from .generation_jobs import GenerationJobService
from .models import DELETE_GENERATION_JOB, LIST_GENERATION_JOBS, START_GENERATION_JOB, TAG, UNTAG
from .pagination import page


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def dispatch_generation(
    jobs: GenerationJobService,
    faults: Faults,
    op: str,
    params: dict[str, object],
    page_size: int,
) -> dict[str, object]:
    """Answer a generation-job or tag operation (under the backend's lock)."""
    if op == START_GENERATION_JOB:
        return jobs.start(params, faults.take_generation_failure)
    if op == LIST_GENERATION_JOBS:
        model = _optional(params.get("configuredAudienceModelArn"))
        collaboration = _optional(params.get("collaborationId"))
        items = jobs.summaries(model, collaboration)
        return page(params, "audienceGenerationJobs", items, [model, collaboration], page_size)
    if op == DELETE_GENERATION_JOB:
        jobs.delete(str(params["audienceGenerationJobArn"]), faults.take_generation_delete_failure)
        return {}
    resource = str(params["resourceArn"])
    if op == TAG:
        tags = params["tags"]
        assert isinstance(tags, dict)  # the model check guarantees it
        jobs.tag(resource, tags)
        return {}
    if op == UNTAG:
        keys = params["tagKeys"]
        assert isinstance(keys, list)  # the model check guarantees it
        jobs.untag(resource, [str(key) for key in keys])
        return {}
    return jobs.tags(resource)
