"""CloudFormation rules the driver enforces, against small misbehaving providers."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions
from cdk_cleanrooms_ml.local.cloudformation.exceptions import TemplateError
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import EVERY_TYPE, write_assembly

pytestmark = pytest.mark.slow

# A provider without crhelper that answers (or not) as its Mode property says.
PROVIDER = """
import http.client, json, ssl, time
from urllib.parse import urlsplit

def _send(event, status, physical_id, reason="", data=None):
    body = json.dumps({
        "Status": status, "Reason": reason, "PhysicalResourceId": physical_id,
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"], "Data": data or {},
    })
    url = urlsplit(event["ResponseURL"])
    connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
    connection.request("PUT", url.path + "?" + url.query, body=body, headers={"content-type": ""})
    connection.getresponse()

def handler(event, context):
    mode = event["ResourceProperties"].get("Mode")
    if mode == "stubborn":
        _send(event, "FAILED", event.get("PhysicalResourceId", "stubborn-id"), reason="nope")
    elif event["RequestType"] == "Delete":
        _send(event, "SUCCESS", event["PhysicalResourceId"])
    elif mode == "silent":
        time.sleep(60)
    elif mode == "crash":
        raise RuntimeError("boom")
    elif mode == "empty-id":
        _send(event, "SUCCESS", "")
    elif mode == "huge":
        _send(event, "SUCCESS", "id", data={"Blob": "x" * 5000})
    else:
        _send(event, "SUCCESS", "id-" + mode, data={"Status": "ACTIVE"})
"""


def app_with(tmp_path: Path, mode: str, **extra: Any) -> Path:
    asset = tmp_path / "provider-src"
    (asset / "cleanrooms_ml_provider").mkdir(parents=True, exist_ok=True)
    (asset / "cleanrooms_ml_provider" / "__init__.py").write_text("")
    (asset / "cleanrooms_ml_provider" / "index.py").write_text(textwrap.dedent(PROVIDER))
    props = {"ServiceToken": {"Fn::GetAtt": ["ProviderFunction", "Arn"]}, "Mode": mode, **extra}
    return write_assembly(
        tmp_path / f"cdk.out.{mode}",
        "Misc",
        {"Res": {"Type": RESOURCE_TYPE, "Properties": props}},
        asset_source=asset,
    )


def test_driver_waits_at_most_service_timeout(tmp_path: Path, make_cloud: CloudFactory) -> None:
    cloud = make_cloud(options=DriverOptions(no_response_grace=30))
    started = time.monotonic()
    result = cloud.deploy(load_stack(app_with(tmp_path, "silent", ServiceTimeout=2)))
    took = time.monotonic() - started
    assert result.status == "ROLLBACK_COMPLETE"
    create = result.operations[0]
    assert "no response from the custom resource within ServiceTimeout (2 s)" in create.reason
    assert create.elapsed < 4
    assert took < 20
    # The rollback Delete still goes to the provider, with a generated physical id.
    assert result.operations[1].request_type == "Delete"
    assert result.operations[1].status == "SUCCESS"


def test_a_handler_that_crashes_is_reported_without_waiting_an_hour(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app_with(tmp_path, "crash")))
    create = result.operations[0]
    assert create.status == "FAILED"
    assert "ended without sending a response" in create.reason
    assert "RuntimeError: boom" in create.reason
    assert create.elapsed < 15


@pytest.mark.parametrize(
    ("mode", "problem"),
    [("empty-id", "PhysicalResourceId is missing or empty"), ("huge", "at most 4096 allowed")],
)
def test_invalid_responses_fail_the_resource(
    tmp_path: Path, make_cloud: CloudFactory, mode: str, problem: str
) -> None:
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app_with(tmp_path, mode)))
    assert result.status == "ROLLBACK_COMPLETE"
    assert problem in result.operations[0].reason


def test_a_stack_whose_creation_rolled_back_must_be_destroyed_first(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # As CloudFormation: ROLLBACK_COMPLETE keeps the stack, empty, until it is deleted.
    cloud = make_cloud()
    failed = cloud.deploy(load_stack(app_with(tmp_path, "crash")))
    assert failed.status == "ROLLBACK_COMPLETE"
    with pytest.raises(TemplateError, match="is in ROLLBACK_COMPLETE state and can only be"):
        cloud.deploy(load_stack(app_with(tmp_path, "ok")))
    destroyed = cloud.destroy("Misc")
    assert destroyed.status == "DELETE_COMPLETE"
    assert destroyed.operations == []  # the rollback deleted everything already
    assert cloud.deploy(load_stack(app_with(tmp_path, "ok"))).status == "CREATE_COMPLETE"


def test_bad_service_timeout_is_refused_before_invoking(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app_with(tmp_path, "ok", ServiceTimeout=3601)))
    assert result.status == "ROLLBACK_COMPLETE"
    assert "ServiceTimeout must be between 1 and 3600" in result.operations[0].reason
    assert cloud.emulator.invocations == []


def test_changing_the_service_token_is_refused(tmp_path: Path, make_cloud: CloudFactory) -> None:
    cloud = make_cloud()
    app = app_with(tmp_path, "ok")
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    stack = load_stack(app)
    stack.resources["Res"]["Properties"]["ServiceToken"] = (
        "arn:aws:lambda:us-east-1:111122223333:function:x"
    )
    stack.resources["Res"]["Properties"]["Mode"] = "ok2"
    result = cloud.deploy(stack)
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.reason == "Modifying service token is not allowed."


def test_a_stack_without_our_resources_is_refused(tmp_path: Path, make_cloud: CloudFactory) -> None:
    cloud = make_cloud()
    app = write_assembly(tmp_path / "cdk.out", "Empty", {})
    with pytest.raises(TemplateError, match=f"has no {EVERY_TYPE} resources"):
        cloud.deploy(load_stack(app))
    with pytest.raises(TemplateError, match="not deployed locally"):
        cloud.destroy("Empty")


def test_a_failed_rollback_leaves_a_stack_that_can_only_be_destroyed(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = make_cloud()
    app = app_with(tmp_path, "stubborn")
    result = cloud.deploy(load_stack(app))
    assert result.status == "ROLLBACK_FAILED"
    assert [(op.request_type, op.status) for op in result.operations] == [
        ("Create", "FAILED"),
        ("Delete", "FAILED"),
    ]
    assert result.operations[1].event["PhysicalResourceId"] == "stubborn-id"
    with pytest.raises(TemplateError, match="ROLLBACK_FAILED state and can only be destroyed"):
        cloud.deploy(load_stack(app))
    destroyed = cloud.destroy("Misc")
    assert destroyed.status == "DELETE_FAILED"
    state = cloud.store.load_stack("Misc")
    assert state is not None
    assert list(state.resources) == ["Res"]
