"""Reading the backend's state file (written by :meth:`.state.BackendState.save`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ...errors import StateError
from .audience_export_jobs import ExportJob
from .audience_generation_jobs import GenerationJob
from .audience_models import AudienceModel
from .configured_audience_models import ConfiguredAudienceModel
from .training_datasets import TrainingDataset

# The keys this service reads; any other top-level key is another service's (see ``sections``).
_OWN_KEYS: Final = frozenset(
    {
        "exportJobs",
        "generationJobs",
        "trainingDatasets",
        "audienceModels",
        "configuredAudienceModels",
        "deletedArns",
        "deletedGenerationJobArns",
    }
)


@dataclass(frozen=True)
class SavedState:
    """The export jobs, the resources made or changed through the API, the ARNs of deleted
    ones, and what other services sharing the file keep there (``sections``, by key)."""

    exports: list[ExportJob]
    generation_jobs: list[GenerationJob]
    training_datasets: list[TrainingDataset]
    audience_models: list[AudienceModel]
    configured_models: list[ConfiguredAudienceModel]
    deleted: set[str]
    sections: dict[str, Any]


def load_state(path: Path) -> SavedState:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, not {type(data).__name__}")
        # deletedGenerationJobArns: what files written before other kinds were kept say.
        deleted = [*data.get("deletedArns", []), *data.get("deletedGenerationJobArns", [])]
        return SavedState(
            exports=[ExportJob(**item) for item in data.get("exportJobs", [])],
            generation_jobs=[GenerationJob.from_state(i) for i in data.get("generationJobs", [])],
            training_datasets=[
                TrainingDataset.from_state(i) for i in data.get("trainingDatasets", [])
            ],
            audience_models=[AudienceModel.from_state(i) for i in data.get("audienceModels", [])],
            configured_models=[
                ConfiguredAudienceModel.from_state(i)
                for i in data.get("configuredAudienceModels", [])
            ],
            deleted={str(arn) for arn in deleted},
            sections={key: value for key, value in data.items() if key not in _OWN_KEYS},
        )
    except (ValueError, TypeError, AttributeError) as error:
        raise StateError(
            f"state file {path} cannot be read ({error}); fix it, or remove it to forget "
            "the exports it records"
        ) from error
