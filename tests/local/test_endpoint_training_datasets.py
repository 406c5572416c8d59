"""Training datasets on the embedded endpoint, through an unmodified boto3 client."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.owner_seed import DEFAULT_TRAINING_DATA
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from cdk_cleanrooms_ml.local.cleanroomsml.seed import parse_seed
from tests.clock import FakeClock
from tests.local.owner_support import (
    ARN_PREFIX,
    ROLE,
    SEED,
    SEEDED_DATASET,
    SEEDED_MODEL,
    TRAINING_DATA,
    client,
    code,
    create_dataset,
    create_model,
    inject,
    without_metadata,
)


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(seed=SEED, clock=clock)


@pytest.fixture
def url(endpoint: CleanRoomsMlEndpoint) -> Iterator[str]:
    with serve_endpoint(endpoint) as served:
        yield served


def test_a_created_dataset_is_active_and_reports_what_was_asked(
    url: str, endpoint: CleanRoomsMlEndpoint, clock: FakeClock
) -> None:
    c = client(url)
    arn = create_dataset(c, "clicks", description="q4 clicks", tags={"team": "ads"})
    assert arn.startswith(ARN_PREFIX + "training-dataset/")
    clock.advance(5)
    dataset = c.get_training_dataset(trainingDatasetArn=arn)
    assert dataset["trainingDatasetArn"] == arn
    assert dataset["name"] == "clicks"
    assert dataset["status"] == "ACTIVE"
    assert dataset["roleArn"] == ROLE
    assert dataset["trainingData"] == TRAINING_DATA
    assert dataset["description"] == "q4 clicks"
    assert dataset["tags"] == {"team": "ads"}
    assert dataset["createTime"] == dataset["updateTime"]
    assert dataset["createTime"].timestamp() == clock.t - 5
    assert endpoint.model_violations == []


def test_a_dataset_in_another_region(clock: FakeClock) -> None:
    endpoint = CleanRoomsMlEndpoint(seed=SEED, clock=clock, region="eu-west-1")
    with serve_endpoint(endpoint) as url:
        arn = create_dataset(client(url), "elsewhere")
    assert arn.startswith("arn:aws:cleanrooms-ml:eu-west-1:111122223333:training-dataset/")


def test_a_seeded_dataset_has_the_defaults(url: str) -> None:
    dataset = client(url).get_training_dataset(trainingDatasetArn=SEEDED_DATASET)
    assert dataset["name"] == "seeded-interactions"
    assert dataset["roleArn"] == "arn:aws:iam::111122223333:role/cleanrooms-ml-training"
    assert dataset["trainingData"] == DEFAULT_TRAINING_DATA
    assert "tags" not in dataset and "description" not in dataset


def test_list_is_paginated_oldest_first(
    url: str, endpoint: CleanRoomsMlEndpoint, clock: FakeClock
) -> None:
    endpoint.page_size = 2
    c = client(url)
    arns = []
    for index in range(3):
        clock.advance(1)
        arns.append(create_dataset(c, f"d-{index}", description=f"#{index}"))
    pages = list(c.get_paginator("list_training_datasets").paginate())
    assert [len(page["trainingDatasets"]) for page in pages] == [2, 2]
    listed = [item for page in pages for item in page["trainingDatasets"]]
    assert [item["trainingDatasetArn"] for item in listed] == [SEEDED_DATASET, *arns]
    assert listed[1]["description"] == "#0"
    assert {item["status"] for item in listed} == {"ACTIVE"}
    assert len(c.list_training_datasets(maxResults=100)["trainingDatasets"]) == 4
    with pytest.raises(ClientError) as bad_token:
        c.list_training_datasets(nextToken="not-a-token")
    assert code(bad_token) == "ValidationException"


def test_a_taken_name_is_a_conflict_until_the_dataset_is_deleted(url: str) -> None:
    c = client(url)
    arn = create_dataset(c, "once")
    for name in ("once", "seeded-interactions"):
        with pytest.raises(ClientError) as taken:
            create_dataset(c, name)
        assert code(taken) == "ConflictException"
        assert name in str(taken.value)
    c.delete_training_dataset(trainingDatasetArn=arn)
    assert create_dataset(c, "once") != arn


def test_delete_is_immediate_and_unknown_datasets_are_not_found(url: str) -> None:
    c = client(url)
    arn = create_dataset(c, "short-lived")
    c.delete_training_dataset(trainingDatasetArn=arn)
    missing: list[Callable[[], object]] = [
        lambda: c.get_training_dataset(trainingDatasetArn=arn),
        lambda: c.delete_training_dataset(trainingDatasetArn=arn),
        lambda: c.list_tags_for_resource(resourceArn=arn),
    ]
    for call in missing:
        with pytest.raises(ClientError) as gone:
            call()
        assert code(gone) == "ResourceNotFoundException"
    listed = c.list_training_datasets()["trainingDatasets"]
    assert [item["trainingDatasetArn"] for item in listed] == [SEEDED_DATASET]


def test_a_dataset_an_audience_model_uses_cannot_be_deleted(url: str, clock: FakeClock) -> None:
    c = client(url)
    with pytest.raises(ClientError) as seeded:
        c.delete_training_dataset(trainingDatasetArn=SEEDED_DATASET)
    assert code(seeded) == "ConflictException" and "seeded-model" in str(seeded.value)
    arn = create_dataset(c, "for-a-model")
    model = create_model(c, "user", arn)
    with pytest.raises(ClientError) as used:
        c.delete_training_dataset(trainingDatasetArn=arn)
    assert code(used) == "ConflictException"
    clock.advance(30)
    c.delete_audience_model(audienceModelArn=model)
    with pytest.raises(ClientError):  # still being deleted
        c.delete_training_dataset(trainingDatasetArn=arn)
    clock.advance(10)
    c.delete_training_dataset(trainingDatasetArn=arn)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"roleArn": "arn:aws:iam::1:role/r"}, "roleArn"),
        ({"trainingData": TRAINING_DATA * 2}, "trainingData: 2 items, at most 1 allowed"),
        ({"name": "n" * 64}, "name: 64 characters, at most 63 allowed"),
        ({"tags": {"k" * 129: "v"}}, "tags key"),
    ],
)
def test_bad_requests_are_refused_by_the_model_check(
    url: str, change: dict[str, Any], needle: str
) -> None:
    request = {"name": "bad", "roleArn": ROLE, "trainingData": TRAINING_DATA, **change}
    with pytest.raises(ClientError) as refused:
        client(url).create_training_dataset(**request)
    assert code(refused) == "ValidationException"
    assert needle in str(refused.value)


def test_a_bad_column_type_is_refused(url: str) -> None:
    data = json.loads(json.dumps(TRAINING_DATA))
    data[0]["inputConfig"]["schema"][0]["columnTypes"] = ["EMAIL"]
    with pytest.raises(ClientError) as refused:
        client(url).create_training_dataset(name="bad", roleArn=ROLE, trainingData=data)
    assert "'EMAIL' is not one of" in str(refused.value)


def test_tags_on_the_dataset_arn(url: str) -> None:
    c = client(url)
    arn = create_dataset(c, "tagged", tags={"team": "ads", "cost": "1"})
    c.tag_resource(resourceArn=arn, tags={"cost": "2", "stage": "prod"})
    c.untag_resource(resourceArn=arn, tagKeys=["team"])
    expected = {"cost": "2", "stage": "prod"}
    assert c.list_tags_for_resource(resourceArn=arn)["tags"] == expected
    assert c.get_training_dataset(trainingDatasetArn=arn)["tags"] == expected
    c.tag_resource(resourceArn=SEEDED_DATASET, tags={"seeded": "yes"})
    assert c.list_tags_for_resource(resourceArn=SEEDED_DATASET)["tags"] == {"seeded": "yes"}


def test_generic_faults_apply_to_the_dataset_operations(url: str) -> None:
    c = client(url)
    inject(url, {"kind": "throttle", "operation": "CreateTrainingDataset"})
    with pytest.raises(ClientError) as throttled:
        create_dataset(c, "throttled")
    assert code(throttled) == "ThrottlingException"
    inject(url, {"kind": "server-error", "operation": "ListTrainingDatasets"})
    with pytest.raises(ClientError) as failed:
        c.list_training_datasets()
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    inject(
        url, {"kind": "error", "code": "AccessDeniedException", "operation": "GetTrainingDataset"}
    )
    with pytest.raises(ClientError) as denied:
        c.get_training_dataset(trainingDatasetArn=SEEDED_DATASET)
    assert code(denied) == "AccessDeniedException"
    # A lost answer: the dataset is made, the caller sees a 500 and a retry finds the name taken.
    inject(url, {"kind": "lose-answer", "operation": "CreateTrainingDataset"})
    with pytest.raises(ClientError) as lost:
        create_dataset(c, "made-anyway")
    assert code(lost) == "InternalServiceException"
    with pytest.raises(ClientError) as retried:
        create_dataset(c, "made-anyway")
    assert code(retried) == "ConflictException"
    names = [d["name"] for d in c.list_training_datasets()["trainingDatasets"]]
    assert names == ["seeded-interactions", "made-anyway"]


def test_the_admin_state_shows_datasets_and_models(url: str) -> None:
    create_dataset(client(url), "shown")
    with urllib.request.urlopen(f"{url}/_local/state", timeout=5) as response:
        state = json.load(response)
    assert [d["name"] for d in state["trainingDatasets"]] == ["seeded-interactions", "shown"]
    assert [m["audienceModelArn"] for m in state["audienceModels"]] == [SEEDED_MODEL]


def test_datasets_persist_through_the_state_file(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "cleanroomsml.json"
    seed = {**SEED, "audienceModels": []}
    with serve_endpoint(CleanRoomsMlEndpoint(seed=seed, clock=clock, state_file=state)) as url:
        c = client(url)
        kept = create_dataset(c, "kept", tags={"team": "ads"})
        dropped = create_dataset(c, "dropped")
        c.delete_training_dataset(trainingDatasetArn=dropped)
        c.delete_training_dataset(trainingDatasetArn=SEEDED_DATASET)
        c.tag_resource(resourceArn=kept, tags={"stage": "prod"})
        before = without_metadata(c.get_training_dataset(trainingDatasetArn=kept))
    with serve_endpoint(CleanRoomsMlEndpoint(seed=seed, clock=clock, state_file=state)) as url:
        c = client(url)
        assert without_metadata(c.get_training_dataset(trainingDatasetArn=kept)) == before
        assert before["tags"] == {"team": "ads", "stage": "prod"}
        listed = c.list_training_datasets()["trainingDatasets"]
        # The deleted seeded dataset stays deleted; the dropped one is not back.
        assert [d["trainingDatasetArn"] for d in listed] == [kept]
        with pytest.raises(ClientError) as taken:
            create_dataset(c, "kept")
        assert code(taken) == "ConflictException"


@pytest.mark.parametrize(
    ("datasets", "needle"),
    [
        ({}, "'trainingDatasets' must be a list"),
        (["x"], "trainingDatasets[0]: expected an object"),
        ([{"name": "x"}], "trainingDatasets[0].trainingDatasetArn: required"),
        ([{"trainingDatasetArn": "arn:aws:nope"}], "does not match the pattern"),
        (
            [{"trainingDatasetArn": SEEDED_DATASET, "role": ROLE}],
            "trainingDatasets[0]: unknown key 'role'",
        ),
        (
            [{"trainingDatasetArn": SEEDED_DATASET, "roleArn": "nope"}],
            "trainingDatasets[0].roleArn: does not match",
        ),
        (
            [{"trainingDatasetArn": SEEDED_DATASET, "trainingData": []}],
            "trainingDatasets[0].trainingData: 0 items, at least 1 required",
        ),
        (
            [
                {"trainingDatasetArn": SEEDED_DATASET, "name": "same"},
                {"trainingDatasetArn": SEEDED_DATASET + "-2", "name": "same"},
            ],
            "trainingDatasets: 'same' is there twice",
        ),
    ],
)
def test_seeded_datasets_are_checked(datasets: object, needle: str) -> None:
    with pytest.raises(SeedError) as error:
        parse_seed({"audienceGenerationJobs": [], "trainingDatasets": datasets}, now=0.0)
    assert needle in str(error.value)
