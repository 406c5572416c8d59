"""Audience exports as Clean Rooms ML shows them: the calls (errors turned into actionable
reasons), the export a request asks for, how it is compared, and the poller's check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Final, cast

from .. import clients, completion, continuation, waiting
from ..clock import Clock
from ..engines.start_or_adopt import Calls
from ..engines.wait_for_status import wait_for_status
from ..fields import audience_export as export_fields
from ..service_errors import ConflictError, RequestError, ServiceError, Words, mapped_errors
from ..statuses import ACTIVE, CREATE_FAILED, CREATE_PENDING, CREATING, Size, status_details
from ..statuses import describe_status as describe
from . import audience_generation_job_calls as jobs

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml.literals import AudienceSizeTypeType
    from mypy_boto3_cleanroomsml.type_defs import AudienceExportJobSummaryTypeDef

# One page covers the 25 active exports a job may have (the model allows 1-100).
PAGE_SIZE: Final = 100

LIST_EXPORTS: Final = "ListAudienceExportJobs"
START_EXPORT: Final = "StartAudienceExportJob"
GONE_CODES: Final = ("ResourceNotFoundException",)

logger = logging.getLogger(__name__)


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


WORDS: Final = Words(
    not_found=lambda job_arn: (
        f"audience generation job not found: {job_arn} (check the ARN's account, region and id)"
    ),
)


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

    with mapped_errors(LIST_EXPORTS, job_arn, WORDS):
        return clients.call(look, clock=clock, until=until, action=LIST_EXPORTS, attempts=attempts)


def start_export(
    job_arn: str, name: str, size: Size, description: str | None, *, clock: Clock, until: float
) -> None:
    """Start the export. A retried attempt may meet the export its lost predecessor committed:
    that comes back as :class:`ConflictError`, for the caller to look again and adopt."""
    # The model's enum, checked by export_fields.check_size_type before we get here.
    size_type = cast("AudienceSizeTypeType", size.type)
    extra = {} if description is None else {"description": description}

    def start(timeout: float) -> None:
        clients.cleanroomsml(timeout).start_audience_export_job(
            name=name,
            audienceGenerationJobArn=job_arn,
            audienceSize={"type": size_type, "value": size.value},
            **extra,
        )

    with mapped_errors(START_EXPORT, job_arn, WORDS):
        clients.call(start, clock=clock, until=until, action=START_EXPORT)


@dataclass(frozen=True)
class Target:
    """The export a request asks for."""

    props: export_fields.ExportProperties
    name: str
    size: Size
    physical_id: str

    @property
    def description(self) -> str:
        return self.props.description or ""

    def data(self, status: str, output_location: str | None = None) -> dict[str, str]:
        # Strings throughout, as CloudFormation hands every attribute to the template.
        return {
            "Name": self.name,
            "AudienceGenerationJobArn": self.props.job_arn,
            "AudienceSizeType": self.size.type,
            "AudienceSizeValue": str(self.size.value),
            "Status": status,
            # Always present, empty until the export is ACTIVE: a template that reads it from an
            # export it does not wait for must not fail after the export was started.
            "OutputLocation": output_location or "",
        }

    def find(self, budget: waiting.Budget, attempts: int | None = None) -> ExportJob | None:
        return find_export(
            self.props.job_arn,
            self.name,
            clock=budget.clock,
            until=budget.call_until(),
            attempts=attempts,
        )


def check(export: Target) -> completion.Check:
    name = export.name

    def check(budget: waiting.Budget) -> tuple[bool, str, completion.Signal | None]:
        try:
            found = export.find(budget, attempts=1)
        except ServiceError as error:
            if error.code in GONE_CODES:
                raise completion.Gone(
                    f"the audience generation job of export {name} was deleted"
                ) from error
            raise
        if found is None:
            return False, CREATE_PENDING, None  # just started: not listed yet
        if found.status == ACTIVE:
            attributes = export.data(found.status, found.output_location)
            return (
                True,
                found.status,
                completion.Signal(completion.SUCCESS, name, attributes, ACTIVE),
            )
        if found.status == CREATE_FAILED:
            reason = f"export {name} failed: {status_of(found)}"
            return True, found.status, completion.Signal(completion.FAILURE, name, {}, reason)
        return False, found.status, None

    return check


def await_job(target: Target, budget: waiting.Budget) -> jobs.Job:
    """The generation job once it is no longer being created (waiting while it is)."""
    job_arn = target.props.job_arn

    def created(job: jobs.Job) -> bool:
        if job.status in CREATING:
            logger.info("waiting for audience generation job %s to be ACTIVE", job_arn)
            return False
        return True

    return wait_for_status(
        budget,
        # One attempt per look: a throttled one is retried by the wait's own back-off.
        lambda: jobs.get_job(job_arn, clock=budget.clock, until=budget.call_until(), attempts=1),
        status=lambda job: job.status,
        done=created,
        phase=continuation.PHASE_GENERATION,
        seen=None,
        unseen_status="not read yet",
        poll_first=True,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for the audience generation job of export "
            f"{target.name} (last status {status}); no export was started"
        ),
        missing=f"AudienceGenerationJobArn: could not read the job ({job_arn})",
    )


def status_of(export: ExportJob) -> str:
    return describe(export.status, export.status_code, export.status_message)


def export_failed(target: Target, export: ExportJob) -> RequestError:
    return RequestError(f"export {target.name} failed: {status_of(export)}")


def matches(export: ExportJob, target: Target) -> bool:
    return export.size == target.size and export.description == target.description


def difference(export: ExportJob, target: Target) -> str:
    parts = []
    if export.size != target.size:
        parts.append(f"size {export.size}, not {target.size}")
    if export.description != target.description:
        parts.append("a different description")
    return " and ".join(parts)


def start_calls(
    target: Target, budget: waiting.Budget, adopt: Callable[[ExportJob], str]
) -> Calls[ExportJob]:
    """The export's own calls for :func:`engines.start_or_adopt.start_or_adopt`."""

    def start() -> None:
        start_export(
            target.props.job_arn,
            target.name,
            target.size,
            target.props.description,
            clock=budget.clock,
            until=budget.call_until(by_deadline=True),
        )
        logger.info("started export %s", target.name)

    def unlisted(conflict: ConflictError) -> str:
        return (
            f"Name: StartAudienceExportJob reports a conflict for export {target.name} "
            f"({conflict}), but no export of that name is listed under the job"
        )

    return Calls(
        find=partial(target.find, budget),
        adopt=adopt,
        start=start,
        phase=continuation.PHASE_GENERATION,
        what=f"export {target.name}",
        start_action=START_EXPORT,
        slot="export",
        nothing_started="no export was started",
        unlisted=unlisted,
    )
