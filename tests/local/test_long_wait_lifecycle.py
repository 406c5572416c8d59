"""Waiting hours for a generation job, through the driver, the real handler asset, the endpoint
and a WaitCondition, on the harness's fast clock (virtual hours pass in real seconds).

The job resource answers once the job is started; the provider's poller signals the
WaitCondition when the job is ACTIVE (or fails it with the service's reason); the export reads
the job's ARN through the WaitCondition, so it starts only after it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import AudienceGenerationJob, AudienceSize, SeedAudience
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.generation_support import (
    MODEL,
    SEED_ROLE,
    SEED_URI,
    job_seed,
    started_jobs,
)
from tests.local.support import exports_of, write_assembly

pytestmark = pytest.mark.slow

HOUR = 3600
STACK = "LongLookalikes"
TOKEN = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}
# The provider's own function timeout: each poller invocation waits about this long.
FUNCTION_TIMEOUT = 900


def seed(job_hours: float) -> dict[str, Any]:
    return job_seed(job_hours * HOUR)


def long_wait_app(tmp_path: Path, *, wait_s: int, extra: dict[str, Any] | None = None) -> Path:
    """A job waited for by a WaitCondition of ``wait_s``, and an export that reads it."""
    resources: dict[str, Any] = {
        "JobHandle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Job": {
            "Type": GENERATION_JOB_RESOURCE_TYPE,
            "Properties": {
                "ServiceToken": TOKEN,
                "ConfiguredAudienceModelArn": MODEL,
                "SeedAudience": {"RoleArn": SEED_ROLE, "DataSource": {"S3Uri": SEED_URI}},
                "Name": "long-lookalikes",
                common_fields.KEY_SIGNAL_URL: {"Ref": "JobHandle"},
                common_fields.KEY_SIGNAL_TIMEOUT: str(wait_s),
            },
        },
        "JobWait": {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": "JobHandle"}, "Timeout": str(wait_s), "Count": 1},
            "DependsOn": ["Job"],
        },
        "Export": {
            "Type": RESOURCE_TYPE,
            "Properties": {
                "ServiceToken": TOKEN,
                "AudienceGenerationJobArn": {
                    "Fn::Select": [
                        0,
                        [
                            {"Fn::GetAtt": ["Job", "AudienceGenerationJobArn"]},
                            {"Ref": "JobWait"},
                        ],
                    ]
                },
                "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
                "Name": "long-export",
            },
        },
        **(extra or {}),
    }
    outputs = {"JobData": {"Value": {"Fn::GetAtt": ["JobWait", "Data"]}}}
    return write_assembly(
        tmp_path / "cdk.out", STACK, resources, outputs=outputs, timeout=FUNCTION_TIMEOUT
    )


def fast_cloud(
    make_cloud: CloudFactory, job_hours: float, events: list[ProgressEvent]
) -> LocalCloud:
    return make_cloud(
        fast_clock=True,
        seed=seed(job_hours),
        options=DriverOptions(max_wait=240, no_response_grace=8.0),
        progress=events,
    )


def invocations(cloud: LocalCloud) -> int:
    return len(list((cloud.emulator.runtime.work_dir / "invocations").iterdir()))


def gets(cloud: LocalCloud) -> list[float]:
    return [call.at for call in cloud.endpoint.calls_to("GetAudienceGenerationJob")]


def test_a_three_hour_job_completes_the_stack_and_the_export_starts_after_it(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 3.0, events)
    began, real = cloud.clock.now(), time.monotonic()

    result = cloud.deploy(load_stack(long_wait_app(tmp_path, wait_s=6 * HOUR)))

    assert result.status == "CREATE_COMPLETE", result.reason
    [job] = started_jobs(cloud)
    assert job.status == "ACTIVE"
    [start] = cloud.endpoint.calls_to("StartAudienceGenerationJob")
    [export_start] = cloud.endpoint.calls_to("StartAudienceExportJob")
    assert export_start.at - start.at >= 3 * HOUR  # the export waited for the ACTIVE job
    assert [(e["name"], e["status"]) for e in exports_of(cloud.endpoint, job.arn)] == [
        ("long-export", "ACTIVE")
    ]
    data = json.loads(json.loads(result.outputs["JobData"])["long-lookalikes"])
    assert data["Status"] == "ACTIVE"
    assert data["AudienceGenerationJobArn"] == job.arn
    assert cloud.clock.now() - began >= 3 * HOUR
    assert time.monotonic() - real < 200  # hours of waiting, in virtual time
    # The poller's Lambda use is bounded: one invocation per ~15 minutes waited.
    assert invocations(cloud) <= 3 * 4 + 4
    handle_url = cloud.wait_handles.url(STACK, "JobHandle")
    assert handle_url.rsplit("=", 1)[1] not in repr(events)

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    assert started_jobs(cloud) == []


def test_create_failed_at_hour_two_rolls_back_with_the_reason_and_deletes_the_job(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 2.0, events)
    cloud.endpoint.faults.fail_generation_job(status_code="SEED_TOO_SMALL", message="25 ids needed")

    result = cloud.deploy(load_stack(long_wait_app(tmp_path, wait_s=6 * HOUR)))

    assert result.status == "ROLLBACK_COMPLETE"
    assert "SEED_TOO_SMALL: 25 ids needed" in result.reason
    assert started_jobs(cloud) == []  # the rollback deleted it
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []
    polls = gets(cloud)
    # The poller stopped: nothing polls the job after the rollback deleted it.
    settled = cloud.clock.now()
    cloud.clock.advance(2 * HOUR)
    time.sleep(3)
    assert gets(cloud) == polls
    assert cloud.clock.now() - settled >= 2 * HOUR


def test_a_rollback_while_waiting_deletes_the_job_and_the_poller_stops_within_one_poll(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # Another resource of the stack fails after two hours (an unsignalled condition times
    # out), while the job's poller is still waiting for its three-hour job.
    other = {
        "OtherHandle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "OtherWait": {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": "OtherHandle"}, "Timeout": str(2 * HOUR)},
        },
    }
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 3.0, events)

    result = cloud.deploy(load_stack(long_wait_app(tmp_path, wait_s=6 * HOUR, extra=other)))

    assert result.status == "ROLLBACK_COMPLETE"
    assert "WaitCondition timed out" in result.reason
    assert started_jobs(cloud) == []
    polls = gets(cloud)
    cloud.clock.advance(HOUR)
    time.sleep(3)
    assert gets(cloud) == polls  # no poller is left running


def test_past_the_deadline_the_condition_fails_with_the_last_status_seen(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 2.5, events)

    result = cloud.deploy(load_stack(long_wait_app(tmp_path, wait_s=2 * HOUR)))

    assert result.status == "ROLLBACK_COMPLETE"
    # The poller's last look, just before the end, tells the condition why: no bare timeout.
    assert "WaitCondition received failed message" in result.reason
    assert "still CREATE_IN_PROGRESS when the wait of" in result.reason
    assert started_jobs(cloud) == []
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []


def test_the_construct_waits_six_hours_for_its_job_and_then_exports(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # The CDK construct's own template (bare App synth), with a long job and a long export.
    out = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="111122223333", region="us-east-1"))
    job = AudienceGenerationJob(
        stack,
        "Lookalikes",
        configured_audience_model_arn=MODEL,
        seed_audience=SeedAudience.from_s3(SEED_URI, role=SEED_ROLE),
        wait_for_completion=cdk.Duration.hours(6),
    )
    export = job.export(
        "Top20",
        audience_size=AudienceSize.percentage(20),
        wait_for_completion=cdk.Duration.hours(2),
    )
    cdk.CfnOutput(stack, "JobData", value=job.completion_data)
    cdk.CfnOutput(stack, "ExportData", value=export.completion_data)
    app.synth()
    assert_assembly_lint_clean(out)
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 4.0, events)

    result = cloud.deploy(load_stack(out))

    assert result.status == "CREATE_COMPLETE", result.reason
    [job_view] = started_jobs(cloud)
    [export_start] = cloud.endpoint.calls_to("StartAudienceExportJob")
    [start] = cloud.endpoint.calls_to("StartAudienceGenerationJob")
    assert export_start.at - start.at >= 4 * HOUR
    [(name, data)] = json.loads(result.outputs["ExportData"]).items()
    assert json.loads(data)["OutputLocation"].startswith("s3://")
    assert json.loads(json.loads(result.outputs["JobData"])[job_view.name])["Status"] == "ACTIVE"
    assert name == json.loads(data)["Name"]

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert started_jobs(cloud) == []
