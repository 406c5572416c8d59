"""Reading the backend's state file (written by :meth:`.state.BackendState.save`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...errors import StateError
from .audience_export_jobs import ExportJob
from .audience_generation_jobs import GenerationJob


def load_state(path: Path) -> tuple[list[ExportJob], list[GenerationJob], set[str]]:
    """The export jobs, the jobs changed through the API and the ARNs of deleted jobs."""
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
