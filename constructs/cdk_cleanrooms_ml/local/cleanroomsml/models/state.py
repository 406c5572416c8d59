"""What every resource model of the backend shares: the lock, the clock, the jobs and the
state file they are kept in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ...jsonfile import write_json_atomic
from ..exceptions import not_found
from .statuses import GONE

if TYPE_CHECKING:
    from .audience_export_jobs import ExportDurations, ExportJob
    from .audience_generation_jobs import GenerationJob, GenerationJobDurations


class BackendState:
    """The state the operations work on (call its methods under ``lock``)."""

    lock: threading.RLock
    clock: Callable[[], float]
    account_id: str
    durations: ExportDurations
    generation_durations: GenerationJobDurations
    output_prefix: str
    state_file: Path | None
    configured_audience_models: Mapping[str, list[tuple[str, int]]]
    generation_jobs: dict[str, GenerationJob]
    export_jobs: list[ExportJob]
    # Jobs started or changed through the API are kept in the state file; seeded ones that
    # were deleted are remembered as deleted, so a later run does not bring them back.
    touched: set[str]
    deleted: set[str]

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

    def changed(self, job: GenerationJob) -> None:
        """Keep ``job``, changed through the API, in the state file."""
        self.touched.add(job.arn)
        self.save()

    def purge(self) -> None:
        """Forget jobs whose deletion has finished, and their exports."""
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

    def generation_job(self, arn: str) -> GenerationJob:
        """The generation job ``arn``, or the service's not-found error."""
        self.purge()
        job = self.generation_jobs.get(arn)
        if job is None:
            raise not_found(arn)
        return job
