"""The service's state: audience generation jobs, export jobs on a clock, the export quotas.

Export jobs move CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE (or CREATE_FAILED) as time
passes and are kept in a JSON file, so a later run sees the exports an earlier one started.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from ..errors import StateError
from ..jsonfile import write_json_atomic
from .exceptions import ServiceError, not_found
from .generation_job import GONE, IN_FLIGHT, GenerationJob, GenerationJobDurations, iso

START: Final = "StartAudienceExportJob"
LIST: Final = "ListAudienceExportJobs"
GET_GENERATION_JOB: Final = "GetAudienceGenerationJob"
START_GENERATION_JOB: Final = "StartAudienceGenerationJob"
LIST_GENERATION_JOBS: Final = "ListAudienceGenerationJobs"
DELETE_GENERATION_JOB: Final = "DeleteAudienceGenerationJob"
TAG: Final = "TagResource"
UNTAG: Final = "UntagResource"
LIST_TAGS: Final = "ListTagsForResource"
OPERATIONS: Final = (
    START,
    LIST,
    GET_GENERATION_JOB,
    START_GENERATION_JOB,
    LIST_GENERATION_JOBS,
    DELETE_GENERATION_JOB,
    TAG,
    UNTAG,
    LIST_TAGS,
)

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
IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT: Final = 10
GENERATION_QUOTA_NAME: Final = "Pending or in-progress audience generation jobs per account"
GENERATION_QUOTA_MESSAGE: Final = (
    "You have reached the maximum number of pending or in-progress audience generation jobs "
    "for this account"
)
_COUNTED: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")


def _quota_error(message: str, name: str, value: int) -> ServiceError:
    return ServiceError(
        "ServiceQuotaExceededException", message, quotaName=name, quotaValue=float(value)
    )


def per_job_quota_error() -> ServiceError:
    return _quota_error(PER_JOB_QUOTA_MESSAGE, PER_JOB_QUOTA_NAME, EXPORTS_PER_GENERATION_JOB)


def in_flight_quota_error() -> ServiceError:
    return _quota_error(
        IN_FLIGHT_QUOTA_MESSAGE, IN_FLIGHT_QUOTA_NAME, IN_FLIGHT_EXPORTS_PER_ACCOUNT
    )


def generation_quota_error() -> ServiceError:
    return _quota_error(
        GENERATION_QUOTA_MESSAGE, GENERATION_QUOTA_NAME, IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT
    )


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


class CleanRoomsMlBackend:
    """Generation jobs (from the seed) and export jobs, behind one lock."""

    def __init__(
        self,
        *,
        generation_jobs: list[GenerationJob],
        durations: ExportDurations,
        output_prefix: str,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        account_id: str = "111122223333",
        configured_audience_models: Mapping[str, list[tuple[str, int]]] | None = None,
        generation_durations: GenerationJobDurations | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.account_id = account_id
        self.durations = durations
        self.output_prefix = output_prefix
        self.state_file = state_file
        self.configured_audience_models = dict(configured_audience_models or {})
        self.generation_durations = generation_durations or GenerationJobDurations()
        self.generation_jobs: dict[str, GenerationJob] = {j.arn: j for j in generation_jobs}
        self.export_jobs: list[ExportJob] = []
        # Jobs started or changed through the API are kept in the state file; seeded ones that
        # were deleted are remembered as deleted, so a later run does not bring them back.
        self.touched: set[str] = set()
        self.deleted: set[str] = set()
        if state_file is not None and state_file.exists():
            self.export_jobs, jobs, self.deleted = _load_state(state_file)
            for arn in self.deleted:
                self.generation_jobs.pop(arn, None)
            self.generation_jobs.update((job.arn, job) for job in jobs)
            self.touched = {job.arn for job in jobs}

    def save(self) -> None:
        # A folder removed under a running harness is not recreated here (it stops instead).
        if self.state_file is None or not self.state_file.parent.is_dir():
            return
        payload: dict[str, object] = {"exportJobs": [asdict(job) for job in self.export_jobs]}
        if self.touched or self.deleted:
            payload["generationJobs"] = [
                asdict(job) for arn, job in self.generation_jobs.items() if arn in self.touched
            ]
            payload["deletedGenerationJobArns"] = sorted(self.deleted)
        write_json_atomic(self.state_file, payload)

    def purge(self) -> None:
        """Forget jobs whose deletion has finished, and their exports (call under the lock)."""
        now = self.clock()
        gone = {arn for arn, j in self.generation_jobs.items() if j.status_at(now)[0] == GONE}
        if not gone:
            return
        for arn in gone:
            del self.generation_jobs[arn]
        self.touched -= gone
        self.deleted |= gone
        self.export_jobs = [e for e in self.export_jobs if e.job_arn not in gone]
        self.save()

    def add_generation_job(self, job: GenerationJob) -> None:
        with self.lock:
            self.generation_jobs[job.arn] = job

    def set_generation_job_in_progress(
        self, job_arn: str, *, seconds: float, status: str = "CREATE_IN_PROGRESS"
    ) -> None:
        if status not in IN_FLIGHT:
            raise ValueError(f"status must be one of {', '.join(IN_FLIGHT)}")
        with self.lock:
            job = self.generation_jobs[job_arn]
            job.status = status
            job.ready_at = self.clock() + seconds
            job.in_progress_at = None

    def exports(self, job_arn: str | None = None) -> list[dict[str, object]]:
        """Export jobs as ListAudienceExportJobs would show them (all pages)."""
        with self.lock:
            self.purge()
            now = self.clock()
            return [
                job.summary(now)
                for job in self.export_jobs
                if job_arn is None or job.job_arn == job_arn
            ]

    def describe_generation_job(self, arn: str) -> dict[str, object]:
        self.purge()
        job = self.generation_jobs.get(arn)
        if job is None:
            raise not_found(arn)
        return job.describe(self.clock(), self.account_id)

    def start_export(
        self, request: ExportRequest, take_failure: Callable[[str], dict[str, str] | None]
    ) -> None:
        """Start an export job, or raise the error the service would answer.

        ``take_failure`` is asked only once the job is started: a refused Start uses up no
        injected failure.
        """
        self.purge()
        arn, name, now = request.job_arn, request.name, self.clock()
        job = self.generation_jobs.get(arn)
        if job is None:
            raise not_found(arn)
        _check_startable(job, request, now)
        if any(e.job_arn == arn and e.name == name for e in self.export_jobs):
            raise ServiceError(
                "ConflictException",
                f"An audience export job named {name} already exists for {arn}",
            )
        statuses = [(e.job_arn, e.status_at(now)[0]) for e in self.export_jobs]
        if sum(1 for a, s in statuses if a == arn and s in _COUNTED) >= EXPORTS_PER_GENERATION_JOB:
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


def _load_state(path: Path) -> tuple[list[ExportJob], list[GenerationJob], set[str]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, not {type(data).__name__}")
        exports = [ExportJob(**item) for item in data.get("exportJobs", [])]
        jobs = [GenerationJob.from_state(item) for item in data.get("generationJobs", [])]
        deleted = {str(arn) for arn in data.get("deletedGenerationJobArns", [])}
        return exports, jobs, deleted
    except (ValueError, TypeError, AttributeError) as error:
        raise StateError(
            f"state file {path} cannot be read ({error}); fix it, or remove it to forget "
            "the exports it records"
        ) from error
