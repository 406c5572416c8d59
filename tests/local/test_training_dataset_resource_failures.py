"""``AWS::CleanRoomsML::TrainingDataset`` in the local CloudFormation when the service refuses:
the resource fails with the service's message, as CloudFormation shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.local.conftest import CloudFactory
from tests.local.owner_support import client, create_model
from tests.local.training_dataset_support import STACK, calls, dataset, exists, template


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"RoleArn": "not-a-role"}, "roleArn: does not match the pattern"),
        ({"Name": "n" * 64}, "name: 64 characters, at most 63 allowed"),
    ],
)
def test_a_refused_create_fails_the_resource_with_the_service_message(
    make_cloud: CloudFactory, tmp_path: Path, change: dict[str, Any], needle: str
) -> None:
    cloud = make_cloud()
    resource = dataset()
    resource["Properties"].update(change)
    result = cloud.deploy(template(tmp_path, {"Clicks": resource}))
    assert result.status == "ROLLBACK_COMPLETE"
    assert needle in result.reason
    assert "HandlerErrorCode: InvalidRequest" in result.reason
    assert client(cloud.url).list_training_datasets()["trainingDatasets"] == []


def test_properties_are_checked_as_the_schema_does(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud()
    resource = dataset()
    del resource["Properties"]["RoleArn"]
    resource["Properties"]["Colour"] = "blue"
    result = cloud.deploy(template(tmp_path, {"Clicks": resource}))
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == (
        "Properties validation failed for resource Clicks with message: "
        "[#: required key [RoleArn] not found, #: extraneous key [Colour] is not permitted]"
    )
    assert calls(cloud) == []


def test_a_dataset_in_use_cannot_be_deleted_until_its_model_is_gone(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    # Models are trained and deleted at once here.
    instant = dict.fromkeys(
        ("pendingSeconds", "inProgressSeconds", "deletePendingSeconds", "deleteInProgressSeconds"),
        0,
    )
    cloud = make_cloud(seed={"audienceGenerationJobs": [], "audienceModelDurations": instant})
    arn = cloud.deploy(template(tmp_path, {"Clicks": dataset()})).outputs["Ref"]
    c = client(cloud.url)
    model = create_model(c, "on-clicks", arn)
    result = cloud.destroy(STACK)
    assert result.status == "DELETE_FAILED"
    assert exists(cloud, arn)
    (failed,) = result.operations
    assert "is used by the audience model(s) on-clicks" in failed.reason
    assert "HandlerErrorCode: AlreadyExists" in failed.reason
    state = cloud.store.load_stack(STACK)
    assert state is not None and list(state.resources) == ["Clicks"]
    c.delete_audience_model(audienceModelArn=model)
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert not exists(cloud, arn)


def test_throttling_is_retried_as_a_handler_does(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    cloud.endpoint.faults.throttle(1, operation="CreateTrainingDataset")
    result = cloud.deploy(template(tmp_path, {"Clicks": dataset()}))
    assert result.status == "CREATE_COMPLETE", result.reason
    creates = cloud.endpoint.calls_to("CreateTrainingDataset")
    assert [call.error for call in creates] == ["ThrottlingException", None]
