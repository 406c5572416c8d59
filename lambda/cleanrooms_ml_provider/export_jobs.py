"""Clean Rooms ML calls for audience exports, with errors turned into actionable reasons."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from botocore.exceptions import BotoCoreError, ClientError

from . import clients
from .clock import Clock

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml.literals import AudienceSizeTypeType
    from mypy_boto3_cleanroomsml.type_defs import AudienceExportJobSummaryTypeDef

# CloudFormation shows at most this much of a reason, and crhelper cuts longer ones from the
# FRONT, which would drop the part that says what went wrong. Reasons are cut here, at the end.
REASON_MAX: Final = 256
# One page covers the 25 active exports a job may have (the model allows 1-100).
PAGE_SIZE: Final = 100
ACTIVE_EXPORTS_PER_JOB: Final = 25
IN_FLIGHT_EXPORTS_PER_ACCOUNT: Final = 20

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


class ConflictError(ServiceError):
    """Start met an export of that name: look again, and adopt it if it is ours."""


class SlotQuotaError(ServiceError):
    """Start hit the account's quota on in-flight exports: wait for a slot."""

    def __init__(self, reason: str, code: str = "", label: str = "") -> None:
        super().__init__(reason, code)
        self.label = label  # "<quota name> = <value>"


@dataclass(frozen=True)
class Size:
    type: str
    value: int

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


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


def status_details(response: Mapping[str, object]) -> tuple[str, str]:
    """(statusCode, message) of a job or export's statusDetails, empty when absent."""
    details = response.get("statusDetails")
    if not isinstance(details, Mapping):
        return "", ""
    return str(details.get("statusCode") or ""), str(details.get("message") or "")


def describe_status(status: str, code: str, message: str) -> str:
    """``STATUS (code: message)`` with the parts the service gave."""
    detail = ": ".join(part for part in (code, message) if part)
    return f"{status} ({detail})" if detail else status


def _quota(error: ClientError) -> tuple[str, str]:
    name = str(error.response.get("quotaName") or "")
    value = error.response.get("quotaValue")
    return name, f"{value:g}" if isinstance(value, int | float) else "?"


def quota_reason(error: ClientError) -> str:
    """The quota the error names, its value, and what that quota means for this export."""
    name, shown = _quota(error)
    if in_flight_quota(error):
        return (
            f"service quota exceeded: {name or 'in-flight exports'} = {shown} (at most "
            f"{IN_FLIGHT_EXPORTS_PER_ACCOUNT} pending or in-progress exports per account; "
            "it clears as running exports finish)"
        )
    return (
        f"service quota exceeded: {name or 'unknown quota'} = {shown} (at most "
        f"{ACTIVE_EXPORTS_PER_JOB} active exports per audience generation job; exports cannot "
        "be deleted: use another generation job or request a quota increase)"
    )


def in_flight_quota(error: ClientError) -> bool:
    """The account-wide quota on pending / in-progress exports, which clears by itself.

    Told apart by ``quotaName`` as the service sends it; anything else (the per-job quota on
    active exports, or a quota we do not know) is permanent for this request.
    """
    name = str(error.response.get("quotaName") or "").lower()
    per_job = "generation job" in name
    return not per_job and ("pending" in name or "in progress" in name or "in-progress" in name)


def _error_reason(action: str, job_arn: str, error: ClientError) -> str:
    code = clients.error_code(error)
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
        return quota_reason(error) + (f": {message}" if message else "")
    if code == "ValidationException":
        return f"Clean Rooms ML rejected {action}: {message or code}"
    if code == "ConflictException":
        return f"conflict on {action}: {message or code}"
    return f"{action} failed: {code}: {message}" if message else f"{action} failed: {code}"


def unavailable_reason(error: clients.Unavailable) -> str:
    """The reason when a call stayed throttled or unreachable until time ran out."""
    return (
        f"cleanrooms-ml:{error.action} stayed throttled or unreachable ({error.last}, "
        f"{error.attempts} attempts) until the time left ran out; retry the deployment later"
    )


@contextmanager
def _mapped_errors(action: str, job_arn: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = clients.error_code(error)
        reason = _error_reason(action, job_arn, error)
        if code == "ConflictException":
            raise ConflictError(reason, code) from error
        if code == "ServiceQuotaExceededException" and in_flight_quota(error):
            name, shown = _quota(error)
            raise SlotQuotaError(
                reason, code, f"{name or 'in-flight exports'} = {shown}"
            ) from error
        raise ServiceError(reason, code) from error
    except BotoCoreError as error:
        raise ServiceError(f"{action} failed: {error}") from error


def _export(summary: AudienceExportJobSummaryTypeDef) -> ExportJob:
    code, message = status_details(summary)
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


def find_export(
    job_arn: str, name: str, *, clock: Clock, until: float, attempts: int | None = None
) -> ExportJob | None:
    """The export called ``name`` under the job (names identify exports: there is no id)."""

    def look(timeout: float) -> ExportJob | None:
        paginator = clients.cleanroomsml(timeout).get_paginator("list_audience_export_jobs")
        pages = paginator.paginate(
            audienceGenerationJobArn=job_arn, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        for page in pages:
            for summary in page["audienceExportJobs"]:
                if summary["name"] == name and summary["audienceGenerationJobArn"] == job_arn:
                    return _export(summary)
        return None

    with _mapped_errors(LIST_EXPORTS, job_arn):
        return clients.call(look, clock=clock, until=until, action=LIST_EXPORTS, attempts=attempts)


def start_export(
    job_arn: str, name: str, size: Size, description: str | None, *, clock: Clock, until: float
) -> None:
    """Start the export. A retried attempt may meet the export its lost predecessor committed:
    that comes back as :class:`ConflictError`, for the caller to look again and adopt."""
    # The model's enum, checked by rules.check_size_type before we get here.
    size_type = cast("AudienceSizeTypeType", size.type)
    extra = {} if description is None else {"description": description}

    def start(timeout: float) -> None:
        clients.cleanroomsml(timeout).start_audience_export_job(
            name=name,
            audienceGenerationJobArn=job_arn,
            audienceSize={"type": size_type, "value": size.value},
            **extra,
        )

    with _mapped_errors(START_EXPORT, job_arn):
        clients.call(start, clock=clock, until=until, action=START_EXPORT)
