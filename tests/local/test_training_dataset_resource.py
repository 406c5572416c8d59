"""``AWS::CleanRoomsML::TrainingDataset`` in the local CloudFormation: made in the embedded
endpoint as CloudFormation's own handler would, and read back through a plain boto3 client."""

from __future__ import annotations

from pathlib import Path

from cdk_cleanrooms_ml.local.cloudformation.driver import ProgressEvent
from tests.local.conftest import CloudFactory
from tests.local.owner_support import ROLE, TRAINING_DATA, client
from tests.local.training_dataset_support import (
    KIND,
    OTHER_ROLE,
    STACK,
    calls,
    dataset,
    exists,
    get,
    template,
)


def test_create_makes_the_dataset_from_the_properties(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    result = cloud.deploy(template(tmp_path, {"Clicks": dataset(tags={"team": "ads"})}))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert calls(cloud) == ["CreateTrainingDataset", "GetTrainingDataset"]
    arn = result.outputs["Ref"]
    assert arn.startswith("arn:aws:cleanrooms-ml:us-east-1:111122223333:training-dataset/")
    assert result.outputs["Arn"] == arn
    assert result.outputs["Status"] == "ACTIVE"
    assert result.resources["Clicks"].physical_id == arn
    made = get(cloud, arn)
    assert made["name"] == "clicks"
    assert made["roleArn"] == ROLE
    assert made["description"] == "clicks of q4"
    assert made["trainingData"] == TRAINING_DATA
    assert made["tags"] == {"team": "ads"}
    lines = [
        (e.logical_id, e.resource_type, e.status) for e in progress if e.logical_id == "Clicks"
    ]
    assert lines == [("Clicks", KIND, "CREATE_IN_PROGRESS"), ("Clicks", KIND, "CREATE_COMPLETE")]
    assert [op.request_type for op in result.operations] == ["Create"]
    assert cloud.endpoint.model_violations == []


def test_a_tag_change_is_made_in_place(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    tags = {"team": "ads", "cost": "1", "old": "x"}
    first = cloud.deploy(template(tmp_path, {"Clicks": dataset(tags=tags)}, "a"))
    arn = first.outputs["Ref"]
    cloud.endpoint.calls.clear()
    changed = {"team": "ads", "cost": "2", "new": "y"}
    result = cloud.deploy(template(tmp_path, {"Clicks": dataset(tags=changed)}, "b"))
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert result.outputs["Ref"] == arn
    assert get(cloud, arn)["tags"] == changed
    assert calls(cloud)[:2] == ["UntagResource", "TagResource"]
    assert "CreateTrainingDataset" not in calls(cloud)
    # Unchanged: nothing to do.
    again = cloud.deploy(template(tmp_path, {"Clicks": dataset(tags=changed)}, "c"))
    assert again.status == "NO_CHANGES"
    # All tags gone.
    cloud.deploy(template(tmp_path, {"Clicks": dataset()}, "d"))
    assert "tags" not in get(cloud, arn)


def test_any_other_change_replaces_new_first_then_old_deleted(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud()
    old = cloud.deploy(template(tmp_path, {"Clicks": dataset()}, "a")).outputs["Ref"]
    cloud.endpoint.calls.clear()
    result = cloud.deploy(
        template(tmp_path, {"Clicks": dataset("clicks-v2", role=OTHER_ROLE)}, "b")
    )
    assert result.status == "UPDATE_COMPLETE", result.reason
    new = result.outputs["Ref"]
    assert new != old
    assert result.outputs["Arn"] == new
    assert (get(cloud, new)["name"], get(cloud, new)["roleArn"]) == ("clicks-v2", OTHER_ROLE)
    assert not exists(cloud, old)
    order = calls(cloud)
    assert order.index("CreateTrainingDataset") < order.index("DeleteTrainingDataset")
    assert [op.request_type for op in result.operations] == ["Update", "Delete"]


def test_a_replacement_under_the_same_name_fails_as_the_service_says(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    old = cloud.deploy(template(tmp_path, {"Clicks": dataset()}, "a")).outputs["Ref"]
    result = cloud.deploy(template(tmp_path, {"Clicks": dataset(role=OTHER_ROLE)}, "b"))
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.reason.startswith('Resource handler returned message: "A training dataset')
    assert "named clicks already exists (Service: CleanRoomsML, Status Code: 409" in result.reason
    assert "HandlerErrorCode: AlreadyExists)" in result.reason
    failed = [e for e in progress if e.status == "UPDATE_FAILED"]
    assert [(e.logical_id, e.reason) for e in failed] == [("Clicks", result.reason)]
    assert get(cloud, old)["roleArn"] == ROLE
    listed = client(cloud.url).list_training_datasets()["trainingDatasets"]
    assert [d["trainingDatasetArn"] for d in listed] == [old]


def test_a_failed_update_rolls_the_tags_back(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    before = {
        "Clicks": dataset(tags={"stage": "one"}),
        "Views": dataset("views", DependsOn="Clicks"),
    }
    arn = cloud.deploy(template(tmp_path, before, "a")).outputs["Ref"]
    # Clicks is retagged, then Views' replacement takes a name in use: the update fails.
    after = {
        "Clicks": dataset(tags={"stage": "two"}),
        "Views": dataset("clicks", role=OTHER_ROLE, DependsOn="Clicks"),
    }
    result = cloud.deploy(template(tmp_path, after, "b"))
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert get(cloud, arn)["tags"] == {"stage": "one"}
    assert [op.request_type for op in result.operations] == ["Update", "Update", "Update"]


def test_destroy_deletes_the_dataset(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    arn = cloud.deploy(template(tmp_path, {"Clicks": dataset()})).outputs["Ref"]
    result = cloud.destroy(STACK)
    assert result.status == "DELETE_COMPLETE", result.reason
    assert calls(cloud)[-1] == "DeleteTrainingDataset"
    assert not exists(cloud, arn)
    assert cloud.store.load_stack(STACK) is None


def test_one_removed_from_the_template_is_deleted(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    both = {"Clicks": dataset(), "Views": dataset("views")}
    first = cloud.deploy(template(tmp_path, both, "a"))
    views = first.resources["Views"].physical_id
    result = cloud.deploy(template(tmp_path, {"Clicks": dataset()}, "b"))
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert not exists(cloud, views)
    assert exists(cloud, result.outputs["Ref"])


def test_deletion_policy_retain_keeps_the_dataset(make_cloud: CloudFactory, tmp_path: Path) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    kept = dataset(DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    arn = cloud.deploy(template(tmp_path, {"Clicks": kept}, "a")).outputs["Ref"]
    # A replacement keeps the old one (UpdateReplacePolicy), a destroy the new one.
    renamed = {"Clicks": {**kept, "Properties": {**kept["Properties"], "Name": "clicks-v2"}}}
    new = cloud.deploy(template(tmp_path, renamed, "b")).outputs["Ref"]
    result = cloud.destroy(STACK)
    assert result.status == "DELETE_COMPLETE", result.reason
    assert exists(cloud, arn) and exists(cloud, new)
    assert "DeleteTrainingDataset" not in calls(cloud)
    skipped = [e.reason for e in progress if e.status == "DELETE_SKIPPED"]
    assert skipped == [
        "kept by its UpdateReplacePolicy Retain",
        "kept by its DeletionPolicy Retain",
    ]


def test_a_later_run_updates_and_destroys_what_an_earlier_run_made(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    first = make_cloud()
    created = first.deploy(template(tmp_path, {"Clicks": dataset(tags={"a": "1"})}, "a"))
    arn = created.outputs["Ref"]
    first.close()
    second = make_cloud()
    result = second.deploy(template(tmp_path, {"Clicks": dataset(tags={"a": "2"})}, "b"))
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert result.outputs == {"Ref": arn, "Arn": arn, "Status": "ACTIVE"}
    assert get(second, arn)["tags"] == {"a": "2"}
    second.close()
    third = make_cloud()
    assert third.destroy(STACK).status == "DELETE_COMPLETE"
    assert not exists(third, arn)
