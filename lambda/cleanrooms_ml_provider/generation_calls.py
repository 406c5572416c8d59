"""Clean Rooms ML calls for audience generation jobs, with errors turned into actionable reasons."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from . import clients, rules
from .clock import Clock
from .export_jobs import ConflictError, ServiceError, Size, SlotQuotaError, status_details

START_JOB: Final = "StartAudienceGenerationJob"
GET_JOB: Final = "GetAudienceGenerationJob"
LIST_JOBS: Final = "ListAudienceGenerationJobs"
DELETE_JOB: Final = "DeleteAudienceGenerationJob"
TAG: Final = "TagResource"
UNTAG: Final = "UntagResource"
IN_FLIGHT_JOBS_PER_ACCOUNT: Final = 10
PAGE_SIZE: Final = 100
# Tag keys with this prefix belong to AWS: never compared, added or removed.
AWS_TAG_PREFIX: Final = "aws:"


class NotFoundError(ServiceError):
    """The job does not exist (or no longer does)."""


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


def _reason(action: str, resource: str, error: ClientError) -> str:
    code = clients.error_code(error)
    message = str(error.response.get("Error", {}).get("Message", "")).strip()
    if code == "AccessDeniedException":
        return f"access denied: the provider role needs cleanrooms-ml:{action} on {resource}" + (
            f" ({message})" if message else ""
        )
    if code == "ResourceNotFoundException":
        what = "audience generation job" if ":audience-generation-job/" in resource else "resource"
        if ":configured-audience-model/" in resource:
            what = "configured audience model"
        return f"{what} not found: {resource} (check the ARN's account, region and id)"
    if code == "ServiceQuotaExceededException":
        name = str(error.response.get("quotaName") or "")
        return (
            f"service quota exceeded: {name or 'audience generation jobs'} (at most "
            f"{IN_FLIGHT_JOBS_PER_ACCOUNT} pending or in-progress audience generation jobs per "
            "account; it clears as running jobs finish)" + (f": {message}" if message else "")
        )
    if code == "ValidationException":
        return f"Clean Rooms ML rejected {action}: {message or code}"
    if code == "ConflictException":
        return f"conflict on {action}: {message or code}"
    return f"{action} failed: {code}: {message}" if message else f"{action} failed: {code}"


@contextmanager
def _mapped_errors(action: str, resource: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = clients.error_code(error)
        reason = _reason(action, resource, error)
        if code == "ConflictException":
            raise ConflictError(reason, code) from error
        if code == "ResourceNotFoundException":
            raise NotFoundError(reason, code) from error
        if code == "ServiceQuotaExceededException":
            # The only quota Start meets is the account's in-flight jobs: it clears by itself.
            name = str(error.response.get("quotaName") or "in-flight audience generation jobs")
            value = error.response.get("quotaValue")
            shown = f"{value:g}" if isinstance(value, int | float) else "?"
            raise SlotQuotaError(reason, code, f"{name} = {shown}") from error
        raise ServiceError(reason, code) from error
    except BotoCoreError as error:
        raise ServiceError(f"{action} failed: {error}") from error


def get_job(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> Job:
    """The job; :class:`NotFoundError` when it does not exist."""
    with _mapped_errors(GET_JOB, arn):
        response: Mapping[str, Any] = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).get_audience_generation_job(
                audienceGenerationJobArn=arn
            ),
            clock=clock,
            until=until,
            action=GET_JOB,
            attempts=attempts,
        )
    metrics = response.get("metrics") or {}
    sizes = tuple(
        Size(metric["audienceSize"]["type"], metric["audienceSize"]["value"])
        for metric in metrics.get("relevanceMetrics", [])
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
        offered_sizes=sizes,
        protected_query_identifier=str(response.get("protectedQueryIdentifier") or ""),
        tags={str(k): str(v) for k, v in (response.get("tags") or {}).items()},
        settings=settings,
    )


def find_job(
    model_arn: str, name: str, *, clock: Clock, until: float, attempts: int | None = None
) -> str | None:
    """The ARN of the job called ``name`` started on the model, if any (names are unique per
    account, and List is the only way from a name to an ARN)."""

    def look(timeout: float) -> str | None:
        paginator = clients.cleanroomsml(timeout).get_paginator("list_audience_generation_jobs")
        pages = paginator.paginate(
            configuredAudienceModelArn=model_arn, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        for page in pages:
            for summary in page["audienceGenerationJobs"]:
                if summary["name"] == name:
                    return summary["audienceGenerationJobArn"]
        return None

    with _mapped_errors(LIST_JOBS, model_arn):
        return clients.call(look, clock=clock, until=until, action=LIST_JOBS, attempts=attempts)


def start_job(request: Mapping[str, Any], *, clock: Clock, until: float) -> str:
    """Start the job; its ARN. A job of that name (perhaps committed by an attempt whose answer
    was lost) comes back as :class:`ConflictError`, for the caller to look up and adopt."""
    model_arn = str(request["configuredAudienceModelArn"])

    def start(timeout: float) -> str:
        answer = clients.cleanroomsml(timeout).start_audience_generation_job(**request)
        return answer["audienceGenerationJobArn"]

    with _mapped_errors(START_JOB, model_arn):
        return clients.call(start, clock=clock, until=until, action=START_JOB)


def delete_job(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> None:
    """Ask for the job's deletion (asynchronous). Conflict: it is still being created."""
    with _mapped_errors(DELETE_JOB, arn):
        clients.call(
            lambda timeout: clients.cleanroomsml(timeout).delete_audience_generation_job(
                audienceGenerationJobArn=arn
            ),
            clock=clock,
            until=until,
            action=DELETE_JOB,
            attempts=attempts,
        )


def set_tags(
    arn: str, wanted: Mapping[str, str], current: Mapping[str, str], *, clock: Clock, until: float
) -> tuple[list[str], list[str]]:
    """Make the job's own tags ``wanted`` in place; (keys set, keys removed). AWS's tags and
    the provider's ownership tag are left alone."""
    ours = {
        k: v
        for k, v in current.items()
        if not k.lower().startswith(AWS_TAG_PREFIX) and k != rules.OWNER_TAG_KEY
    }
    to_set = {k: v for k, v in wanted.items() if ours.get(k) != v}
    to_remove = sorted(k for k in ours if k not in wanted)
    if to_set:
        with _mapped_errors(TAG, arn):
            clients.call(
                lambda timeout: clients.cleanroomsml(timeout).tag_resource(
                    resourceArn=arn, tags=to_set
                ),
                clock=clock,
                until=until,
                action=TAG,
            )
    if to_remove:
        with _mapped_errors(UNTAG, arn):
            clients.call(
                lambda timeout: clients.cleanroomsml(timeout).untag_resource(
                    resourceArn=arn, tagKeys=to_remove
                ),
                clock=clock,
                until=until,
                action=UNTAG,
            )
    return sorted(to_set), to_remove
