"""Audience models on the embedded endpoint, through an unmodified boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
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
    create_dataset,
    create_model,
    model_status,
)


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(seed=SEED, clock=clock)


@pytest.fixture
def url(endpoint: CleanRoomsMlEndpoint) -> Iterator[str]:
    with serve_endpoint(endpoint) as served:
        yield served


def test_a_created_model_trains_then_reports_everything_it_has(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    arn = create_model(
        c,
        "lookalike-model",
        trainingDataStartTime=START,
        trainingDataEndTime=END,
        kmsKeyArn=KMS_KEY,
        description="trained on q1-q2",
        tags={"team": "ads"},
    )
    assert arn.startswith(ARN_PREFIX + "audience-model/")
    seen = []
    for advance in (0, 9, 1, 19, 1):
        clock.advance(advance)
        seen.append(model_status(c, arn))
    assert seen == [
        "CREATE_PENDING",
        "CREATE_PENDING",
        "CREATE_IN_PROGRESS",
        "CREATE_IN_PROGRESS",
        "ACTIVE",
    ]
    model = c.get_audience_model(audienceModelArn=arn)
    assert model["name"] == "lookalike-model"
    assert model["trainingDatasetArn"] == SEEDED_DATASET
    assert (model["trainingDataStartTime"], model["trainingDataEndTime"]) == (START, END)
    assert model["kmsKeyArn"] == KMS_KEY
    assert model["description"] == "trained on q1-q2"
    assert model["tags"] == {"team": "ads"}
    assert "statusDetails" not in model
    assert (model["updateTime"] - model["createTime"]).total_seconds() == 30
    assert endpoint.model_violations == []


def test_training_takes_hours_by_default(clock: FakeClock) -> None:
    seed = {k: v for k, v in SEED.items() if k != "audienceModelDurations"}
    with serve_endpoint(CleanRoomsMlEndpoint(seed=seed, clock=clock)) as url:
        c = client(url)
        arn = create_model(c, "slow")
        clock.advance(60)
        assert model_status(c, arn) == "CREATE_IN_PROGRESS"
        clock.advance(7199)
        assert model_status(c, arn) == "CREATE_IN_PROGRESS"
        clock.advance(1)
        assert model_status(c, arn) == "ACTIVE"
        c.delete_audience_model(audienceModelArn=arn)
        clock.advance(30)
        assert model_status(c, arn) == "DELETE_IN_PROGRESS"
        clock.advance(60)
        with pytest.raises(ClientError):
            model_status(c, arn)


def test_the_training_dataset_must_exist(url: str) -> None:
    c = client(url)
    missing = ARN_PREFIX + "training-dataset/missing"
    with pytest.raises(ClientError) as error:
        create_model(c, "orphan", missing)
    assert code(error) == "ResourceNotFoundException"
    assert missing in str(error.value)
    arn = create_model(c, "on-a-new-dataset", create_dataset(c, "fresh"))
    assert model_status(c, arn) == "CREATE_PENDING"


def test_a_taken_name_is_a_conflict_until_the_model_is_gone(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = create_model(c, "once")
    for name in ("once", "seeded-model"):
        with pytest.raises(ClientError) as taken:
            create_model(c, name)
        assert code(taken) == "ConflictException"
    clock.advance(30)
    c.delete_audience_model(audienceModelArn=arn)
    with pytest.raises(ClientError) as deleting:
        create_model(c, "once")
    assert code(deleting) == "ConflictException"
    clock.advance(10)
    assert create_model(c, "once") != arn


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"kmsKeyArn": "arn:aws:kms:us-east-1:1:key/k"}, "kmsKeyArn: does not match"),
        ({"trainingDataStartTime": END, "trainingDataEndTime": START}, "must be before"),
        ({"description": "x" * 256}, "description: 256 characters"),
    ],
)
def test_bad_requests_are_refused(url: str, extra: dict[str, Any], needle: str) -> None:
    with pytest.raises(ClientError) as refused:
        create_model(client(url), "bad", **extra)
    assert code(refused) == "ValidationException"
    assert needle in str(refused.value)


def test_delete_conflicts_while_created_then_runs_until_gone(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = create_model(c, "short-lived")
    for advance in (0, 15):
        clock.advance(advance)
        with pytest.raises(ClientError) as creating:
            c.delete_audience_model(audienceModelArn=arn)
        assert code(creating) == "ConflictException"
        assert model_status(c, arn) in str(creating.value)
    clock.advance(15)
    c.delete_audience_model(audienceModelArn=arn)
    seen = [model_status(c, arn)]
    c.delete_audience_model(audienceModelArn=arn)  # a repeat changes nothing
    clock.advance(5)
    seen.append(model_status(c, arn))
    assert seen == ["DELETE_PENDING", "DELETE_IN_PROGRESS"]
    listed = c.list_audience_models()["audienceModels"]
    assert [(m["name"], m["status"]) for m in listed][-1] == ("short-lived", "DELETE_IN_PROGRESS")
    clock.advance(5)
    for call in (c.get_audience_model, c.delete_audience_model):
        with pytest.raises(ClientError) as gone:
            call(audienceModelArn=arn)
        assert code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as untaggable:
        c.list_tags_for_resource(resourceArn=arn)
    assert code(untaggable) == "ResourceNotFoundException"
    listed = c.list_audience_models()["audienceModels"]
    assert [m["audienceModelArn"] for m in listed] == [SEEDED_MODEL]


def test_list_is_paginated_oldest_first(
    url: str, endpoint: CleanRoomsMlEndpoint, clock: FakeClock
) -> None:
    endpoint.page_size = 2
    c = client(url)
    arns = []
    for index in range(3):
        clock.advance(1)
        arns.append(create_model(c, f"m-{index}", description=f"#{index}"))
    pages = list(c.get_paginator("list_audience_models").paginate())
    listed = [item for page in pages for item in page["audienceModels"]]
    assert len(pages) == 2
    assert [m["audienceModelArn"] for m in listed] == [SEEDED_MODEL, *arns]
    assert [m["status"] for m in listed] == ["ACTIVE", *["CREATE_PENDING"] * 3]
    assert listed[1]["description"] == "#0"
    assert {m["trainingDatasetArn"] for m in listed} == {SEEDED_DATASET}


def test_tags_on_the_model_arn(url: str) -> None:
    c = client(url)
    arn = create_model(c, "tagged", tags={"team": "ads", "cost": "1"})
    c.tag_resource(resourceArn=arn, tags={"cost": "2"})
    c.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert c.list_tags_for_resource(resourceArn=arn)["tags"] == {"cost": "2"}
    assert c.get_audience_model(audienceModelArn=arn)["tags"] == {"cost": "2"}
    c.untag_resource(resourceArn=arn, tagKeys=["cost"])
    assert "tags" not in c.get_audience_model(audienceModelArn=arn)
