"""Audience models: Create, Get, List and Delete AudienceModel.

A model is trained on a training dataset, which must exist. A created one moves CREATE_PENDING
-> CREATE_IN_PROGRESS -> ACTIVE (or CREATE_FAILED) over the durations of the seed's
``audienceModelDurations`` (training takes hours by default: use the fast clock); once deleted
DELETE_PENDING -> DELETE_IN_PROGRESS -> gone (or DELETE_FAILED). Names are unique per account;
a model being created, or one a configured audience model still uses, cannot be deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ServiceError
from .lifecycle import FailureFor, Lifecycle, LifecycleDurations
from .state import BackendState
from .statuses import DELETING, IN_FLIGHT, epoch, iso


@dataclass(frozen=True)
class AudienceModelDurations(LifecycleDurations):
    """How long a created model stays in each create and delete status (seconds)."""

    pending: float = 60.0
    in_progress: float = 7200.0
    delete_pending: float = 30.0
    delete_in_progress: float = 60.0


@dataclass
class AudienceModel(Lifecycle):
    arn: str
    name: str
    training_dataset_arn: str
    description: str | None = None
    kms_key_arn: str | None = None
    # Epoch seconds: the training window, when one was asked for.
    training_data_start_time: float | None = None
    training_data_end_time: float | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> AudienceModel:
        return cls(**item)

    def summary(self, now: float) -> dict[str, object]:
        """The ListAudienceModels item."""
        status, updated = self.status_at(now)
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            "updateTime": iso(updated),
            "audienceModelArn": self.arn,
            "name": self.name,
            "trainingDatasetArn": self.training_dataset_arn,
            "status": status,
        }
        if self.description is not None:
            item["description"] = self.description
        return item

    def describe(self, now: float) -> dict[str, object]:
        """The GetAudienceModel answer: every member the model has."""
        result = self.summary(now)
        details = self.details(str(result["status"]))
        if details:
            result["statusDetails"] = dict(details)
        for key, moment in (
            ("trainingDataStartTime", self.training_data_start_time),
            ("trainingDataEndTime", self.training_data_end_time),
        ):
            if moment is not None:
                result[key] = iso(moment)
        if self.kms_key_arn is not None:
            result["kmsKeyArn"] = self.kms_key_arn
        if self.tags:
            result["tags"] = dict(self.tags)
        return result


class AudienceModels(BackendState):
    """The audience-model operations of the backend."""

    def create_audience_model(
        self, params: Mapping[str, Any], take_failure: FailureFor
    ) -> dict[str, object]:
        """Begin training a model, or raise the error the service would answer.

        ``take_failure`` is asked only once the model is made: a refused Create uses up no
        injected failure.
        """
        with self.lock:
            self.purge()
            name, dataset_arn = str(params["name"]), str(params["trainingDatasetArn"])
            self.training_dataset(dataset_arn)
            if any(model.name == name for model in self.audience_models.values()):
                raise ServiceError(
                    "ConflictException", f"An audience model named {name} already exists"
                )
            start = epoch(params.get("trainingDataStartTime"))
            end = epoch(params.get("trainingDataEndTime"))
            if start is not None and end is not None and start >= end:
                raise ServiceError(
                    "ValidationException",
                    "trainingDataStartTime must be before trainingDataEndTime",
                )
            # The model lives in the dataset's partition, region and account.
            arn_prefix = dataset_arn.split(":training-dataset/", maxsplit=1)[0]
            arn = f"{arn_prefix}:audience-model/{uuid.uuid4()}"
            model = AudienceModel(
                arn=arn,
                name=name,
                training_dataset_arn=dataset_arn,
                description=params.get("description"),
                kms_key_arn=params.get("kmsKeyArn"),
                training_data_start_time=start,
                training_data_end_time=end,
                tags=dict(params.get("tags") or {}),
            )
            model.begin_create(self.clock(), self.audience_model_durations, take_failure(name))
            self.audience_models[arn] = model
            self.changed(model)
            return {"audienceModelArn": arn}

    def get_audience_model(self, arn: str) -> dict[str, object]:
        """The GetAudienceModel answer."""
        with self.lock:
            return self.audience_model(arn).describe(self.clock())

    def list_audience_models(self) -> list[dict[str, object]]:
        """Models as ListAudienceModels shows them (all pages), oldest first."""
        with self.lock:
            self.purge()
            now = self.clock()
            ordered = sorted(self.audience_models.values(), key=lambda m: m.created_at)
            return [model.summary(now) for model in ordered]

    def delete_audience_model(self, arn: str, take_failure: FailureFor) -> None:
        """Begin deleting a model; it shows DELETE_PENDING, DELETE_IN_PROGRESS, then is gone."""
        with self.lock:
            model = self.audience_model(arn)
            now = self.clock()
            status = model.status_at(now)[0]
            if status in IN_FLIGHT:
                raise ServiceError(
                    "ConflictException",
                    f"Audience model {arn} is {status}; it can be deleted once created",
                )
            if status in DELETING:
                return  # already being deleted: a repeated Delete changes nothing
            users = sorted(
                m.name for m in self.configured_models.values() if m.audience_model_arn == arn
            )
            if users:
                raise ServiceError(
                    "ConflictException",
                    f"Audience model {arn} is used by the configured audience model(s) "
                    f"{', '.join(users)}; delete those first",
                )
            model.begin_delete(now, self.audience_model_durations, take_failure(arn))
            self.changed(model)
