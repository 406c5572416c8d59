"""Audience generation jobs as Clean Rooms ML shows them: the calls (errors turned into
actionable reasons), the job a request asks for, and what a job's settings differ in."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import arns, clients, rules
from ..clock import Clock
from ..engines.kind import OwnedTarget
from ..engines.ownership import covers, template_key
from ..fields import audience_generation_job as job_fields
from ..fields import common as common_fields
from ..listing import arn_named
from ..service_errors import Words, mapped_errors
from ..statuses import Size, offered_sizes, status_details

START_JOB: Final = "StartAudienceGenerationJob"
GET_JOB: Final = "GetAudienceGenerationJob"
LIST_JOBS: Final = "ListAudienceGenerationJobs"
DELETE_JOB: Final = "DeleteAudienceGenerationJob"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """What GetAudienceGenerationJob says of a job."""

    arn: str
    name: str
    status: str
    status_code: str
    status_message: str
    offered_sizes: tuple[Size, ...]
    protected_query_identifier: str
    tags: dict[str, str]
    settings: dict[str, Any]  # the fields StartAudienceGenerationJob set, as the service shows them

    def data(self) -> dict[str, str]:
        """The resource's attributes (strings, as CloudFormation hands them to the template)."""
        return {
            "AudienceGenerationJobArn": self.arn,
            "Name": self.name,
            "Status": self.status,
            "OfferedSizes": offered(self.offered_sizes),
            "ProtectedQueryIdentifier": self.protected_query_identifier,
        }


def offered(sizes: tuple[Size, ...]) -> str:
    """``ABSOLUTE:10000,PERCENTAGE:20``: sorted, each once; empty when no metrics are shared."""
    return ",".join(f"{t}:{v}" for t, v in sorted({(s.type, s.value) for s in sizes}))


def _not_found(resource: str) -> str:
    what = "audience generation job" if ":audience-generation-job/" in resource else "resource"
    if ":configured-audience-model/" in resource:
        what = "configured audience model"
    return f"{what} not found: {resource} (check the ARN's account, region and id)"


WORDS: Final = Words(not_found=_not_found)


def get_job(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> Job:
    """The job; :class:`NotFoundError` when it does not exist."""
    with mapped_errors(GET_JOB, arn, WORDS):
        response: Mapping[str, Any] = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).get_audience_generation_job(
                audienceGenerationJobArn=arn
            ),
            clock=clock,
            until=until,
            action=GET_JOB,
            attempts=attempts,
        )
    code, message = status_details(response)
    settings = {
        key: response[key]
        for key in (
            "configuredAudienceModelArn",
            "seedAudience",
            "includeSeedInOutput",
            "collaborationId",
            "description",
        )
        if key in response
    }
    return Job(
        arn=arn,
        name=str(response.get("name") or ""),
        status=str(response["status"]),
        status_code=code,
        status_message=message,
        offered_sizes=offered_sizes(response),
        protected_query_identifier=str(response.get("protectedQueryIdentifier") or ""),
        tags={str(k): str(v) for k, v in (response.get("tags") or {}).items()},
        settings=settings,
    )


def find_job(
    model_arn: str, name: str, *, clock: Clock, until: float, attempts: int | None = None
) -> str | None:
    """The ARN of the job called ``name`` started on the model, if any."""
    return arn_named(
        LIST_JOBS,
        "list_audience_generation_jobs",
        "audienceGenerationJobs",
        "audienceGenerationJobArn",
        name,
        words=WORDS,
        resource=model_arn,
        clock=clock,
        until=until,
        attempts=attempts,
        configuredAudienceModelArn=model_arn,
    )


def start_job(request: Mapping[str, Any], *, clock: Clock, until: float) -> str:
    """Start the job; its ARN. A job of that name (perhaps committed by an attempt whose answer
    was lost) comes back as :class:`ConflictError`, for the caller to look up and adopt."""
    model_arn = str(request["configuredAudienceModelArn"])

    def start(timeout: float) -> str:
        answer = clients.cleanroomsml(timeout).start_audience_generation_job(**request)
        return answer["audienceGenerationJobArn"]

    with mapped_errors(START_JOB, model_arn, WORDS):
        return clients.call(start, clock=clock, until=until, action=START_JOB)


def delete_job(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> None:
    """Ask for the job's deletion (asynchronous). Conflict: it is still being created."""
    with mapped_errors(DELETE_JOB, arn, WORDS):
        clients.call(
            lambda timeout: clients.cleanroomsml(timeout).delete_audience_generation_job(
                audienceGenerationJobArn=arn
            ),
            clock=clock,
            until=until,
            action=DELETE_JOB,
            attempts=attempts,
        )


def differences(job: Job, wanted: Mapping[str, Any]) -> list[str]:
    """The settings (as the template names them) in which ``job`` differs from the Start
    request ``wanted``.

    Only what the service shows is compared: it may leave out sensitive or defaulted fields.
    """
    seen = job.settings
    found = []
    if seen.get("configuredAudienceModelArn") != wanted["configuredAudienceModelArn"]:
        found.append(job_fields.KEY_MODEL_ARN)
    seed_wanted: Mapping[str, Any] = wanted["seedAudience"]
    seed_seen = seen.get("seedAudience")
    if isinstance(seed_seen, Mapping):
        if ("dataSource" in seed_seen) != ("dataSource" in seed_wanted):
            found.append(f"{job_fields.KEY_SEED} source")
        found += [
            f"{job_fields.KEY_SEED}.{template_key(key)}"
            for key, value in seed_wanted.items()
            if key in seed_seen and not covers(seed_seen[key], value)
        ]
    if bool(seen.get("includeSeedInOutput") or False) != wanted["includeSeedInOutput"]:
        found.append(job_fields.KEY_INCLUDE_SEED)
    if "collaborationId" in wanted and seen.get("collaborationId") != wanted["collaborationId"]:
        found.append(job_fields.KEY_COLLABORATION_ID)
    if (seen.get("description") or "") != (wanted.get("description") or ""):
        found.append(common_fields.KEY_DESCRIPTION)
    return found


class JobTarget(OwnedTarget[job_fields.GenerationJobProperties]):
    """The job a request asks for."""

    def pending_data(self, arn: str, status: str) -> dict[str, str]:
        return {
            "AudienceGenerationJobArn": arn,
            "Name": self.name,
            "Status": status,
            "OfferedSizes": "",
            "ProtectedQueryIdentifier": "",
        }


def is_job_arn(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        arns.check_job_arn(value, "PhysicalResourceId")
    except rules.RuleError:
        return False
    return True
