"""Training datasets: Create, Get, List and Delete TrainingDataset.

A training dataset is only metadata pointing at a Glue table, so it is ACTIVE (the one status
the service has) as soon as it is made and gone as soon as it is deleted. Names are unique per
account; a dataset that an audience model still uses cannot be deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ServiceError
from .state import BackendState
from .statuses import iso

ACTIVE = "ACTIVE"


@dataclass
class TrainingDataset:
    arn: str
    name: str
    role_arn: str
    training_data: list[dict[str, Any]]
    created_at: float = 0.0
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> TrainingDataset:
        return cls(**item)

    def summary(self) -> dict[str, object]:
        """The ListTrainingDatasets item."""
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            # Nothing of a dataset can change but its tags, which are no update of it.
            "updateTime": iso(self.created_at),
            "trainingDatasetArn": self.arn,
            "name": self.name,
            "status": ACTIVE,
        }
        if self.description is not None:
            item["description"] = self.description
        return item

    def describe(self) -> dict[str, object]:
        """The GetTrainingDataset answer."""
        result = self.summary()
        result["trainingData"] = [dict(dataset) for dataset in self.training_data]
        result["roleArn"] = self.role_arn
        if self.tags:
            result["tags"] = dict(self.tags)
        return result


class TrainingDatasets(BackendState):
    """The training-dataset operations of the backend."""

    def create_training_dataset(self, params: Mapping[str, Any]) -> dict[str, object]:
        """Make a dataset, or raise the error the service would answer."""
        with self.lock:
            name = str(params["name"])
            if any(d.name == name for d in self.training_datasets.values()):
                raise ServiceError(
                    "ConflictException", f"A training dataset named {name} already exists"
                )
            arn = (
                f"arn:aws:cleanrooms-ml:{self.region}:{self.account_id}:"
                f"training-dataset/{uuid.uuid4()}"
            )
            dataset = TrainingDataset(
                arn=arn,
                name=name,
                role_arn=str(params["roleArn"]),
                training_data=[dict(item) for item in params["trainingData"]],
                created_at=self.clock(),
                description=params.get("description"),
                tags=dict(params.get("tags") or {}),
            )
            self.training_datasets[arn] = dataset
            self.changed(dataset)
            return {"trainingDatasetArn": arn}

    def get_training_dataset(self, arn: str) -> dict[str, object]:
        """The GetTrainingDataset answer."""
        with self.lock:
            return self.training_dataset(arn).describe()

    def list_training_datasets(self) -> list[dict[str, object]]:
        """Datasets as ListTrainingDatasets shows them (all pages), oldest first."""
        with self.lock:
            ordered = sorted(self.training_datasets.values(), key=lambda d: d.created_at)
            return [dataset.summary() for dataset in ordered]

    def delete_training_dataset(self, arn: str) -> None:
        """Delete a dataset at once; refused while an audience model depends on it."""
        with self.lock:
            self.training_dataset(arn)
            self.purge()  # models whose deletion has finished no longer count
            users = sorted(
                model.name
                for model in self.audience_models.values()
                if model.training_dataset_arn == arn
            )
            if users:
                raise ServiceError(
                    "ConflictException",
                    f"Training dataset {arn} is used by the audience model(s) "
                    f"{', '.join(users)}; delete those first",
                )
            del self.training_datasets[arn]
            self.forget(arn)
