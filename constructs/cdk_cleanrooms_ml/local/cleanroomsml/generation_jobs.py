"""Audience generation jobs through the API: Start, List, Delete and the tag operations.

Requests arrive model-checked (:mod:`.responses`); this module applies the service's rules:
names unique per account, 10 pending or in-progress jobs per account, no Delete while the job
is being created, and a deleted job (with its exports) gone once its deletion has run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import ServiceError, not_found
from .generation_job import IN_FLIGHT, GenerationJob
from .models import (
    IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT,
    CleanRoomsMlBackend,
    generation_quota_error,
)

FailureFor = Callable[[str], dict[str, str] | None]
_DELETING = ("DELETE_PENDING", "DELETE_IN_PROGRESS")


def _model_not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Configured audience model {arn} not found")


class GenerationJobService:
    """The generation-job operations on a backend's state (call under ``backend.lock``)."""

    def __init__(self, backend: CleanRoomsMlBackend) -> None:
        self._backend = backend

    def offered_sizes(self, model_arn: str) -> list[tuple[str, int]] | None:
        """The sizes a configured audience model offers; ``None`` for an unknown model.

        The seed's ``configuredAudienceModels`` first, else the model of a seeded job.
        """
        backend = self._backend
        if model_arn in backend.configured_audience_models:
            return list(backend.configured_audience_models[model_arn])
        for job in backend.generation_jobs.values():
            if job.started_by is None and job.configured_audience_model_arn == model_arn:
                return list(job.offered_sizes)
        return None

    def _job(self, arn: str) -> GenerationJob:
        self._backend.purge()
        job = self._backend.generation_jobs.get(arn)
        if job is None:
            raise not_found(arn)
        return job

    def start(self, params: Mapping[str, Any], take_failure: FailureFor) -> dict[str, object]:
        """Start a job, or raise the error the service would answer.

        ``take_failure`` is asked only once the job is started, as for exports.
        """
        backend = self._backend
        backend.purge()
        name, model_arn = str(params["name"]), str(params["configuredAudienceModelArn"])
        sizes = self.offered_sizes(model_arn)
        if sizes is None:
            raise _model_not_found(model_arn)
        now = backend.clock()
        if any(job.name == name for job in backend.generation_jobs.values()):
            raise ServiceError(
                "ConflictException", f"An audience generation job named {name} already exists"
            )
        in_flight = [
            j for j in backend.generation_jobs.values() if j.status_at(now)[0] in IN_FLIGHT
        ]
        if len(in_flight) >= IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT:
            raise generation_quota_error()
        # The job lives in the caller's account, in the model's partition and region.
        partition, region = model_arn.split(":")[1], model_arn.split(":")[3]
        arn = (
            f"arn:{partition}:cleanrooms-ml:{region}:{backend.account_id}:"
            f"audience-generation-job/{uuid.uuid4()}"
        )
        seed: dict[str, Any] = dict(params["seedAudience"])
        durations = backend.generation_durations
        backend.generation_jobs[arn] = GenerationJob(
            arn=arn,
            name=name,
            configured_audience_model_arn=model_arn,
            offered_sizes=sizes,
            status="CREATE_PENDING",
            description=params.get("description"),
            created_at=now,
            in_progress_at=now + durations.pending,
            ready_at=now + durations.pending + durations.in_progress,
            create_failure=take_failure(name),
            seed_audience=seed,
            include_seed_in_output=params.get("includeSeedInOutput"),
            collaboration_id=params.get("collaborationId"),
            tags=dict(params.get("tags") or {}),
            # A SQL seed runs as a protected query in the collaboration.
            protected_query_identifier=str(uuid.uuid4()) if "sqlParameters" in seed else None,
            started_by=backend.account_id,
        )
        backend.touched.add(arn)
        backend.save()
        return {"audienceGenerationJobArn": arn}

    def summaries(
        self, model_arn: str | None, collaboration_id: str | None
    ) -> list[dict[str, object]]:
        """Jobs as ListAudienceGenerationJobs shows them (all pages), oldest first."""
        backend = self._backend
        backend.purge()
        now = backend.clock()
        return [
            job.summary(now, backend.account_id)
            for job in sorted(backend.generation_jobs.values(), key=lambda j: j.created_at)
            if model_arn in (None, job.configured_audience_model_arn)
            and collaboration_id in (None, job.collaboration_id)
        ]

    def delete(self, arn: str, take_failure: FailureFor) -> None:
        """Begin deleting a job; it shows DELETE_PENDING, DELETE_IN_PROGRESS, then is gone."""
        job = self._job(arn)
        now = self._backend.clock()
        status = job.status_at(now)[0]
        if status in IN_FLIGHT:
            raise ServiceError(
                "ConflictException",
                f"Audience generation job {arn} is {status}; it can be deleted once created",
            )
        if status in _DELETING:
            return  # already being deleted: a repeated Delete changes nothing
        durations = self._backend.generation_durations
        job.delete_at = now
        job.delete_in_progress_at = now + durations.delete_pending
        job.deleted_at = job.delete_in_progress_at + durations.delete_in_progress
        job.delete_failure = take_failure(arn)
        self._changed(job)

    def tags(self, arn: str) -> dict[str, object]:
        return {"tags": dict(self._taggable(arn).tags)}

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        job = self._taggable(arn)
        job.tags.update(tags)
        self._changed(job)

    def untag(self, arn: str, keys: list[str]) -> None:
        job = self._taggable(arn)
        for key in keys:
            job.tags.pop(key, None)
        self._changed(job)

    def _taggable(self, arn: str) -> GenerationJob:
        # Only generation jobs exist here; any other taggable ARN is a resource not found.
        try:
            return self._job(arn)
        except ServiceError:
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found") from None

    def _changed(self, job: GenerationJob) -> None:
        self._backend.touched.add(job.arn)
        self._backend.save()
