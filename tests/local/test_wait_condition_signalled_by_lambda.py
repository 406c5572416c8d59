"""The contract's template shape, signalled by a Lambda provider sleeping on the fast clock.

A small provider (no crhelper) answers CloudFormation at once, sleeps three virtual hours and
PUTs SUCCESS to the handle it got as ``CompletionSignalUrl``; the export-like resource reads the
job through ``Fn::Select [0, [GetAtt Job.Arn, Ref Wait]]`` and so starts only after the wait.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from tests.local.conftest import CloudFactory
from tests.local.support import write_assembly
from tests.local.test_lambda_virtual_time import PROBE_CLOCK

pytestmark = pytest.mark.slow

HOUR = 3600

PROVIDER = """
import http.client, json, ssl
from urllib.parse import urlsplit

from . import clock

def _put(url, body):
    parts = urlsplit(url)
    connection = http.client.HTTPSConnection(parts.netloc, context=ssl.create_default_context())
    connection.request(
        "PUT", parts.path + "?" + parts.query, body=json.dumps(body), headers={"content-type": ""}
    )
    return connection.getresponse().status

def handler(event, context):
    props = event["ResourceProperties"]
    started = clock.current().now()
    _put(event["ResponseURL"], {
        "Status": "SUCCESS",
        "PhysicalResourceId": event["LogicalResourceId"] + "-id",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Arn": "arn:job", "StartedAt": str(started)},
    })
    if event["RequestType"] == "Create" and props.get("CompletionSignalUrl"):
        clock.current().sleep(float(props["Hours"]) * 3600)
        _put(props["CompletionSignalUrl"], {
            "Status": "SUCCESS", "UniqueId": "job", "Data": "ACTIVE", "Reason": "",
        })
"""


def provider_asset(tmp_path: Path) -> Path:
    package = tmp_path / "provider-src" / "cleanrooms_ml_provider"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "clock.py").write_text(textwrap.dedent(PROBE_CLOCK))
    (package / "index.py").write_text(textwrap.dedent(PROVIDER))
    return package.parent


def test_dependents_start_after_a_three_hour_wait(make_cloud: CloudFactory, tmp_path: Path) -> None:
    token = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}
    resources = {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Job": {
            "Type": "Custom::LongJob",
            "Properties": {
                "ServiceToken": token,
                "CompletionSignalUrl": {"Ref": "Handle"},
                "CompletionSignalTimeout": "21600",
                "Hours": "3",
            },
        },
        "Wait": {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "21600", "Count": 1},
            "DependsOn": ["Job"],
        },
        "Export": {
            "Type": "Custom::LongExport",
            "Properties": {
                "ServiceToken": token,
                "JobArn": {"Fn::Select": [0, [{"Fn::GetAtt": ["Job", "Arn"]}, {"Ref": "Wait"}]]},
            },
        },
    }
    outputs = {
        "JobStarted": {"Value": {"Fn::GetAtt": ["Job", "StartedAt"]}},
        "ExportStarted": {"Value": {"Fn::GetAtt": ["Export", "StartedAt"]}},
        "Data": {"Value": {"Fn::GetAtt": ["Wait", "Data"]}},
    }
    app = write_assembly(
        tmp_path / "cdk.out",
        "LongWait",
        resources,
        outputs=outputs,
        asset_source=provider_asset(tmp_path),
        timeout=4 * HOUR,
    )
    events: list[ProgressEvent] = []
    cloud = make_cloud(
        fast_clock=True,
        options=DriverOptions(max_wait=90, no_response_grace=2.0),
        progress=events,
    )
    real = time.monotonic()
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert float(result.outputs["ExportStarted"]) - float(result.outputs["JobStarted"]) >= 3 * HOUR
    assert json.loads(result.outputs["Data"]) == {"job": "ACTIVE"}
    assert [op.logical_id for op in result.operations] == ["Job", "Export"]
    assert time.monotonic() - real < 60  # three virtual hours, not real ones
    order = [(e.logical_id, e.status) for e in events if not e.reason]
    assert order.index(("Wait", "CREATE_COMPLETE")) < order.index(("Export", "CREATE_IN_PROGRESS"))
    signature = cloud.wait_handles.url("LongWait", "Handle").rsplit("=", 1)[1]
    assert signature not in repr(events)

    deleted = cloud.destroy("LongWait")
    assert deleted.status == "DELETE_COMPLETE"
    assert [op.logical_id for op in deleted.operations] == ["Export", "Job"]
