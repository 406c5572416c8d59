"""Audience generation jobs: Start, Get, List and Delete AudienceGenerationJob.

A seeded job has a fixed status (or turns ACTIVE at ``ready_at``); a started one moves
CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE (or CREATE_FAILED), and once deleted
DELETE_PENDING -> DELETE_IN_PROGRESS -> gone (or DELETE_FAILED), with its exports. Names are
unique per account, an account has at most 10 jobs in flight, and a job being created cannot
be deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ..exceptions import ServiceError, quota_error
from .lifecycle import FailureFor, Lifecycle, LifecycleDurations
from .state import BackendState
from .statuses import DELETING, IN_FLIGHT, iso

IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT: Final = 10
GENERATION_QUOTA_NAME: Final = "Pending or in-progress audience generation jobs per account"
GENERATION_QUOTA_MESSAGE: Final = (
    "You have reached the maximum number of pending or in-progress audience generation jobs "
    "for this account"
)


def generation_quota_error() -> ServiceError:
    return quota_error(
        GENERATION_QUOTA_MESSAGE, GENERATION_QUOTA_NAME, IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT
    )


def _model_not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Configured audience model {arn} not found")


@dataclass(frozen=True)
class GenerationJobDurations(LifecycleDurations):
    """How long a started job stays in each create and delete status (seconds)."""


@dataclass
class GenerationJob(Lifecycle):
    arn: str
    name: str
    configured_audience_model_arn: str
    offered_sizes: list[tuple[str, int]]
    description: str | None = None
    seed_audience: dict[str, Any] | None = None
    include_seed_in_output: bool | None = None
    collaboration_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    protected_query_identifier: str | None = None
    started_by: str | None = None

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> GenerationJob:
        job = cls(**item)
        # JSON has no tuples; the size check compares tuples.
        job.offered_sizes = [(str(t), int(v)) for t, v in job.offered_sizes]
        return job

    def summary(self, now: float, account_id: str) -> dict[str, object]:
        """The ListAudienceGenerationJobs item."""
        status, updated = self.status_at(now)
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            "updateTime": iso(updated),
            "audienceGenerationJobArn": self.arn,
            "name": self.name,
            "status": status,
            "configuredAudienceModelArn": self.configured_audience_model_arn,
            "startedBy": self.started_by or account_id,
        }
        if self.description is not None:
            item["description"] = self.description
        if self.collaboration_id is not None:
            item["collaborationId"] = self.collaboration_id
        return item

    def describe(self, now: float, account_id: str) -> dict[str, object]:
        """The GetAudienceGenerationJob answer."""
        result = self.summary(now, account_id)
        status = str(result["status"])
        details = self.details(status)
        if details:
            result["statusDetails"] = dict(details)
        for key, value in (
            ("seedAudience", self.seed_audience),
            ("includeSeedInOutput", self.include_seed_in_output),
            ("protectedQueryIdentifier", self.protected_query_identifier),
        ):
            if value is not None:
                result[key] = value
        if self.tags:
            result["tags"] = dict(self.tags)
        # A model that offers no sizes shares no metrics.
        if status == "ACTIVE" and self.offered_sizes:
            count = len(self.offered_sizes)
            result["metrics"] = {
                "relevanceMetrics": [
                    # Smaller audiences are the closer matches: a plausible, deterministic score.
                    {
                        "audienceSize": {"type": t, "value": v},
                        "score": round(9.0 - 8.0 * i / count, 2),
                    }
                    for i, (t, v) in enumerate(self.offered_sizes)
                ],
                "recallMetric": 0.42,
            }
        return result


class AudienceGenerationJobs(BackendState):
    """The generation-job operations of the backend."""

    def start_audience_generation_job(
        self, params: Mapping[str, Any], take_failure: FailureFor
    ) -> dict[str, object]:
        """Start a job, or raise the error the service would answer.

        ``take_failure`` is asked only once the job is started, as for exports.
        """
        with self.lock:
            self.purge()
            name, model_arn = str(params["name"]), str(params["configuredAudienceModelArn"])
            sizes = self.offered_sizes(model_arn)
            if sizes is None:
                raise _model_not_found(model_arn)
            now = self.clock()
            if any(job.name == name for job in self.generation_jobs.values()):
                raise ServiceError(
                    "ConflictException", f"An audience generation job named {name} already exists"
                )
            in_flight = [
                j for j in self.generation_jobs.values() if j.status_at(now)[0] in IN_FLIGHT
            ]
            if len(in_flight) >= IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT:
                raise generation_quota_error()
            # The job lives in the caller's account, in the model's partition and region.
            partition, region = model_arn.split(":")[1], model_arn.split(":")[3]
            arn = (
                f"arn:{partition}:cleanrooms-ml:{region}:{self.account_id}:"
                f"audience-generation-job/{uuid.uuid4()}"
            )
            seed: dict[str, Any] = dict(params["seedAudience"])
            job = GenerationJob(
                arn=arn,
                name=name,
                configured_audience_model_arn=model_arn,
                offered_sizes=sizes,
                description=params.get("description"),
                seed_audience=seed,
                include_seed_in_output=params.get("includeSeedInOutput"),
                collaboration_id=params.get("collaborationId"),
                tags=dict(params.get("tags") or {}),
                # A SQL seed runs as a protected query in the collaboration.
                protected_query_identifier=str(uuid.uuid4()) if "sqlParameters" in seed else None,
                started_by=self.account_id,
            )
            job.begin_create(now, self.generation_durations, take_failure(name))
            self.generation_jobs[arn] = job
            self.changed(job)
            return {"audienceGenerationJobArn": arn}

    def get_audience_generation_job(self, arn: str) -> dict[str, object]:
        """The GetAudienceGenerationJob answer."""
        with self.lock:
            return self.generation_job(arn).describe(self.clock(), self.account_id)

    def list_audience_generation_jobs(
        self, model_arn: str | None, collaboration_id: str | None
    ) -> list[dict[str, object]]:
        """Jobs as ListAudienceGenerationJobs shows them (all pages), oldest first."""
        with self.lock:
            self.purge()
            now = self.clock()
            return [
                job.summary(now, self.account_id)
                for job in sorted(self.generation_jobs.values(), key=lambda j: j.created_at)
                if model_arn in (None, job.configured_audience_model_arn)
                and collaboration_id in (None, job.collaboration_id)
            ]

    def delete_audience_generation_job(self, arn: str, take_failure: FailureFor) -> None:
        """Begin deleting a job; it shows DELETE_PENDING, DELETE_IN_PROGRESS, then is gone."""
        with self.lock:
            job = self.generation_job(arn)
            now = self.clock()
            status = job.status_at(now)[0]
            if status in IN_FLIGHT:
                raise ServiceError(
                    "ConflictException",
                    f"Audience generation job {arn} is {status}; it can be deleted once created",
                )
            if status in DELETING:
                return  # already being deleted: a repeated Delete changes nothing
            job.begin_delete(now, self.generation_durations, take_failure(arn))
            self.changed(job)

    def offered_sizes(self, model_arn: str) -> list[tuple[str, int]] | None:
        """The sizes a configured audience model offers; ``None`` for an unknown model.

        The seed's ``configuredAudienceModels`` first, then a configured model created through
        the API (the bins of its ``audienceSizeConfig``), else the model of a seeded job.
        """
        if model_arn in self.configured_audience_models:
            return list(self.configured_audience_models[model_arn])
        created = self.configured_models.get(model_arn)
        if created is not None:
            return created.offered_sizes()
        for job in self.generation_jobs.values():
            if job.started_by is None and job.configured_audience_model_arn == model_arn:
                return list(job.offered_sizes)
        return None

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
