"""The seed's model-owner part: training datasets and audience models that exist from the start,
and how long a model created through the API takes.

``trainingDatasets``: ``[{trainingDatasetArn, name?, roleArn?, trainingData?, description?,
tags?}]``; ``name`` defaults to the ARN's id, ``roleArn`` and ``trainingData`` to a role of the
ARN's account and an INTERACTIONS table (:data:`DEFAULT_TRAINING_DATA`).
``audienceModels``: ``[{audienceModelArn, trainingDatasetArn (a seeded dataset), name?, status?
(ACTIVE), statusDetails?, description?, kmsKeyArn?, trainingDataStartTime?,
trainingDataEndTime? (ISO 8601), tags?, activeAfterSeconds?}]``; a CREATE_PENDING or
CREATE_IN_PROGRESS one turns ACTIVE after ``activeAfterSeconds`` when given.
``audienceModelDurations``: ``{pendingSeconds, inProgressSeconds, deletePendingSeconds,
deleteInProgressSeconds}``, each optional (:class:`AudienceModelDurations`' defaults).
Every value is checked against the service's model, as the request making it would be.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .exceptions import SeedError
from .models.audience_models import AudienceModel, AudienceModelDurations
from .models.statuses import epoch
from .models.training_datasets import TrainingDataset
from .seed_checks import conforms, durations, known_keys, objects, seconds, status_details

_DATASET_KEYS: Final = (
    "trainingDatasetArn",
    "name",
    "roleArn",
    "trainingData",
    "description",
    "tags",
)
_MODEL_KEYS: Final = (
    "audienceModelArn",
    "trainingDatasetArn",
    "name",
    "status",
    "statusDetails",
    "description",
    "kmsKeyArn",
    "trainingDataStartTime",
    "trainingDataEndTime",
    "tags",
    "activeAfterSeconds",
)
# A seeded model's optional members that CreateAudienceModel takes too: checked as its request.
_MODEL_REQUEST_KEYS: Final = (
    "description",
    "kmsKeyArn",
    "trainingDataStartTime",
    "trainingDataEndTime",
    "tags",
)
DEFAULT_TRAINING_DATA: Final = [
    {
        "type": "INTERACTIONS",
        "inputConfig": {
            "schema": [
                {"columnName": "user_id", "columnTypes": ["USER_ID"]},
                {"columnName": "item_id", "columnTypes": ["ITEM_ID"]},
                {"columnName": "event_time", "columnTypes": ["TIMESTAMP"]},
            ],
            "dataSource": {
                "glueDataSource": {"tableName": "interactions", "databaseName": "cleanrooms_ml"}
            },
        },
    }
]


@dataclass(frozen=True)
class OwnerSeed:
    training_datasets: list[TrainingDataset]
    audience_models: list[AudienceModel]
    durations: AudienceModelDurations


def _required(raw: Mapping[str, Any], key: str, shape: str, where: str) -> str:
    if key not in raw:
        raise SeedError(f"{where}.{key}: required")
    conforms(shape, raw[key], f"{where}.{key}")
    return str(raw[key])


def _unique(names: list[str], what: str) -> None:
    taken = sorted({name for name in names if names.count(name) > 1})
    if taken:
        raise SeedError(f"{what}: {taken[0]!r} is there twice; names and ARNs are unique")


def _dataset(raw: Mapping[str, Any], where: str, now: float) -> TrainingDataset:
    known_keys(raw, _DATASET_KEYS, where)
    arn = _required(raw, "trainingDatasetArn", "TrainingDatasetArn", where)
    account = arn.split(":")[4]
    request = {
        "name": raw.get("name", arn.rsplit("/", 1)[-1][:63]),
        "roleArn": raw.get("roleArn", f"arn:aws:iam::{account}:role/cleanrooms-ml-training"),
        "trainingData": raw.get("trainingData", copy.deepcopy(DEFAULT_TRAINING_DATA)),
        **{k: raw[k] for k in ("description", "tags") if k in raw},
    }
    conforms("CreateTrainingDatasetRequest", request, where)
    return TrainingDataset(
        arn=arn,
        name=request["name"],
        role_arn=request["roleArn"],
        training_data=request["trainingData"],
        created_at=now,
        description=request.get("description"),
        tags=dict(request.get("tags") or {}),
    )


def _model(raw: Mapping[str, Any], where: str, now: float, datasets: set[str]) -> AudienceModel:
    known_keys(raw, _MODEL_KEYS, where)
    arn = _required(raw, "audienceModelArn", "AudienceModelArn", where)
    dataset = _required(raw, "trainingDatasetArn", "TrainingDatasetArn", where)
    if dataset not in datasets:
        raise SeedError(f"{where}.trainingDatasetArn: not one of the seed's trainingDatasets")
    status = raw.get("status", "ACTIVE")
    conforms("AudienceModelStatus", status, f"{where}.status")
    request = {
        "name": raw.get("name", arn.rsplit("/", 1)[-1][:63]),
        "trainingDatasetArn": dataset,
        **{k: raw[k] for k in _MODEL_REQUEST_KEYS if k in raw},
    }
    conforms("CreateAudienceModelRequest", request, where)
    ready_after = seconds(raw, "activeAfterSeconds", None, where)
    return AudienceModel(
        arn=arn,
        name=request["name"],
        training_dataset_arn=dataset,
        description=request.get("description"),
        kms_key_arn=request.get("kmsKeyArn"),
        training_data_start_time=epoch(request.get("trainingDataStartTime")),
        training_data_end_time=epoch(request.get("trainingDataEndTime")),
        tags=dict(request.get("tags") or {}),
        status=str(status),
        created_at=now,
        ready_at=None if ready_after is None else now + ready_after,
        status_details=status_details(raw, where),
    )


def parse_owner_seed(seed: Mapping[str, Any], *, now: float) -> OwnerSeed:
    """The seed's training datasets, audience models and audience-model durations."""
    datasets = [_dataset(raw, where, now) for raw, where in objects(seed, "trainingDatasets")]
    _unique([d.arn for d in datasets], "trainingDatasets")
    _unique([d.name for d in datasets], "trainingDatasets")
    arns = {d.arn for d in datasets}
    models = [_model(raw, where, now, arns) for raw, where in objects(seed, "audienceModels")]
    _unique([m.arn for m in models], "audienceModels")
    _unique([m.name for m in models], "audienceModels")
    return OwnerSeed(
        datasets, models, durations(seed, "audienceModelDurations", AudienceModelDurations())
    )
