"""Audience models on the embedded endpoint: injected faults, seeded models, the state file and
the seed's checks, through an unmodified boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from cdk_cleanrooms_ml.local.cleanroomsml.seed import parse_seed
from tests.clock import FakeClock
from tests.local.owner_support import (
    ARN_PREFIX,
    END,
    KMS_KEY,
    SEED,
    SEEDED_DATASET,
    SEEDED_MODEL,
    START,
    client,
    code,
    create_model,
    inject,
    model_status,
    without_metadata,
)


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(seed=SEED, clock=clock)


@pytest.fixture
def url(endpoint: CleanRoomsMlEndpoint) -> Iterator[str]:
    with serve_endpoint(endpoint) as served:
        yield served


def test_create_failure_injected_through_the_admin_api(url: str, clock: FakeClock) -> None:
    c = client(url)
    inject(
        url,
        {
            "kind": "fail-audience-model",
            "name": "doomed",
            "statusCode": "INSUFFICIENT_DATA",
            "message": "The training data has 12 users; 100 are needed",
        },
    )
    fine, doomed = create_model(c, "fine"), create_model(c, "doomed")
    clock.advance(15)
    assert "statusDetails" not in c.get_audience_model(audienceModelArn=doomed)
    clock.advance(15)
    assert model_status(c, fine) == "ACTIVE"
    model = c.get_audience_model(audienceModelArn=doomed)
    assert model["status"] == "CREATE_FAILED"
    assert model["statusDetails"] == {
        "statusCode": "INSUFFICIENT_DATA",
        "message": "The training data has 12 users; 100 are needed",
    }
    # A failed model can be deleted, and the failure was used up.
    c.delete_audience_model(audienceModelArn=doomed)
    clock.advance(10)
    with pytest.raises(ClientError):
        model_status(c, doomed)
    again = create_model(c, "doomed")
    clock.advance(30)
    assert model_status(c, again) == "ACTIVE"


def test_delete_failure_injected(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    inject(url, {"kind": "fail-audience-model-delete", "audienceModelArn": SEEDED_MODEL})
    c.delete_audience_model(audienceModelArn=SEEDED_MODEL)
    clock.advance(10)
    model = c.get_audience_model(audienceModelArn=SEEDED_MODEL)
    assert model["status"] == "DELETE_FAILED"
    assert model["statusDetails"] == {
        "statusCode": "INTERNAL_ERROR",
        "message": "The audience model could not be deleted (injected)",
    }
    # The failure was used up: a second Delete goes through.
    c.delete_audience_model(audienceModelArn=SEEDED_MODEL)
    clock.advance(10)
    with pytest.raises(ClientError):
        model_status(c, SEEDED_MODEL)
    # Without an ARN, the next model deleted fails; from Python as well as the admin API.
    endpoint.faults.fail_audience_model_delete(status_code="KMS_KEY_DISABLED", message="key off")
    other = create_model(c, "other")
    clock.advance(30)
    c.delete_audience_model(audienceModelArn=other)
    clock.advance(10)
    details = c.get_audience_model(audienceModelArn=other)["statusDetails"]
    assert details == {"statusCode": "KMS_KEY_DISABLED", "message": "key off"}


def test_generic_faults_apply_to_the_model_operations(url: str, clock: FakeClock) -> None:
    c = client(url)
    inject(url, {"kind": "throttle", "count": 2, "operation": "GetAudienceModel"})
    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            model_status(c, SEEDED_MODEL)
        assert code(throttled) == "ThrottlingException"
    assert model_status(c, SEEDED_MODEL) == "ACTIVE"
    inject(url, {"kind": "server-error", "operation": "DeleteAudienceModel"})
    with pytest.raises(ClientError) as failed:
        c.delete_audience_model(audienceModelArn=SEEDED_MODEL)
    assert code(failed) == "InternalServiceException"
    assert model_status(c, SEEDED_MODEL) == "ACTIVE"  # refused before it was acted on
    inject(url, {"kind": "rate-limit", "perSecond": 1, "operation": "ListAudienceModels"})
    c.list_audience_models()
    with pytest.raises(ClientError) as limited:
        c.list_audience_models()
    assert code(limited) == "ThrottlingException"
    inject(url, {"kind": "lose-answer", "operation": "CreateAudienceModel"})
    with pytest.raises(ClientError) as lost:
        create_model(c, "made-anyway")
    assert code(lost) == "InternalServiceException"
    clock.advance(1)
    names = [m["name"] for m in c.list_audience_models()["audienceModels"]]
    assert names == ["seeded-model", "made-anyway"]


def test_seeded_models_in_every_state(clock: FakeClock) -> None:
    failed = ARN_PREFIX + "audience-model/failed"
    training = ARN_PREFIX + "audience-model/training"
    seed = {
        **SEED,
        "audienceModels": [
            {
                "audienceModelArn": failed,
                "trainingDatasetArn": SEEDED_DATASET,
                "name": "failed",
                "status": "CREATE_FAILED",
                "statusDetails": {"statusCode": "INTERNAL_ERROR", "message": "boom"},
            },
            {
                "audienceModelArn": training,
                "trainingDatasetArn": SEEDED_DATASET,
                "status": "CREATE_IN_PROGRESS",
                "activeAfterSeconds": 100,
                "kmsKeyArn": KMS_KEY,
                "trainingDataStartTime": "2025-01-01T00:00:00Z",
                "trainingDataEndTime": "2025-06-30T12:30:00Z",
                "tags": {"seeded": "yes"},
            },
        ],
    }
    with serve_endpoint(CleanRoomsMlEndpoint(seed=seed, clock=clock)) as url:
        c = client(url)
        gone_wrong = c.get_audience_model(audienceModelArn=failed)
        assert gone_wrong["statusDetails"]["message"] == "boom"
        model = c.get_audience_model(audienceModelArn=training)
        assert model["status"] == "CREATE_IN_PROGRESS"
        assert model["name"] == "training"
        assert (model["trainingDataStartTime"], model["trainingDataEndTime"]) == (START, END)
        assert model["tags"] == {"seeded": "yes"}
        clock.advance(100)
        assert model_status(c, training) == "ACTIVE"


def test_models_persist_through_the_state_file(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "cleanroomsml.json"

    def endpoint() -> CleanRoomsMlEndpoint:
        return CleanRoomsMlEndpoint(seed=SEED, clock=clock, state_file=state)

    with serve_endpoint(endpoint()) as url:
        c = client(url)
        kept = create_model(c, "kept", kmsKeyArn=KMS_KEY, trainingDataStartTime=START)
        c.tag_resource(resourceArn=kept, tags={"stage": "prod"})
        c.delete_audience_model(audienceModelArn=SEEDED_MODEL)
        clock.advance(7)  # kept is pending; the seeded model is still being deleted
        before = without_metadata(c.get_audience_model(audienceModelArn=kept))
    with serve_endpoint(endpoint()) as url:
        c = client(url)
        assert without_metadata(c.get_audience_model(audienceModelArn=kept)) == before
        assert model_status(c, SEEDED_MODEL) == "DELETE_IN_PROGRESS"
        clock.advance(23)
        assert model_status(c, kept) == "ACTIVE"
    with serve_endpoint(endpoint()) as url:
        c = client(url)
        # The seeded model's deletion finished: it stays deleted.
        listed = c.list_audience_models()["audienceModels"]
        assert [m["audienceModelArn"] for m in listed] == [kept]
        assert c.list_tags_for_resource(resourceArn=kept)["tags"] == {"stage": "prod"}
        with pytest.raises(ClientError) as taken:
            create_model(c, "kept")
        assert code(taken) == "ConflictException"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"audienceModels": [{"trainingDatasetArn": SEEDED_DATASET}]}, "audienceModelArn: req"),
        (
            {"audienceModels": [{"audienceModelArn": SEEDED_MODEL}]},
            "audienceModels[0].trainingDatasetArn: required",
        ),
        (
            {
                "audienceModels": [
                    {
                        "audienceModelArn": SEEDED_MODEL,
                        "trainingDatasetArn": ARN_PREFIX + "training-dataset/other",
                    }
                ]
            },
            "not one of the seed's trainingDatasets",
        ),
        (
            {
                "audienceModels": [
                    {
                        "audienceModelArn": SEEDED_MODEL,
                        "trainingDatasetArn": SEEDED_DATASET,
                        "status": "TRAINING",
                    }
                ]
            },
            "audienceModels[0].status: 'TRAINING' is not one of",
        ),
        (
            {
                "audienceModels": [
                    {
                        "audienceModelArn": SEEDED_MODEL,
                        "trainingDatasetArn": SEEDED_DATASET,
                        "trainingDataStartTime": "yesterday",
                    }
                ]
            },
            "trainingDataStartTime: 'yesterday' is not an ISO 8601 timestamp",
        ),
        (
            {
                "audienceModels": [
                    {"audienceModelArn": SEEDED_MODEL, "trainingDatasetArn": SEEDED_DATASET},
                    {"audienceModelArn": SEEDED_MODEL, "trainingDatasetArn": SEEDED_DATASET},
                ]
            },
            "audienceModels: 'arn:",
        ),
        (
            {"audienceModels": [{**SEED["audienceModels"][0], "kms": "k"}]},
            "audienceModels[0]: unknown key 'kms'",
        ),
        ({"audienceModelDurations": {"trainingSeconds": 1}}, "unknown key 'trainingSeconds'"),
        ({"audienceModelDurations": {"pendingSeconds": True}}, "pendingSeconds: must be a num"),
        ({"audienceModelDurations": []}, "seed.audienceModelDurations: must be an object"),
    ],
)
def test_seeded_models_and_durations_are_checked(extra: dict[str, Any], needle: str) -> None:
    with pytest.raises(SeedError) as error:
        parse_seed({**SEED, **extra}, now=0.0)
    assert needle in str(error.value)
