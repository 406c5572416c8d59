"""A generation job and an export of it, through the driver, the real handler asset and the
endpoint: raw templates of the resource's properties (strings, as CloudFormation sends them).

Each test asserts what the endpoint holds afterwards (which jobs exist, their status and tags,
the exports of each) as well as what CloudFormation would have been told.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import ProgressEvent, StackResult
from cdk_cleanrooms_ml.local.cloudformation.protocol import Operation
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.generation_support import (
    JOB_ARN_PREFIX,
    MODEL,
    OFFERED,
    SEED_ROLE,
    SEED_URI,
    generation_starts,
    started_jobs,
)
from tests.local.support import assert_rolled_back_empty, exports_of, write_assembly

pytestmark = pytest.mark.slow

STACK = "Lookalikes"
NAME = "q4-lookalikes"
PARAMETERS = {
    "Description": {"Type": "String", "Default": "first"},
    "Team": {"Type": "String", "Default": "ads"},
    "JobTimeout": {"Type": "Number", "Default": 600},
}
OUTPUTS = {
    "JobArn": {"Value": {"Fn::GetAtt": ["Job", "AudienceGenerationJobArn"]}},
    "JobName": {"Value": {"Fn::GetAtt": ["Job", "Name"]}},
    "JobStatus": {"Value": {"Fn::GetAtt": ["Job", "Status"]}},
    "OfferedSizes": {"Value": {"Fn::GetAtt": ["Job", "OfferedSizes"]}},
    "ExportStatus": {"Value": {"Fn::GetAtt": ["Export", "Status"]}},
}
TOKEN = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}


def job_properties(name: str | None = NAME) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ServiceToken": TOKEN,
        "ServiceTimeout": {"Ref": "JobTimeout"},
        "ConfiguredAudienceModelArn": MODEL,
        "SeedAudience": {"RoleArn": SEED_ROLE, "DataSource": {"S3Uri": SEED_URI}},
        "Description": {"Ref": "Description"},
        "Tags": [{"Key": "team", "Value": {"Ref": "Team"}}],
    }
    if name is not None:
        props["Name"] = name
    return props


def export_properties() -> dict[str, Any]:
    return {
        "ServiceToken": TOKEN,
        "AudienceGenerationJobArn": {"Fn::GetAtt": ["Job", "AudienceGenerationJobArn"]},
        "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
        "Name": "q4-export",
        "ServiceTimeout": 600,
    }


def job_app(tmp_path: Path, *, name: str | None = NAME, **job_attributes: Any) -> Path:
    """A job and an export of it, with the provider function beside them."""
    return write_assembly(
        tmp_path / "cdk.out",
        STACK,
        {
            "Job": {
                "Type": GENERATION_JOB_RESOURCE_TYPE,
                "Properties": job_properties(name),
                **job_attributes,
            },
            "Export": {"Type": RESOURCE_TYPE, "Properties": export_properties()},
        },
        parameters=PARAMETERS,
        outputs=OUTPUTS,
    )


def only(operations: list[Operation], request_type: str, logical_id: str) -> Operation:
    matching = [
        op for op in operations if (op.request_type, op.logical_id) == (request_type, logical_id)
    ]
    assert len(matching) == 1, [(op.request_type, op.logical_id, op.reason) for op in operations]
    return matching[0]


def requests(result: StackResult) -> list[tuple[str, str, str]]:
    return [(op.request_type, op.logical_id, op.status) for op in result.operations]


def export_names(cloud: LocalCloud, job_arn: str) -> list[tuple[str, str]]:
    return [(str(e["name"]), str(e["status"])) for e in exports_of(cloud.endpoint, job_arn)]


def client(cloud: LocalCloud) -> Any:
    return boto3.client(
        "cleanroomsml",
        endpoint_url=cloud.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_create_noop_tags_in_place_and_delete(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    assert [(r, lid) for r, lid, _ in requests(created)] == [
        ("Create", "Job"),
        ("Create", "Export"),
    ]
    create = only(created.operations, "Create", "Job")
    assert create.event["ResourceProperties"]["ServiceTimeout"] == "600"
    assert create.event["ResourceProperties"]["Tags"] == [{"Key": "team", "Value": "ads"}]
    [job] = started_jobs(cloud)
    assert job.arn.startswith(JOB_ARN_PREFIX)
    assert (job.name, job.status, job.tags, job.description) == (
        NAME,
        "ACTIVE",
        {"team": "ads"},
        "first",
    )
    assert create.physical_id == job.arn
    assert create.data == {
        "AudienceGenerationJobArn": job.arn,
        "Name": NAME,
        "Status": "ACTIVE",
        "OfferedSizes": OFFERED,
        "ProtectedQueryIdentifier": "",
    }
    assert created.outputs == {
        "JobArn": job.arn,
        "JobName": NAME,
        "JobStatus": "ACTIVE",
        "OfferedSizes": OFFERED,
        "ExportStatus": "ACTIVE",
    }
    assert export_names(cloud, job.arn) == [("q4-export", "ACTIVE")]
    assert generation_starts(cloud) == 1

    # The same template again: CloudFormation sends nothing.
    again = cloud.deploy(load_stack(app))
    assert again.status == "NO_CHANGES"
    assert again.operations == []

    # A change that does not touch the job (ServiceTimeout): an Update, the same job.
    noop = cloud.deploy(load_stack(app), {"JobTimeout": "900"})
    assert noop.status == "UPDATE_COMPLETE", noop.reason
    update = only(noop.operations, "Update", "Job")
    assert update.physical_id == job.arn
    assert update.data == create.data
    # The export's properties did not change (same job ARN): it is not sent anything.
    assert [op.logical_id for op in noop.operations] == ["Job"]
    assert generation_starts(cloud) == 1

    # A changed tag: the same job, tagged in place.
    retagged = cloud.deploy(load_stack(app), {"Team": "growth"})
    assert retagged.status == "UPDATE_COMPLETE", retagged.reason
    assert only(retagged.operations, "Update", "Job").physical_id == job.arn
    assert [(j.arn, j.tags) for j in started_jobs(cloud)] == [(job.arn, {"team": "growth"})]
    assert generation_starts(cloud) == 1
    assert not retagged.operations_of("Delete")

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    # The export depends on the job: it goes first.
    assert requests(destroyed) == [("Delete", "Export", "SUCCESS"), ("Delete", "Job", "SUCCESS")]
    assert only(destroyed.operations, "Delete", "Job").event["PhysicalResourceId"] == job.arn
    # The job is gone, and its exports with it.
    assert started_jobs(cloud) == []
    assert exports_of(cloud.endpoint, job.arn) == []
    assert len(cloud.endpoint.calls_to("DeleteAudienceGenerationJob")) == 1
    assert cloud.store.load_stack(STACK) is None


def test_a_changed_setting_replaces_a_job_with_a_derived_name(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path, name=None)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    [old] = started_jobs(cloud)
    assert old.name.startswith(f"{STACK}-Job-")

    replaced = cloud.deploy(load_stack(app), {"Description": "second"})
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    [new] = started_jobs(cloud)
    assert new.arn != old.arn
    assert new.name.startswith(f"{STACK}-Job-")
    assert new.name != old.name
    assert (new.status, new.description) == ("ACTIVE", "second")
    assert replaced.outputs["JobArn"] == new.arn
    # The export follows the new job; then the old export and the old job are deleted.
    assert requests(replaced) == [
        ("Update", "Job", "SUCCESS"),
        ("Update", "Export", "SUCCESS"),
        ("Delete", "Export", "SUCCESS"),
        ("Delete", "Job", "SUCCESS"),
    ]
    old_delete = only(replaced.operations, "Delete", "Job")
    assert old_delete.event["PhysicalResourceId"] == old.arn
    assert old_delete.event["ResourceProperties"]["Description"] == "first"
    assert export_names(cloud, new.arn) == [("q4-export", "ACTIVE")]
    assert exports_of(cloud.endpoint, old.arn) == []
    assert generation_starts(cloud) == 2


def test_a_changed_setting_of_a_custom_named_job_fails_and_rolls_back(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    [job] = started_jobs(cloud)

    result = cloud.deploy(load_stack(app), {"Description": "second"})
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.reason.startswith(f"Name: cannot change audience generation job {NAME}")
    assert "Description" in result.reason
    # The rollback is an Update back to the old properties, which succeeds.
    assert requests(result) == [("Update", "Job", "FAILED"), ("Update", "Job", "SUCCESS")]
    rollback = result.operations[1]
    assert rollback.event["ResourceProperties"]["Description"] == "first"
    assert rollback.physical_id == job.arn
    assert started_jobs(cloud) == [job]
    assert generation_starts(cloud) == 1
    state = cloud.store.load_stack(STACK)
    assert state is not None
    assert state.resources["Job"].properties["Description"] == "first"


def test_a_job_that_ends_create_failed_rolls_the_stack_back(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    cloud.endpoint.faults.fail_generation_job(
        status_code="INSUFFICIENT_SEED", message="the seed has too few matching ids"
    )
    result = cloud.deploy(load_stack(app))
    assert result.status == "ROLLBACK_COMPLETE"
    create = only(result.operations, "Create", "Job")
    assert create.status == "FAILED"
    assert "the seed has too few matching ids" in create.reason
    assert result.reason == create.reason
    # The FAILED answer carried the job's ARN: the rollback Delete removes the job.
    assert create.physical_id.startswith(JOB_ARN_PREFIX)
    delete = only(result.operations, "Delete", "Job")
    assert delete.event["PhysicalResourceId"] == create.physical_id
    assert delete.status == "SUCCESS"
    # The export was never created (it waits for the job), and no job is left behind.
    assert [op.logical_id for op in result.operations] == ["Job", "Job"]
    assert started_jobs(cloud) == []
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []
    assert_rolled_back_empty(cloud, STACK)


def test_a_retried_create_adopts_the_job_it_started(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    first = only(created.operations, "Create", "Job")
    function = cloud.emulator.function(first.event["ServiceToken"])
    assert function is not None
    # Lambda retried the same invocation: the very same event arrives again.
    retried = cloud.driver.send_event(function, first.event)
    assert retried.status == "SUCCESS", retried.reason
    assert retried.physical_id == first.physical_id
    assert retried.data == first.data
    assert generation_starts(cloud) == 1
    assert [j.arn for j in started_jobs(cloud)] == [first.physical_id]


def test_a_start_whose_answer_was_lost_is_not_started_twice(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    # Committed, then answered with a 500: the handler's next Start meets the name.
    cloud.endpoint.faults.lose_generation_answers(1)
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    statuses = [c.status for c in cloud.endpoint.calls_to("StartAudienceGenerationJob")]
    assert statuses[0] == 500
    assert 200 not in statuses
    [job] = started_jobs(cloud)
    assert only(created.operations, "Create", "Job").physical_id == job.arn
    assert export_names(cloud, job.arn) == [("q4-export", "ACTIVE")]


def test_a_job_of_that_name_started_elsewhere_is_refused_and_left_alone(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # Same name and settings, started outside the stack: adopting it would make the stack
    # delete a job it never started, so the create fails and the job is untouched.
    cloud = make_cloud()
    arn = client(cloud).start_audience_generation_job(
        name=NAME,
        configuredAudienceModelArn=MODEL,
        seedAudience={"roleArn": SEED_ROLE, "dataSource": {"s3Uri": SEED_URI}},
        description="first",
        tags={"team": "ads"},
    )["audienceGenerationJobArn"]
    refused = cloud.deploy(load_stack(job_app(tmp_path)))
    assert refused.status == "ROLLBACK_COMPLETE"
    assert refused.reason.startswith(f"Name: an audience generation job named {NAME} already")
    assert "started by another stack or resource" in refused.reason
    assert [j.arn for j in started_jobs(cloud)] == [arn]
    assert generation_starts(cloud) == 1  # the one started beforehand
    assert cloud.endpoint.calls_to("DeleteAudienceGenerationJob") == []
    # Its owner deletes it (once created; the endpoint takes seconds for each).
    for _ in range(100):
        if started_jobs(cloud)[0].status == "ACTIVE":
            break
        time.sleep(0.1)
    client(cloud).delete_audience_generation_job(audienceGenerationJobArn=arn)
    for _ in range(100):
        if not started_jobs(cloud):
            break
        time.sleep(0.1)

    # Another job of the name, with another seed: refused, nothing started, nothing deleted.
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"  # ROLLBACK_COMPLETE: delete first
    other = client(cloud).start_audience_generation_job(
        name=NAME,
        configuredAudienceModelArn=MODEL,
        seedAudience={"roleArn": SEED_ROLE, "dataSource": {"s3Uri": "s3://elsewhere/seed.jsonl"}},
        description="first",
    )["audienceGenerationJobArn"]
    refused = cloud.deploy(load_stack(job_app(tmp_path)))
    assert refused.status == "ROLLBACK_COMPLETE"
    assert refused.reason.startswith(f"Name: an audience generation job named {NAME} already")
    assert "SeedAudience" in refused.reason
    assert [j.arn for j in started_jobs(cloud)] == [other]
    assert generation_starts(cloud) == 2


def test_retain_keeps_the_job_when_the_stack_is_deleted(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    app = job_app(tmp_path, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    [job] = started_jobs(cloud)

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    # Only the export is sent a Delete; the job is not (CloudFormation retains it).
    assert requests(destroyed) == [("Delete", "Export", "SUCCESS")]
    assert [(e.logical_id, e.status) for e in progress if e.status == "DELETE_SKIPPED"] == [
        ("Job", "DELETE_SKIPPED")
    ]
    assert started_jobs(cloud) == [job]
    assert export_names(cloud, job.arn) == [("q4-export", "ACTIVE")]
    assert cloud.endpoint.calls_to("DeleteAudienceGenerationJob") == []
    assert cloud.store.load_stack(STACK) is None


def test_a_delete_that_fails_keeps_the_stack_with_the_reason(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = job_app(tmp_path)
    cloud = make_cloud()
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    [job] = started_jobs(cloud)
    cloud.endpoint.faults.fail_generation_job_delete(
        job_arn=job.arn, status_code="INTERNAL_ERROR", message="the job's data could not be removed"
    )
    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_FAILED"
    delete = only(destroyed.operations, "Delete", "Job")
    assert delete.status == "FAILED"
    assert "the job's data could not be removed" in delete.reason
    state = cloud.store.load_stack(STACK)
    assert state is not None
    assert list(state.resources) == ["Job"]
