"""Shared pieces of the model owner's endpoint tests: a client, a training dataset request, a
seed, and the admin API."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from typing import Any, Final

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES: Final = Config(retries={"mode": "standard", "total_max_attempts": 1})
ROLE: Final = "arn:aws:iam::111122223333:role/cleanrooms-ml-training"
KMS_KEY: Final = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ARN_PREFIX: Final = "arn:aws:cleanrooms-ml:us-east-1:111122223333:"
SEEDED_DATASET: Final = ARN_PREFIX + "training-dataset/seeded-interactions"
SEEDED_MODEL: Final = ARN_PREFIX + "audience-model/seeded-model"
# A training window, as botocore parses the timestamps it gets back.
START: Final = datetime(2025, 1, 1, tzinfo=UTC)
END: Final = datetime(2025, 6, 30, 12, 30, tzinfo=UTC)
TRAINING_DATA: Final = [
    {
        "type": "INTERACTIONS",
        "inputConfig": {
            "schema": [
                {"columnName": "user_id", "columnTypes": ["USER_ID"]},
                {"columnName": "item_id", "columnTypes": ["ITEM_ID"]},
                {"columnName": "ts", "columnTypes": ["TIMESTAMP"]},
            ],
            "dataSource": {
                "glueDataSource": {
                    "tableName": "clicks",
                    "databaseName": "ads",
                    "catalogId": "111122223333",
                }
            },
        },
    }
]
# One seeded dataset (defaults for all but its ARN) and one ACTIVE model trained on it; a
# created model is ACTIVE after 10 + 20 s and gone 5 + 5 s after its Delete.
SEED: Final[dict[str, Any]] = {
    "audienceGenerationJobs": [],
    "trainingDatasets": [{"trainingDatasetArn": SEEDED_DATASET}],
    "audienceModels": [{"audienceModelArn": SEEDED_MODEL, "trainingDatasetArn": SEEDED_DATASET}],
    "audienceModelDurations": {
        "pendingSeconds": 10,
        "inProgressSeconds": 20,
        "deletePendingSeconds": 5,
        "deleteInProgressSeconds": 5,
    },
}


def client(url: str) -> Any:
    return boto3.client(
        "cleanroomsml",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


def create_dataset(c: Any, name: str, **extra: Any) -> str:
    arn: str = c.create_training_dataset(
        name=name, roleArn=ROLE, trainingData=TRAINING_DATA, **extra
    )["trainingDatasetArn"]
    return arn


def create_model(c: Any, name: str, dataset_arn: str = SEEDED_DATASET, **extra: Any) -> str:
    arn: str = c.create_audience_model(name=name, trainingDatasetArn=dataset_arn, **extra)[
        "audienceModelArn"
    ]
    return arn


def model_status(c: Any, arn: str) -> str:
    status: str = c.get_audience_model(audienceModelArn=arn)["status"]
    return status


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def inject(url: str, body: dict[str, Any]) -> None:
    """POST a fault to the endpoint's admin API."""
    request = urllib.request.Request(
        f"{url}/_local/faults", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 204


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}
