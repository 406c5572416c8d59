"""Clean Rooms ML calls for audience exports, with errors turned into actionable reasons."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from botocore.exceptions import BotoCoreError, ClientError

from . import clients

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml.literals import AudienceSizeTypeType
    from mypy_boto3_cleanroomsml.type_defs import AudienceExportJobSummaryTypeDef

# CloudFormation shows at most this much of a reason, and crhelper cuts longer ones from the
# FRONT, which would drop the part that says what went wrong. Reasons are cut here, at the end.
REASON_MAX: Final = 256
# One page covers the 25 active exports a job may have (the model allows 1-100).
PAGE_SIZE: Final = 100
ACTIVE_EXPORTS_PER_JOB: Final = 25

GET_JOB: Final = "GetAudienceGenerationJob"
LIST_EXPORTS: Final = "ListAudienceExportJobs"
START_EXPORT: Final = "StartAudienceExportJob"


def short(reason: str, limit: int = REASON_MAX) -> str:
    """The reason cut to ``limit`` characters, keeping its beginning."""
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


class ServiceError(Exception):
    """A Clean Rooms ML call failed; ``str()`` is the reason CloudFormation shows."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(short(reason))
        self.code = code


@dataclass(frozen=True)
class Size:
    type: str
    value: int

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


@dataclass(frozen=True)
class GenerationJob:
    arn: str
    status: str
    status_code: str
    status_message: str
    offered_sizes: tuple[Size, ...]


@dataclass(frozen=True)
class ExportJob:
    name: str
    job_arn: str
    size: Size
    description: str  # "" when the service returns none
    status: str
    status_code: str
    status_message: str
    output_location: str | None


def _details(response: Mapping[str, object]) -> tuple[str, str]:
    details = response.get("statusDetails")
    if not isinstance(details, Mapping):
        return "", ""
    return str(details.get("statusCode") or ""), str(details.get("message") or "")


def describe_status(status: str, code: str, message: str) -> str:
    """``STATUS (code: message)`` with the parts the service gave."""
    detail = ": ".join(part for part in (code, message) if part)
    return f"{status} ({detail})" if detail else status


def _error_reason(action: str, job_arn: str, error: ClientError) -> str:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", "")).strip()
    if code == "AccessDeniedException":
        return f"access denied: the provider role needs cleanrooms-ml:{action} on {job_arn}" + (
            f" ({message})" if message else ""
        )
    if code == "ResourceNotFoundException":
        return (
            f"audience generation job not found: {job_arn} (check the ARN's account, region and id)"
        )
    if code == "ServiceQuotaExceededException":
        quota_name = error.response.get("quotaName") or "unknown quota"
        quota_value = error.response.get("quotaValue")
        shown = f"{quota_value:g}" if isinstance(quota_value, int | float) else "?"
        return (
            f"service quota exceeded: {quota_name} = {shown} (at most "
            f"{ACTIVE_EXPORTS_PER_JOB} active exports per audience generation job); "
            "wait for running exports or request a quota increase"
            + (f": {message}" if message else "")
        )
    if code == "ValidationException":
        return f"Clean Rooms ML rejected {action}: {message or code}"
    if code in ("ThrottlingException", "TooManyRequestsException", "Throttling"):
        return (
            f"throttled: cleanrooms-ml:{action} still throttled after "
            f"{clients.MAX_ATTEMPTS} attempts; retry the deployment later"
        )
    if code == "ConflictException":
        return f"conflict on {action}: {message or code}"
    return f"{action} failed: {code}: {message}" if message else f"{action} failed: {code}"


@contextmanager
def _mapped_errors(action: str, job_arn: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        raise ServiceError(_error_reason(action, job_arn, error), code) from error
    except BotoCoreError as error:
        raise ServiceError(f"{action} failed: {error}") from error


def get_generation_job(job_arn: str) -> GenerationJob:
    with _mapped_errors(GET_JOB, job_arn):
        response = clients.cleanroomsml().get_audience_generation_job(
            audienceGenerationJobArn=job_arn
        )
    metrics = response.get("metrics") or {}
    offered = tuple(
        Size(metric["audienceSize"]["type"], metric["audienceSize"]["value"])
        for metric in metrics.get("relevanceMetrics", [])
    )
    code, message = _details(response)
    return GenerationJob(
        arn=job_arn,
        status=response["status"],
        status_code=code,
        status_message=message,
        offered_sizes=offered,
    )


def _export(summary: AudienceExportJobSummaryTypeDef) -> ExportJob:
    code, message = _details(summary)
    return ExportJob(
        name=summary["name"],
        job_arn=summary["audienceGenerationJobArn"],
        size=Size(summary["audienceSize"]["type"], summary["audienceSize"]["value"]),
        description=summary.get("description") or "",
        status=summary["status"],
        status_code=code,
        status_message=message,
        output_location=summary.get("outputLocation"),
    )


def find_export(job_arn: str, name: str) -> ExportJob | None:
    """The export called ``name`` under the job (names identify exports: there is no id)."""
    paginator = clients.cleanroomsml().get_paginator("list_audience_export_jobs")
    pages = paginator.paginate(
        audienceGenerationJobArn=job_arn, PaginationConfig={"PageSize": PAGE_SIZE}
    )
    with _mapped_errors(LIST_EXPORTS, job_arn):
        for page in pages:
            for summary in page["audienceExportJobs"]:
                if summary["name"] == name and summary["audienceGenerationJobArn"] == job_arn:
                    return _export(summary)
    return None


def start_export(job_arn: str, name: str, size: Size, description: str | None) -> None:
    # The model's enum, checked by rules.check_size_type before we get here.
    size_type = cast("AudienceSizeTypeType", size.type)
    with _mapped_errors(START_EXPORT, job_arn):
        if description is None:
            clients.cleanroomsml().start_audience_export_job(
                name=name,
                audienceGenerationJobArn=job_arn,
                audienceSize={"type": size_type, "value": size.value},
            )
        else:
            clients.cleanroomsml().start_audience_export_job(
                name=name,
                audienceGenerationJobArn=job_arn,
                audienceSize={"type": size_type, "value": size.value},
                description=description,
            )
