"""DeletionPolicy and UpdateReplacePolicy in the local driver: a kept resource gets no Delete.

A small provider (no crhelper) answers every request and names the physical id after its Mode
property, so changing Mode is a replacement; every event it receives is visible in the emulator.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import ProgressEvent, StackResult
from cdk_cleanrooms_ml.local.cloudformation.exceptions import TemplateError
from cdk_cleanrooms_ml.local.cloudformation.policies import Removal, retained_by
from cdk_cleanrooms_ml.local.cloudformation.stacks import ResourceState
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import assert_rolled_back_empty, write_assembly

STACK = "Kept"

PROVIDER = """
import http.client, json, ssl
from urllib.parse import urlsplit

def _send(event, status, physical_id, reason=""):
    body = json.dumps({
        "Status": status, "Reason": reason, "PhysicalResourceId": physical_id,
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"], "Data": {},
    })
    url = urlsplit(event["ResponseURL"])
    connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
    connection.request("PUT", url.path + "?" + url.query, body=body, headers={"content-type": ""})
    connection.getresponse()

def handler(event, context):
    mode = event["ResourceProperties"]["Mode"]
    if event["RequestType"] == "Delete":
        _send(event, "SUCCESS", event["PhysicalResourceId"])
    elif mode == "fail":
        _send(event, "FAILED", "failed-" + event["LogicalResourceId"], reason="refused")
    else:
        _send(event, "SUCCESS", event["LogicalResourceId"] + "-" + mode)
"""


def resource(mode: str = "a", **attributes: Any) -> dict[str, Any]:
    props = {"ServiceToken": {"Fn::GetAtt": ["ProviderFunction", "Arn"]}, "Mode": mode}
    return {"Type": RESOURCE_TYPE, "Properties": props, **attributes}


def app(tmp_path: Path, resources: dict[str, Any], name: str = "cdk.out") -> Path:
    asset = tmp_path / "provider-src" / "cleanrooms_ml_provider"
    if not asset.exists():
        asset.mkdir(parents=True)
        (asset / "__init__.py").write_text("")
        (asset / "index.py").write_text(textwrap.dedent(PROVIDER))
    return write_assembly(tmp_path / name, STACK, resources, asset_source=asset.parent)


def deletes_received(cloud: LocalCloud) -> list[str]:
    """Physical ids of the Delete events the provider was invoked with."""
    return [
        str(inv.event["PhysicalResourceId"])
        for inv in cloud.emulator.invocations
        if isinstance(inv.event, dict) and inv.event.get("RequestType") == "Delete"
    ]


def skipped(progress: list[ProgressEvent]) -> list[tuple[str, str]]:
    return [(e.logical_id, e.reason) for e in progress if e.status == "DELETE_SKIPPED"]


def requests(result: StackResult) -> list[tuple[str, str]]:
    return [(op.request_type, op.logical_id) for op in result.operations]


@pytest.mark.parametrize(
    ("deletion", "update_replace", "removal", "kept_by"),
    [
        ("Retain", "", Removal.DELETED, "DeletionPolicy Retain"),
        ("Retain", "", Removal.ROLLED_BACK, "DeletionPolicy Retain"),
        ("RetainExceptOnCreate", "", Removal.DELETED, "DeletionPolicy RetainExceptOnCreate"),
        ("RetainExceptOnCreate", "", Removal.ROLLED_BACK, None),
        ("Snapshot", "", Removal.DELETED, None),
        ("", "", Removal.DELETED, None),
        # Each policy applies to its own removal only.
        ("Retain", "", Removal.REPLACED, None),
        ("", "Retain", Removal.REPLACED, "UpdateReplacePolicy Retain"),
        ("", "Retain", Removal.DELETED, None),
    ],
)
def test_which_removals_a_policy_keeps(
    deletion: str, update_replace: str, removal: Removal, kept_by: str | None
) -> None:
    state = ResourceState("R", RESOURCE_TYPE, "id", {}, {}, "", deletion, update_replace)
    assert retained_by(state, removal) == kept_by


@pytest.mark.slow
def test_stack_deletion_skips_a_retained_resource(tmp_path: Path, make_cloud: CloudFactory) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    resources = {
        "Kept": resource(DeletionPolicy="Retain"),
        "KeptToo": resource(DeletionPolicy="RetainExceptOnCreate", DependsOn="Kept"),
        "Gone": resource(DeletionPolicy="Delete", DependsOn="KeptToo"),
    }
    created = cloud.deploy(load_stack(app(tmp_path, resources)))
    assert created.status == "CREATE_COMPLETE", created.reason
    state = cloud.store.load_stack(STACK)
    assert state is not None
    assert state.resources["Kept"].deletion_policy == "Retain"

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    assert requests(destroyed) == [("Delete", "Gone")]
    assert deletes_received(cloud) == ["Gone-a"]
    assert skipped(progress) == [
        ("KeptToo", "kept by its DeletionPolicy RetainExceptOnCreate"),
        ("Kept", "kept by its DeletionPolicy Retain"),
    ]
    # Retained resources leave the stack: nothing of it is left to destroy.
    assert cloud.store.load_stack(STACK) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("policy", "deleted"),
    [
        ("Retain", ["Failing"]),
        # RetainExceptOnCreate keeps nothing the failed run made.
        ("RetainExceptOnCreate", ["Failing", "Made"]),
    ],
)
def test_rollback_of_a_create_keeps_only_retain(
    tmp_path: Path, make_cloud: CloudFactory, policy: str, deleted: list[str]
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    resources = {
        "Made": resource(DeletionPolicy=policy),
        "Failing": resource("fail", DependsOn="Made"),
    }
    result = cloud.deploy(load_stack(app(tmp_path, resources)))
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == "refused"
    assert requests(result) == [
        ("Create", "Made"),
        ("Create", "Failing"),
        *[("Delete", logical_id) for logical_id in deleted],
    ]
    assert [lid for lid, _ in skipped(progress)] == ([] if "Made" in deleted else ["Made"])
    assert_rolled_back_empty(cloud, STACK)


@pytest.mark.slow
def test_a_retained_resource_whose_create_failed_gets_no_delete(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    result = cloud.deploy(
        load_stack(app(tmp_path, {"Failing": resource("fail", DeletionPolicy="Retain")}))
    )
    assert result.status == "ROLLBACK_COMPLETE"
    assert requests(result) == [("Create", "Failing")]
    assert deletes_received(cloud) == []
    assert skipped(progress) == [("Failing", "kept by its DeletionPolicy Retain")]


@pytest.mark.slow
@pytest.mark.parametrize(("policy", "deleted"), [("Retain", []), ("Delete", ["Res-a"])])
def test_update_replace_policy_decides_the_old_resource(
    tmp_path: Path, make_cloud: CloudFactory, policy: str, deleted: list[str]
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    first = app(tmp_path, {"Res": resource("a")}, "v1")
    assert cloud.deploy(load_stack(first)).status == "CREATE_COMPLETE"
    # The template being deployed carries the policy that applies to the old resource.
    second = app(tmp_path, {"Res": resource("b", UpdateReplacePolicy=policy)}, "v2")
    replaced = cloud.deploy(load_stack(second))
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    assert replaced.resources["Res"].physical_id == "Res-b"
    assert deletes_received(cloud) == deleted
    assert requests(replaced) == [("Update", "Res"), *[("Delete", "Res") for _ in deleted]]
    if not deleted:
        assert skipped(progress) == [("Res", "kept by its UpdateReplacePolicy Retain")]


@pytest.mark.slow
def test_a_resource_removed_from_the_template_is_kept_by_its_deletion_policy(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    both = {"Stays": resource(), "Leaves": resource(DeletionPolicy="RetainExceptOnCreate")}
    assert cloud.deploy(load_stack(app(tmp_path, both, "v1"))).status == "CREATE_COMPLETE"
    result = cloud.deploy(load_stack(app(tmp_path, {"Stays": resource()}, "v2")))
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert result.operations == []
    assert skipped(progress) == [("Leaves", "kept by its DeletionPolicy RetainExceptOnCreate")]
    state = cloud.store.load_stack(STACK)
    assert state is not None
    assert "Leaves" not in state.resources


@pytest.mark.slow
def test_a_policy_added_later_is_recorded_without_a_handler_call(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    assert cloud.deploy(load_stack(app(tmp_path, {"Res": resource()}, "v1"))).status == (
        "CREATE_COMPLETE"
    )
    retained = app(tmp_path, {"Res": resource(DeletionPolicy="Retain")}, "v2")
    result = cloud.deploy(load_stack(retained))
    assert result.status == "UPDATE_COMPLETE"
    assert result.operations == []
    assert cloud.deploy(load_stack(retained)).status == "NO_CHANGES"
    destroyed = cloud.destroy(STACK)
    assert destroyed.operations == []
    assert deletes_received(cloud) == []
    assert skipped(progress) == [("Res", "kept by its DeletionPolicy Retain")]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("attributes", "needle"),
    [
        ({"DeletionPolicy": "Keep"}, "Res: DeletionPolicy 'Keep' is not one of Delete, Retain"),
        (
            {"UpdateReplacePolicy": "RetainExceptOnCreate"},
            "UpdateReplacePolicy 'RetainExceptOnCreate' is not one of Delete, Retain, Snapshot",
        ),
    ],
)
def test_an_unknown_policy_is_refused_before_anything_runs(
    tmp_path: Path, make_cloud: CloudFactory, attributes: dict[str, str], needle: str
) -> None:
    cloud = make_cloud()
    with pytest.raises(TemplateError, match=needle):
        cloud.deploy(load_stack(app(tmp_path, {"Res": resource(**attributes)})))
    assert cloud.emulator.invocations == []
