"""The service's state: one model file per resource type, one backend method per operation.

``audience_export_jobs`` and ``audience_generation_jobs`` hold each resource's records and
operations, ``tags`` the tag operations, ``state`` what they share (lock, clock, state file),
``state_file`` how a later run reads it back, ``statuses`` the statuses they have in common.
A new resource type is one more model file, and its class in :class:`CleanRoomsMlBackend`'s
bases.
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
from .state_file import load_state
from .tags import ResourceTags

__all__ = [
    "EXPORTS_PER_GENERATION_JOB",
    "GENERATION_QUOTA_NAME",
    "IN_FLIGHT_EXPORTS_PER_ACCOUNT",
    "IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT",
    "IN_FLIGHT_QUOTA_NAME",
    "PER_JOB_QUOTA_NAME",
    "CleanRoomsMlBackend",
    "ExportDurations",
    "ExportJob",
    "ExportRequest",
    "GenerationJob",
    "GenerationJobDurations",
]


class CleanRoomsMlBackend(AudienceExportJobs, AudienceGenerationJobs, ResourceTags):
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
        self.generation_jobs = {j.arn: j for j in generation_jobs}
        self.export_jobs = []
        self.touched = set()
        self.deleted = set()
        if state_file is not None and state_file.exists():
            self.export_jobs, jobs, self.deleted = load_state(state_file)
            for arn in self.deleted:
                self.generation_jobs.pop(arn, None)
            self.generation_jobs.update((job.arn, job) for job in jobs)
            self.touched = {job.arn for job in jobs}
