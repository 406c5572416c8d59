"""What every resource model of the backend shares: the lock, the clock, the resources and the
state file they are kept in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ...jsonfile import write_json_atomic
from ..exceptions import ServiceError, not_found
from .statuses import GONE

if TYPE_CHECKING:
    from .audience_export_jobs import ExportDurations, ExportJob
    from .audience_generation_jobs import GenerationJob, GenerationJobDurations
    from .audience_models import AudienceModel, AudienceModelDurations
    from .configured_audience_models import ConfiguredAudienceModel
    from .training_datasets import TrainingDataset


class Kept(Protocol):
    """A resource the state file keeps, by its ARN."""

    @property
    def arn(self) -> str: ...


class BackendState:
    """The state the operations work on (call its methods under ``lock``)."""

    lock: threading.RLock
    clock: Callable[[], float]
    account_id: str
    # Where resources whose ARN derives from no other ARN (training datasets) are made.
    region: str
    durations: ExportDurations
    generation_durations: GenerationJobDurations
    audience_model_durations: AudienceModelDurations
    output_prefix: str
    state_file: Path | None
    # The seed's configured models (ARN -> offered sizes): known to generation jobs only.
    configured_audience_models: Mapping[str, list[tuple[str, int]]]
    generation_jobs: dict[str, GenerationJob]
    export_jobs: list[ExportJob]
    training_datasets: dict[str, TrainingDataset]
    audience_models: dict[str, AudienceModel]
    # Configured models created through the API (and their resource policies).
    configured_models: dict[str, ConfiguredAudienceModel]
    # Resources made or changed through the API are kept in the state file (by ARN); seeded
    # ones that were deleted are remembered as deleted, so a later run does not bring them back.
    touched: set[str]
    deleted: set[str]
    # Other services' resources kept in the same file (Clean Rooms' associations), by key: what
    # each registered writer returns, and what the file held under keys no writer registered
    # (kept as read, so a run serving this service alone does not drop them).
    sections: dict[str, Callable[[], object]]
    saved_sections: dict[str, object]

    def save(self) -> None:
        # A folder removed under a running harness is not recreated here (it stops instead).
        if self.state_file is None or not self.state_file.parent.is_dir():
            return
        payload: dict[str, object] = {"exportJobs": [asdict(job) for job in self.export_jobs]}
        if self.touched or self.deleted:
            for key, kind in (
                ("generationJobs", self.generation_jobs),
                ("trainingDatasets", self.training_datasets),
                ("audienceModels", self.audience_models),
                ("configuredAudienceModels", self.configured_models),
            ):
                payload[key] = [asdict(item) for arn, item in kind.items() if arn in self.touched]
            payload["deletedArns"] = sorted(self.deleted)
        payload.update(self.saved_sections)
        payload.update((key, write()) for key, write in self.sections.items())
        write_json_atomic(self.state_file, payload)

    def changed(self, resource: Kept) -> None:
        """Keep ``resource``, changed through the API, in the state file."""
        self.touched.add(resource.arn)
        self.save()

    def forget(self, arn: str) -> None:
        """Remember ``arn`` as deleted: a later run does not bring a seeded one back."""
        self.touched.discard(arn)
        self.deleted.add(arn)
        self.save()

    def purge(self) -> None:
        """Forget jobs and models whose deletion has finished, and the jobs' exports."""
        now = self.clock()
        gone: set[str] = set()
        for kind in (self.generation_jobs, self.audience_models):
            ended = {arn for arn, item in kind.items() if item.status_at(now)[0] == GONE}
            for arn in ended:
                del kind[arn]
            gone |= ended
        if not gone:
            return
        self.touched -= gone
        self.deleted |= gone
        self.export_jobs = [e for e in self.export_jobs if e.job_arn not in gone]
        self.save()

    def generation_job(self, arn: str) -> GenerationJob:
        """The generation job ``arn``, or the service's not-found error."""
        self.purge()
        job = self.generation_jobs.get(arn)
        if job is None:
            raise not_found(arn)
        return job

    def training_dataset(self, arn: str) -> TrainingDataset:
        """The training dataset ``arn``, or the service's not-found error."""
        dataset = self.training_datasets.get(arn)
        if dataset is None:
            raise ServiceError("ResourceNotFoundException", f"Training dataset {arn} not found")
        return dataset

    def audience_model(self, arn: str) -> AudienceModel:
        """The audience model ``arn``, or the service's not-found error."""
        self.purge()
        model = self.audience_models.get(arn)
        if model is None:
            raise ServiceError("ResourceNotFoundException", f"Audience model {arn} not found")
        return model

    def configured_model(self, arn: str) -> ConfiguredAudienceModel:
        """The configured audience model ``arn`` (created through the API), or the service's
        not-found error."""
        model = self.configured_models.get(arn)
        if model is None:
            raise ServiceError(
                "ResourceNotFoundException", f"Configured audience model {arn} not found"
            )
        return model
