"""``AWS::S3::Bucket`` made in the account's local S3 when the driver has one: created, renamed
(replaced), kept by its DeletionPolicy, refused by S3 (not empty, already there), and only
simulated without S3; bucket policies read back from the stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_template_file
from cdk_cleanrooms_ml.local.cloudformation.buckets import bucket_policies
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverServices, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.s3 import S3Backend
from tests.local.conftest import CloudFactory

STACK = "Buckets"
ACCOUNT = "111122223333"
REGION = "us-east-1"


def template(tmp_path: Path, **buckets: dict[str, Any]) -> Any:
    resources: dict[str, Any] = {
        logical_id: {"Type": "AWS::S3::Bucket", **definition}
        for logical_id, definition in buckets.items()
    }
    first = next(iter(buckets))
    resources["Policy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": first},
            "PolicyDocument": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": {"Fn::Sub": f"${{{first}.Arn}}/*"},
                    }
                ]
            },
        },
    }
    path = tmp_path / f"{STACK}-{len(list(tmp_path.glob('*.json')))}.json"
    path.write_text(json.dumps({"Resources": resources}))
    return load_template_file(path, stack_name=STACK)


@pytest.fixture
def s3(tmp_path: Path) -> S3Backend:
    return S3Backend(account=ACCOUNT, region=REGION, state_file=tmp_path / "s3.json")


@pytest.fixture
def progress() -> list[ProgressEvent]:
    return []


@pytest.fixture
def cloud(make_cloud: CloudFactory, s3: S3Backend, progress: list[ProgressEvent]) -> LocalCloud:
    return make_cloud(services=DriverServices(s3=s3), progress=progress)


def test_a_bucket_is_made_renamed_and_deleted(
    cloud: LocalCloud, s3: S3Backend, tmp_path: Path
) -> None:
    named = {"Properties": {"BucketName": "first-bucket"}}
    created = cloud.driver.deploy(template(tmp_path, Code=named, Logs={}), allow_simulated=True)
    assert created.status == "CREATE_COMPLETE", created.reason
    [generated] = [b for b in s3.bucket_names() if b != "first-bucket"]
    assert generated == generated.lower() and generated.startswith("buckets-logs-")
    policies = bucket_policies(cloud.store)
    assert policies["first-bucket"][0]["Resource"] == "arn:aws:s3:::first-bucket/*"

    renamed = {"Properties": {"BucketName": "second-bucket"}}
    updated = cloud.driver.deploy(template(tmp_path, Code=renamed, Logs={}), allow_simulated=True)
    assert updated.status == "UPDATE_COMPLETE", updated.reason
    assert s3.bucket_names() == sorted([generated, "second-bucket"])

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert s3.bucket_names() == []


def test_a_retained_bucket_stays_and_blocks_its_re_creation(
    cloud: LocalCloud, s3: S3Backend, tmp_path: Path, progress: list[ProgressEvent]
) -> None:
    kept = {"Properties": {"BucketName": "kept-bucket"}, "DeletionPolicy": "Retain"}
    stack = template(tmp_path, Code=kept)
    assert cloud.driver.deploy(stack, allow_simulated=True).status == "CREATE_COMPLETE"
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    skipped = [e for e in progress if e.status == "DELETE_SKIPPED"]
    assert [(e.logical_id, e.reason) for e in skipped] == [
        ("Code", "kept by its DeletionPolicy Retain")
    ]
    assert s3.bucket_names() == ["kept-bucket"]
    again = cloud.driver.deploy(stack, allow_simulated=True)
    assert again.status == "ROLLBACK_COMPLETE"
    assert "kept-bucket already exists" in again.reason
    assert str(s3.state_file) in again.reason


def test_s3_refuses_to_delete_a_bucket_that_holds_objects(
    cloud: LocalCloud, s3: S3Backend, tmp_path: Path
) -> None:
    stack = template(tmp_path, Code={"Properties": {"BucketName": "full-bucket"}})
    assert cloud.driver.deploy(stack, allow_simulated=True).status == "CREATE_COMPLETE"
    s3.put_object("full-bucket", "code.zip", tmp_path)
    refused = cloud.destroy(STACK)
    assert refused.status == "DELETE_FAILED"
    [operation] = refused.operations
    assert "BucketNotEmpty" in operation.reason
    s3.delete_object("full-bucket", "code.zip")
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"


def test_without_s3_buckets_are_only_simulated(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    stack = template(tmp_path, Code={"Properties": {"BucketName": "simulated"}})
    created = cloud.driver.deploy(stack, allow_simulated=True)
    assert created.status == "CREATE_COMPLETE"
    assert created.resources["Code"].physical_id == "simulated"
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
