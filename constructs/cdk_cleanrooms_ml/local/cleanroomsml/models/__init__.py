"""The service's state: one model file per resource type, one backend method per operation.

``audience_export_jobs``, ``audience_generation_jobs``, ``training_datasets``,
``audience_models`` and ``configured_audience_models`` (with
``configured_audience_model_policies``, their resource policies) hold each resource's records
and operations, ``tags`` the tag operations, ``state`` what they share (lock, clock, state
file), ``state_file`` how a later run reads it back, ``lifecycle`` the create / delete statuses
jobs and models go through, ``statuses`` the statuses and timestamps they have in common. A new
resource type is one more model file, and its class in :class:`CleanRoomsMlBackend`'s bases.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .audience_export_jobs import (
    EXPORTS_PER_GENERATION_JOB,
    IN_FLIGHT_EXPORTS_PER_ACCOUNT,
    IN_FLIGHT_QUOTA_NAME,
    PER_JOB_QUOTA_NAME,
    AudienceExportJobs,
    ExportDurations,
    ExportJob,
    ExportRequest,
)
from .audience_generation_jobs import (
    GENERATION_QUOTA_NAME,
    IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT,
    AudienceGenerationJobs,
    GenerationJob,
    GenerationJobDurations,
)
from .audience_models import AudienceModel, AudienceModelDurations, AudienceModels
from .configured_audience_model_policies import ConfiguredAudienceModelPolicies
from .configured_audience_models import ConfiguredAudienceModel, ConfiguredAudienceModels
from .state_file import load_state
from .tags import ResourceTags
from .training_datasets import TrainingDataset, TrainingDatasets

__all__ = [
    "EXPORTS_PER_GENERATION_JOB",
    "GENERATION_QUOTA_NAME",
    "IN_FLIGHT_EXPORTS_PER_ACCOUNT",
    "IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT",
    "IN_FLIGHT_QUOTA_NAME",
    "PER_JOB_QUOTA_NAME",
    "AudienceModel",
    "AudienceModelDurations",
    "CleanRoomsMlBackend",
    "ConfiguredAudienceModel",
    "ExportDurations",
    "ExportJob",
    "ExportRequest",
    "GenerationJob",
    "GenerationJobDurations",
    "TrainingDataset",
]


class CleanRoomsMlBackend(
    AudienceExportJobs,
    AudienceGenerationJobs,
    TrainingDatasets,
    AudienceModels,
    ConfiguredAudienceModels,
    ConfiguredAudienceModelPolicies,
    ResourceTags,
):
    """Generation jobs, export jobs, training datasets, audience models and configured audience
    models (with their policies), behind one lock."""

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
        training_datasets: list[TrainingDataset] | None = None,
        audience_models: list[AudienceModel] | None = None,
        audience_model_durations: AudienceModelDurations | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.account_id = account_id
        self.region = region
        self.durations = durations
        self.output_prefix = output_prefix
        self.state_file = state_file
        self.configured_audience_models = dict(configured_audience_models or {})
        self.generation_durations = generation_durations or GenerationJobDurations()
        self.audience_model_durations = audience_model_durations or AudienceModelDurations()
        self.generation_jobs = {j.arn: j for j in generation_jobs}
        self.training_datasets = {d.arn: d for d in training_datasets or []}
        self.audience_models = {m.arn: m for m in audience_models or []}
        # Made through the API only: the seed's configured models are configured_audience_models.
        self.configured_models = {}
        self.export_jobs = []
        self.touched = set()
        self.deleted = set()
        self.sections = {}
        self.saved_sections = {}
        if state_file is not None and state_file.exists():
            self._restore(state_file)

    def _restore(self, state_file: Path) -> None:
        """What earlier runs made, changed and deleted, over what the seed says."""
        saved = load_state(state_file)
        self.export_jobs, self.deleted = saved.exports, saved.deleted
        self.saved_sections = saved.sections
        for arn in self.deleted:
            self.generation_jobs.pop(arn, None)
            self.training_datasets.pop(arn, None)
            self.audience_models.pop(arn, None)
        self.generation_jobs.update((job.arn, job) for job in saved.generation_jobs)
        self.training_datasets.update((d.arn, d) for d in saved.training_datasets)
        self.audience_models.update((m.arn, m) for m in saved.audience_models)
        self.configured_models = {m.arn: m for m in saved.configured_models}
        self.touched = {
            *(job.arn for job in saved.generation_jobs),
            *(dataset.arn for dataset in saved.training_datasets),
            *(model.arn for model in saved.audience_models),
            *self.configured_models,
        }
