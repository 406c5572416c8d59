"""Audience export jobs: StartAudienceExportJob and ListAudienceExportJobs.

An export moves CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE (or CREATE_FAILED) as time
passes; a generation job has at most 25 active exports, an account 20 in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from ..exceptions import ServiceError, quota_error
from .state import BackendState
from .statuses import COUNTED, IN_FLIGHT, iso

if TYPE_CHECKING:
    from .audience_generation_jobs import GenerationJob

EXPORTS_PER_GENERATION_JOB: Final = 25
IN_FLIGHT_EXPORTS_PER_ACCOUNT: Final = 20
# The two quotas Start can hit, told apart by quotaName as the service does.
PER_JOB_QUOTA_NAME: Final = "Active audience export jobs per audience generation job"
PER_JOB_QUOTA_MESSAGE: Final = (
    "You have reached the maximum number of active audience export jobs "
    "for this audience generation job"
)
IN_FLIGHT_QUOTA_NAME: Final = "Pending or in-progress audience export jobs per account"
IN_FLIGHT_QUOTA_MESSAGE: Final = (
    "You have reached the maximum number of pending or in-progress audience export jobs "
    "for this account"
)


def per_job_quota_error() -> ServiceError:
    return quota_error(PER_JOB_QUOTA_MESSAGE, PER_JOB_QUOTA_NAME, EXPORTS_PER_GENERATION_JOB)


def in_flight_quota_error() -> ServiceError:
    return quota_error(IN_FLIGHT_QUOTA_MESSAGE, IN_FLIGHT_QUOTA_NAME, IN_FLIGHT_EXPORTS_PER_ACCOUNT)


@dataclass(frozen=True)
class ExportDurations:
    """How long a new export stays in each in-flight status (seconds)."""

    pending: float = 1.0
    in_progress: float = 2.0


@dataclass
class ExportJob:
    name: str
    job_arn: str
    size_type: str
    size_value: int
    description: str | None
    created_at: float
    pending_seconds: float
    in_progress_seconds: float
    output_location: str
    failure: dict[str, str] | None = None

    def status_at(self, now: float) -> tuple[str, float]:
        in_progress_at = self.created_at + self.pending_seconds
        done_at = in_progress_at + self.in_progress_seconds
        if now < in_progress_at:
            return "CREATE_PENDING", self.created_at
        if now < done_at:
            return "CREATE_IN_PROGRESS", in_progress_at
        return ("CREATE_FAILED" if self.failure else "ACTIVE"), done_at

    def summary(self, now: float) -> dict[str, object]:
        status, updated = self.status_at(now)
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            "updateTime": iso(updated),
            "name": self.name,
            "audienceGenerationJobArn": self.job_arn,
            "audienceSize": {"type": self.size_type, "value": self.size_value},
            "status": status,
        }
        if self.description is not None:
            item["description"] = self.description
        if status == "CREATE_FAILED" and self.failure:
            item["statusDetails"] = dict(self.failure)
        if status == "ACTIVE":
            item["outputLocation"] = self.output_location
        return item


@dataclass(frozen=True)
class ExportRequest:
    """A StartAudienceExportJob request the model check has passed."""

    job_arn: str
    name: str
    size_type: str
    size_value: int
    description: str | None

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> ExportRequest:
        size = params["audienceSize"]
        assert isinstance(size, dict)  # the model check guarantees it
        description = params.get("description")
        return cls(
            job_arn=str(params["audienceGenerationJobArn"]),
            name=str(params["name"]),
            size_type=str(size["type"]),
            size_value=int(size["value"]),
            description=None if description is None else str(description),
        )


class AudienceExportJobs(BackendState):
    """The export-job operations of the backend."""

    def start_audience_export_job(
        self, request: ExportRequest, take_failure: Callable[[str], dict[str, str] | None]
    ) -> None:
        """Start an export job, or raise the error the service would answer.

        ``take_failure`` is asked only once the job is started: a refused Start uses up no
        injected failure.
        """
        with self.lock:
            arn, name = request.job_arn, request.name
            job = self.generation_job(arn)
            now = self.clock()
            _check_startable(job, request, now)
            if any(e.job_arn == arn and e.name == name for e in self.export_jobs):
                raise ServiceError(
                    "ConflictException",
                    f"An audience export job named {name} already exists for {arn}",
                )
            statuses = [(e.job_arn, e.status_at(now)[0]) for e in self.export_jobs]
            if (
                sum(1 for a, s in statuses if a == arn and s in COUNTED)
                >= EXPORTS_PER_GENERATION_JOB
            ):
                raise per_job_quota_error()
            if sum(1 for _, s in statuses if s in IN_FLIGHT) >= IN_FLIGHT_EXPORTS_PER_ACCOUNT:
                raise in_flight_quota_error()
            job_id = arn.rsplit("/", 1)[-1]
            self.export_jobs.append(
                ExportJob(
                    name=name,
                    job_arn=arn,
                    size_type=request.size_type,
                    size_value=request.size_value,
                    description=request.description,
                    created_at=now,
                    pending_seconds=self.durations.pending,
                    in_progress_seconds=self.durations.in_progress,
                    output_location=f"{self.output_prefix}/{job_id}/{quote(name, safe='')}/",
                    failure=take_failure(name),
                )
            )
            self.save()

    def list_audience_export_jobs(self, job_arn: str | None = None) -> list[dict[str, object]]:
        """Export jobs (of ``job_arn``, or all) as the List shows them, all pages."""
        with self.lock:
            self.purge()
            now = self.clock()
            return [
                job.summary(now)
                for job in self.export_jobs
                if job_arn is None or job.job_arn == job_arn
            ]


def _check_startable(job: GenerationJob, request: ExportRequest, now: float) -> None:
    status, _ = job.status_at(now)
    if status != "ACTIVE":
        raise ServiceError(
            "ValidationException",
            f"Audience generation job {job.arn} is {status}; exports need an ACTIVE job",
        )
    size = (request.size_type, request.size_value)
    if job.offered_sizes and size not in job.offered_sizes:
        offered = ", ".join(f"{t} {v}" for t, v in job.offered_sizes)
        raise ServiceError(
            "ValidationException",
            f"audienceSize {size[0]} {size[1]} is not offered by the job; offered: {offered}",
        )
