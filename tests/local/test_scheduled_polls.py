"""Long waits that hold nothing, offline on the fast clock: every poll after the first is a
short invocation fired by a one-time schedule; none is left behind, and many waits at once
never pile up invocations."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.generation_support import MODEL, SEED_ROLE, SEED_URI
from tests.local.support import write_assembly
from tests.local.test_long_wait_lifecycle import (
    FUNCTION_TIMEOUT,
    HOUR,
    STACK,
    fast_cloud,
    long_wait_app,
)

pytestmark = pytest.mark.slow

JOB_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/many-waits"
TOKEN = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}


def by_source(cloud: LocalCloud, source: str) -> int:
    return sum(1 for invocation in cloud.emulator.invocations if invocation.source == source)


@pytest.mark.parametrize("hours", [3, 6, 12])
def test_a_job_active_a_minute_before_the_end_of_a_long_wait_is_signalled(
    tmp_path: Path, make_cloud: CloudFactory, hours: int
) -> None:
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, hours - 1 / 60, events)
    cloud.emulator.max_invocations = 2000

    result = cloud.deploy(load_stack(long_wait_app(tmp_path, wait_s=hours * HOUR)))

    assert result.status == "CREATE_COMPLETE", result.reason
    [data] = json.loads(result.outputs["JobData"]).values()
    assert json.loads(data)["Status"] == "ACTIVE"
    # Every poll was a scheduled invocation; none invoked the function directly.
    assert by_source(cloud, "lambda:Invoke") == 0
    polls = by_source(cloud, "scheduler")
    assert 0 < polls <= 15 * hours
    # Each poll looked once: no invocation sleeps between looks.
    assert len(cloud.endpoint.calls_to("GetAudienceGenerationJob")) <= polls + 20
    assert not cloud.scheduler.pending()  # each schedule deleted itself after it fired


def test_a_stack_deleted_mid_wait_leaves_no_schedule_and_no_poll(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # The export's WaitCondition is not in the stack, so the stack is complete while its poller
    # still waits: then the stack is deleted.
    cloud = _cloud(make_cloud, export_s=4 * HOUR)
    app = _many_exports(tmp_path, 1, 6 * HOUR, conditions=False)
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    assert cloud.scheduler.pending()

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"

    deleted = [c for c in cloud.scheduler_api.calls_to("DeleteSchedule") if c.status == 200]
    assert deleted  # the export's Delete deleted its pending poll
    cloud.emulator.wait_idle(30)
    assert not cloud.scheduler.pending()
    fired = len(cloud.scheduler.firings)
    cloud.clock.advance(HOUR)
    time.sleep(2)
    assert len(cloud.scheduler.firings) == fired  # nothing polls any more


def _many_exports(tmp_path: Path, count: int, wait_s: int, *, conditions: bool = True) -> Path:
    resources: dict[str, Any] = {}
    for index in range(count):
        resources[f"Handle{index}"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
        resources[f"Export{index}"] = {
            "Type": RESOURCE_TYPE,
            "Properties": {
                "ServiceToken": TOKEN,
                "AudienceGenerationJobArn": JOB_ARN,
                "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
                "Name": f"wait-{index}",
                common_fields.KEY_SIGNAL_URL: {"Ref": f"Handle{index}"},
                common_fields.KEY_SIGNAL_TIMEOUT: str(wait_s),
            },
        }
        if conditions:
            resources[f"Wait{index}"] = {
                "Type": "AWS::CloudFormation::WaitCondition",
                "Properties": {"Handle": {"Ref": f"Handle{index}"}, "Timeout": str(wait_s)},
                "DependsOn": [f"Export{index}"],
            }
    return write_assembly(tmp_path / "cdk.out", STACK, resources, timeout=FUNCTION_TIMEOUT)


def _peak(cloud: LocalCloud) -> int:
    """The most invocations that ran at one moment (real time)."""
    edges: list[tuple[float, int]] = []
    for invocation in cloud.emulator.invocations:
        result = invocation.result
        end = invocation.started_at + (result.duration_seconds if result else 0.0)
        edges += [(invocation.started_at, 1), (end, -1)]
    running = peak = 0
    for _, step in sorted(edges):
        running += step
        peak = max(peak, running)
    return peak


def _cloud(make_cloud: CloudFactory, *, export_s: float) -> LocalCloud:
    """A fast-clock cloud whose seeded ACTIVE job's exports take ``export_s``."""
    seed = {
        "audienceGenerationJobs": [
            {
                "audienceGenerationJobArn": JOB_ARN,
                "name": "many-waits",
                "configuredAudienceModelArn": (
                    "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m"
                ),
                "status": "ACTIVE",
                "offeredSizes": [{"type": "PERCENTAGE", "value": 20}],
            }
        ],
        "exportDurations": {"pendingSeconds": 60, "inProgressSeconds": export_s},
    }
    return make_cloud(
        fast_clock=True,
        seed=seed,
        options=DriverOptions(max_wait=600, no_response_grace=8.0),
        progress=[],
    )


def test_twenty_waits_at_once_hold_no_invocation_between_polls(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = _cloud(make_cloud, export_s=2 * HOUR)
    cloud.emulator.max_concurrency = 40  # Lambda's limit is not what bounds them here
    cloud.emulator.max_invocations = 2000

    result = cloud.deploy(load_stack(_many_exports(tmp_path, 20, 3 * HOUR)))

    assert result.status == "CREATE_COMPLETE", result.reason
    assert _peak(cloud) <= 20
    polls = by_source(cloud, "scheduler")
    assert 0 < polls <= 20 * 15 * 3
    # A poll is one look (one ListAudienceExportJobs), never a loop of sleeps and looks.
    assert len(cloud.endpoint.calls_to("ListAudienceExportJobs")) <= polls + 5 * 20
    assert not cloud.scheduler.pending()


def test_a_rollback_while_the_job_is_created_completes_and_the_job_is_deleted_later(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # The Create gives up after 20 s with the job still being created (it takes 2 minutes),
    # and the rollback's Delete cannot delete it yet: it answers, and the provider deletes the
    # job in the background once it can; the provider's drain keeps the provider until then.
    resources: dict[str, Any] = {
        "Drain": {
            "Type": "Custom::CleanRoomsMlProviderDrain",
            "Properties": {
                "ServiceToken": TOKEN,
                "ServiceTimeout": "3600",
                "BackgroundDeletions": ["Job"],
            },
        },
        "Job": {
            "Type": "Custom::CleanRoomsMlAudienceGenerationJob",
            "Properties": {
                "ServiceToken": TOKEN,
                "ConfiguredAudienceModelArn": MODEL,
                "SeedAudience": {"RoleArn": SEED_ROLE, "DataSource": {"S3Uri": SEED_URI}},
                "Name": "slow-lookalikes",
                common_fields.KEY_TIMEOUT: "20",
            },
            "DependsOn": ["Drain"],
        },
    }
    events: list[ProgressEvent] = []
    cloud = fast_cloud(make_cloud, 120 / HOUR, events)
    app = write_assembly(tmp_path / "cdk.out", STACK, resources, timeout=FUNCTION_TIMEOUT)

    result = cloud.deploy(load_stack(app))

    assert result.status == "ROLLBACK_COMPLETE", result.reason
    assert "(last status CREATE_PENDING)" in result.reason  # what it last saw, not UNKNOWN
    # The job was deleted once it could be (after it became ACTIVE), before the stack was gone.
    assert cloud.endpoint.calls_to("DeleteAudienceGenerationJob")
    assert cloud.endpoint.backend.list_audience_generation_jobs(None, None) == []
    assert by_source(cloud, "scheduler") > 0
    assert not cloud.scheduler.pending()
