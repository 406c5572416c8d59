"""The whole custom-resource lifecycle through the driver, the real handler asset and the endpoint.

Every test runs the provider from a synthesized-style asset directory in an isolated runtime
process, answers through the HTTPS ResponseURL, and asserts the endpoint's state (which exports
exist, their sizes) and the responses CloudFormation would have received.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import StackResult
from cdk_cleanrooms_ml.local.cloudformation.protocol import Operation
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import (
    JOB_ARN,
    assert_rolled_back_empty,
    export_properties,
    exports_of,
    write_assembly,
)

pytestmark = pytest.mark.slow

STACK = "Demo"
SIZE_PARAMETERS = {
    "Size": {"Type": "Number", "Default": 20},
    "Timeout": {"Type": "Number", "Default": 600},
}
OUTPUTS = {
    "Status": {"Value": {"Fn::GetAtt": ["Q4Lookalikes", "Status"]}},
    "OutputLocation": {"Value": {"Fn::GetAtt": ["Q4Lookalikes", "OutputLocation"]}},
}


def single_export_app(tmp_path: Path, *, name: str | None = "q4-lookalikes", **kwargs: Any) -> Path:
    props = export_properties(
        name=name,
        size_value={"Ref": "Size"},
        extra={"ServiceTimeout": {"Ref": "Timeout"}},
        **kwargs,
    )
    return write_assembly(
        tmp_path / "cdk.out",
        STACK,
        {"Q4Lookalikes": {"Type": RESOURCE_TYPE, "Properties": props}},
        parameters=SIZE_PARAMETERS,
        outputs=OUTPUTS,
    )


def only(operations: list[Operation], request_type: str) -> Operation:
    matching = [op for op in operations if op.request_type == request_type]
    assert len(matching) == 1, [(op.request_type, op.status, op.reason) for op in operations]
    return matching[0]


def sizes(cloud: LocalCloud) -> list[tuple[str, int, str]]:
    return [
        (e["name"], e["audienceSize"]["value"], e["status"]) for e in exports_of(cloud.endpoint)
    ]


def starts(cloud: LocalCloud) -> int:
    return sum(1 for c in cloud.endpoint.calls_to("StartAudienceExportJob") if c.status == 200)


def assert_clean_responses(result: StackResult) -> None:
    for op in result.operations:
        assert op.response is not None, op.reason
        assert op.response.problems == []
        # Exactly one answer per request, however many invocations it took.
        assert len(op.invocations) >= 1


def test_create_update_noop_and_destroy(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    assert_clean_responses(created)
    create = only(created.operations, "Create")
    # What the handler received: CloudFormation's shape, every property a string.
    event = create.event
    assert set(event) == {
        "RequestType",
        "ServiceToken",
        "ResponseURL",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "ResourceType",
        "ResourceProperties",
    }
    assert event["ResourceProperties"]["AudienceSize"] == {"Type": "PERCENTAGE", "Value": "20"}
    assert event["ResourceProperties"]["ServiceTimeout"] == "600"
    assert event["ResponseURL"].startswith("https://127.0.0.1:")
    assert create.response is not None
    assert create.response.status == "SUCCESS"
    assert create.physical_id == f"{JOB_ARN}/export/q4-lookalikes"
    assert create.data["Status"] == "ACTIVE"
    assert create.data["AudienceSizeValue"] == "20"
    assert created.outputs == {
        "Status": "ACTIVE",
        "OutputLocation": create.data["OutputLocation"],
    }
    assert created.outputs["OutputLocation"].startswith("s3://")
    assert sizes(cloud) == [("q4-lookalikes", 20, "ACTIVE")]
    assert starts(cloud) == 1
    # The presigned ResponseURL never reaches a log line.
    signature = event["ResponseURL"].split("X-Amz-Signature=")[1]
    for invocation in create.invocations:
        assert invocation.result is not None
        assert signature not in invocation.result.log

    # Same template again: CloudFormation sends nothing.
    again = cloud.deploy(load_stack(app))
    assert again.status == "NO_CHANGES"
    assert again.operations == []

    # A change that does not touch the export (ServiceTimeout): an Update, no write call,
    # the same physical id and the same attributes.
    lists = len(cloud.endpoint.calls_to("ListAudienceExportJobs"))
    noop = cloud.deploy(load_stack(app), {"Timeout": "900"})
    assert noop.status == "UPDATE_COMPLETE", noop.reason
    # As the README says: nothing started, the export listed once for its attributes.
    assert len(cloud.endpoint.calls_to("ListAudienceExportJobs")) == lists + 1
    update = only(noop.operations, "Update")
    assert update.event["OldResourceProperties"]["ServiceTimeout"] == "600"
    assert update.event["PhysicalResourceId"] == create.physical_id
    assert update.physical_id == create.physical_id
    assert update.data == create.data
    assert noop.outputs == created.outputs
    assert starts(cloud) == 1
    assert not noop.operations_of("Delete")

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE"
    delete = only(destroyed.operations, "Delete")
    assert delete.event["PhysicalResourceId"] == create.physical_id
    assert delete.status == "SUCCESS"
    assert delete.elapsed < 5
    # No delete API exists: the export stays in Clean Rooms ML.
    assert sizes(cloud) == [("q4-lookalikes", 20, "ACTIVE")]
    assert cloud.store.load_stack(STACK) is None


def test_state_carries_over_to_the_next_run(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path)
    first = make_cloud()
    assert first.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    first.close()
    # A new process: the stack and the endpoint's exports come from the state directory.
    second = make_cloud()
    assert sizes(second) == [("q4-lookalikes", 20, "ACTIVE")]
    assert second.deploy(load_stack(app)).status == "NO_CHANGES"
    assert second.destroy(STACK).status == "DELETE_COMPLETE"


def test_replacement_update_with_a_generated_name(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path, name=None)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE", created.reason
    old_id = only(created.operations, "Create").physical_id

    replaced = cloud.deploy(load_stack(app), {"Size": "10"})
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    assert [op.request_type for op in replaced.operations] == ["Update", "Delete"]
    update, delete = replaced.operations
    assert update.physical_id != old_id
    assert update.data["AudienceSizeValue"] == "10"
    # CloudFormation deletes the old resource after the update, with its old properties.
    assert delete.event["PhysicalResourceId"] == old_id
    assert delete.event["ResourceProperties"]["AudienceSize"]["Value"] == "20"
    assert delete.status == "SUCCESS"
    names = [name for name, _, _ in sizes(cloud)]
    assert len(set(names)) == 2
    assert [(size, status) for _, size, status in sizes(cloud)] == [(20, "ACTIVE"), (10, "ACTIVE")]
    assert all(name.startswith("Demo-Q4Lookalikes-") for name in names)


def test_custom_name_conflict_fails_the_update_and_rolls_back(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    assert created.status == "CREATE_COMPLETE"

    result = cloud.deploy(load_stack(app), {"Size": "10"})
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    failed, rollback = result.operations
    assert (failed.request_type, failed.status) == ("Update", "FAILED")
    assert "q4-lookalikes" in failed.reason
    assert "name" in failed.reason.lower()
    # The rollback is an Update back to the old properties, which succeeds.
    assert rollback.request_type == "Update"
    assert rollback.event["ResourceProperties"]["AudienceSize"]["Value"] == "20"
    assert rollback.event["OldResourceProperties"]["AudienceSize"]["Value"] == "10"
    assert rollback.status == "SUCCESS"
    assert sizes(cloud) == [("q4-lookalikes", 20, "ACTIVE")]
    assert starts(cloud) == 1
    state = cloud.store.load_stack(STACK)
    assert state is not None
    assert state.resources["Q4Lookalikes"].properties["AudienceSize"]["Value"] == "20"


def test_failed_create_rolls_back_with_a_delete(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app), {"Size": "25"})
    assert result.status == "ROLLBACK_COMPLETE"
    create = only(result.operations, "Create")
    assert create.status == "FAILED"
    assert "PERCENTAGE 25 is not offered" in create.reason
    assert create.response is not None
    assert create.response.problems == []
    delete = only(result.operations, "Delete")
    assert delete.event["PhysicalResourceId"] == create.physical_id
    assert delete.status == "SUCCESS"
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []
    assert_rolled_back_empty(cloud, STACK)


def test_export_that_ends_create_failed(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    cloud.endpoint.faults.fail_export(status_code="INSUFFICIENT_DATA", message="seed too small")
    result = cloud.deploy(load_stack(app))
    assert result.status == "ROLLBACK_COMPLETE"
    create = only(result.operations, "Create")
    assert create.status == "FAILED"
    assert "seed too small" in create.reason
    assert only(result.operations, "Delete").status == "SUCCESS"
    assert sizes(cloud) == [("q4-lookalikes", 20, "CREATE_FAILED")]


def test_throttling_is_absorbed(tmp_path: Path, make_cloud: CloudFactory) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    cloud.endpoint.faults.throttle(2)
    cloud.endpoint.faults.server_error(1, operation="StartAudienceExportJob")
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    statuses = [call.status for call in cloud.endpoint.calls]
    assert statuses.count(429) == 2
    assert statuses.count(500) == 1
    assert sizes(cloud) == [("q4-lookalikes", 20, "ACTIVE")]


def test_generation_job_still_in_progress_is_waited_for(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    cloud.endpoint.faults.generation_job_in_progress(JOB_ARN, seconds=2.5)
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    gets = cloud.endpoint.calls_to("GetAudienceGenerationJob")
    assert len(gets) >= 2
    [start] = cloud.endpoint.calls_to("StartAudienceExportJob")
    ready = cloud.endpoint.backend.generation_jobs[JOB_ARN].ready_at
    assert ready is not None
    assert start.at >= ready


def test_a_retried_create_adopts_instead_of_duplicating(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app))
    first = only(created.operations, "Create")
    function = cloud.emulator.function(first.event["ServiceToken"])
    assert function is not None
    # Lambda retried the same invocation: the very same event arrives again.
    retried = cloud.driver.send_event(function, first.event)
    assert retried.status == "SUCCESS", retried.reason
    assert retried.physical_id == first.physical_id
    assert retried.data == first.data
    assert starts(cloud) == 1
    assert len(cloud.responses.recorder.for_request(first.event["RequestId"])) == 2
    assert sizes(cloud) == [("q4-lookalikes", 20, "ACTIVE")]


def test_the_handler_deadline_follows_service_timeout(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = single_export_app(tmp_path)
    cloud = make_cloud(durations=ExportDurations(pending=1, in_progress=600))
    # The handler gives up early (a tenth of ServiceTimeout, at most 10 s), so its own reason
    # reaches the stack before the driver stops waiting at ServiceTimeout: 20 s leaves it 2 s
    # for the runtime's start and the last poll.
    result = cloud.deploy(load_stack(app), {"Timeout": "20"})
    assert result.status == "ROLLBACK_COMPLETE"
    create = only(result.operations, "Create")
    assert create.response is not None, create.reason
    assert "timed out after 18 s waiting for export q4-lookalikes" in create.reason
    assert 17 < create.elapsed < 20


def test_exports_referring_to_each_other_deploy_in_dependency_order(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    second = export_properties(
        name="second",
        size_value=10,
        description={"Fn::Sub": "after ${First.Name} (${First.Status})"},
    )
    app = write_assembly(
        tmp_path / "cdk.out",
        STACK,
        {
            "Second": {"Type": RESOURCE_TYPE, "Properties": second},
            "First": {"Type": RESOURCE_TYPE, "Properties": export_properties(name="first")},
        },
    )
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert [op.logical_id for op in result.operations] == ["First", "Second"]
    [_, described] = exports_of(cloud.endpoint)
    assert described["description"] == "after first (ACTIVE)"
    destroyed = cloud.destroy(STACK)
    assert [op.logical_id for op in destroyed.operations] == ["Second", "First"]
