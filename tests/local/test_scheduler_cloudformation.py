"""The local CloudFormation with EventBridge Scheduler: schedule groups as resources, handlers that
hand over through a schedule, and wait conditions that a pending schedule may still signal."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.scheduler.exceptions import SchedulerError
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.scheduler_support import (
    CLOCK,
    HOUR,
    SIGNAL,
    create_schedule,
    stand_in,
    wait_until,
)
from tests.local.support import write_assembly
from tests.local.wait_support import wait_template

pytestmark = pytest.mark.slow

STACK = "Polling"
GROUP = "AWS::Scheduler::ScheduleGroup"

# A provider without crhelper: a Create schedules its own next invocation in the group it is
# given (``Delay`` seconds later) and answers only from that one, as a poll would.
PROVIDER = """
import datetime, http.client, json, ssl
from urllib.parse import urlsplit
import boto3
from . import clock

ROLE = "arn:aws:iam::111122223333:role/scheduler-invokes-the-provider"

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
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        _send(event, "SUCCESS", event["PhysicalResourceId"])
    elif props.get("Mode") == "fail":
        _send(event, "FAILED", "failed-id", reason="the job failed")
    elif "Handed" in event:
        _send(event, "SUCCESS", "waited", data={"Group": props["Group"]})
    else:
        moment = int(clock.current().now()) + 1 + int(props["Delay"])
        at = datetime.datetime.fromtimestamp(moment, datetime.UTC)
        boto3.client("scheduler").create_schedule(
            Name="next-" + event["LogicalResourceId"],
            GroupName=props["Group"],
            ScheduleExpression=f"at({at:%Y-%m-%dT%H:%M:%S})",
            ScheduleExpressionTimezone="UTC",
            Target={
                "Arn": context.invoked_function_arn,
                "RoleArn": ROLE,
                "Input": json.dumps({**event, "Handed": 1}),
            },
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
        )
"""


def app(
    tmp_path: Path, *, delay: int = 1, mode: str = "wait", group: dict[str, Any] | None = None
) -> Path:
    asset = tmp_path / "provider-src"
    package = asset / "cleanrooms_ml_provider"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "clock.py").write_text(textwrap.dedent(CLOCK))
    (package / "index.py").write_text(textwrap.dedent(PROVIDER))
    properties = {
        "ServiceToken": {"Fn::GetAtt": ["ProviderFunction", "Arn"]},
        "Group": {"Ref": "Polls"},
        "Delay": delay,
        "Mode": mode,
    }
    polls: dict[str, Any] = {"Type": GROUP}
    if group is not None:
        polls["Properties"] = group
    return write_assembly(
        tmp_path / f"cdk.out.{mode}.{delay}.{len(str(group))}",
        STACK,
        {"Polls": polls, "Res": {"Type": RESOURCE_TYPE, "Properties": properties}},
        outputs={
            "Group": {"Value": {"Ref": "Polls"}},
            "GroupArn": {"Value": {"Fn::GetAtt": ["Polls", "Arn"]}},
            "Waited": {"Value": {"Fn::GetAtt": ["Res", "Group"]}},
        },
        asset_source=asset,
    )


def group_names(cloud: LocalCloud) -> list[str]:
    """The groups but the provider's own (tests.local.support's provider has one, named by
    the driver)."""
    return [
        group.name
        for group in cloud.scheduler.list_schedule_groups()
        if "ProviderScheduleGroup" not in group.name
    ]


def test_a_hand_over_through_a_schedule_is_not_the_handler_ending_unanswered(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    # Real time: the handler's scheduled follow-up comes 2-3 s later, after no_response_grace.
    cloud = make_cloud(options=DriverOptions(max_wait=90, no_response_grace=1.0))
    result = cloud.deploy(load_stack(app(tmp_path, delay=2)))
    assert result.status == "CREATE_COMPLETE", result.reason
    group = result.outputs["Group"]
    assert group.startswith(f"{STACK}-Polls-")
    assert result.outputs["Waited"] == group
    assert result.outputs["GroupArn"] == cloud.scheduler.get_schedule_group(group).arn
    assert result.outputs["GroupArn"].endswith(
        f":scheduler:us-east-1:111122223333:schedule-group/{group}"
    )
    (firing,) = cloud.scheduler.firings
    assert (firing.group_name, firing.schedule_name) == (group, "next-Res")
    (create,) = result.operations
    assert [inv.source for inv in create.invocations] == ["cloudformation", "scheduler"]
    assert [(c.operation, c.status) for c in cloud.scheduler_api.calls] == [("CreateSchedule", 200)]

    # Destroying the stack deletes the group and whatever is still scheduled in it.
    provider = cloud.emulator.function(result.resources["ProviderFunction"].physical_id)
    assert provider is not None
    create_schedule(
        cloud,
        "left-over",
        group=group,
        function_arn=provider.arn,
        moment=cloud.clock.now() + HOUR,
        payload={},
    )
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert group_names(cloud) == ["default"]
    assert not cloud.scheduler.pending()


def test_on_the_fast_clock_a_half_hour_hand_over_takes_no_real_half_hour(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    virtual, real = cloud.clock.now(), time.monotonic()
    result = cloud.deploy(load_stack(app(tmp_path, delay=1800)))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert cloud.clock.now() - virtual >= 1800
    # Not a speed measurement: the half hour was not waited for.
    assert time.monotonic() - real < 60
    assert [f.schedule_name for f in cloud.scheduler.firings] == ["next-Res"]


def test_a_failed_create_rolls_the_group_back(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud(fast_clock=True)
    named = {"Name": "provider-polls"}
    result = cloud.deploy(load_stack(app(tmp_path, mode="fail", group=named)))
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == "the job failed"
    assert group_names(cloud) == ["default"]
    # Nothing was left behind that the next deployment would collide with (once the stack in
    # ROLLBACK_COMPLETE is deleted, as CloudFormation requires).
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    again = cloud.deploy(load_stack(app(tmp_path, group=named)))
    assert again.status == "CREATE_COMPLETE", again.reason
    assert again.outputs["Group"] == "provider-polls"
    assert group_names(cloud) == ["default", "provider-polls"]


def test_a_name_taken_outside_the_stack_fails_the_create_and_stays(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    events: list[ProgressEvent] = []
    cloud = make_cloud(fast_clock=True, progress=events)
    cloud.scheduler.create_schedule_group("provider-polls")
    result = cloud.deploy(load_stack(app(tmp_path, group={"Name": "provider-polls"})))
    expected = "ConflictException: Schedule group provider-polls already exists."
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == expected
    assert [(e.status, e.reason) for e in events if e.logical_id == "Polls"] == [
        ("CREATE_FAILED", expected)
    ]
    assert result.operations == []  # the provider never ran
    assert group_names(cloud) == ["default", "provider-polls"]


def test_a_renamed_group_is_replaced_and_a_removed_one_deleted(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    first = cloud.deploy(load_stack(app(tmp_path, group={"Name": "polls-a"})))
    assert first.status == "CREATE_COMPLETE", first.reason
    renamed = cloud.deploy(load_stack(app(tmp_path, group={"Name": "polls-b"})))
    assert renamed.status == "UPDATE_COMPLETE", renamed.reason
    assert renamed.outputs["Group"] == "polls-b"
    assert group_names(cloud) == ["default", "polls-b"]
    # Unchanged: kept as it is.
    same = cloud.deploy(load_stack(app(tmp_path, group={"Name": "polls-b"})))
    assert same.status == "NO_CHANGES", same.reason
    assert group_names(cloud) == ["default", "polls-b"]
    with pytest.raises(SchedulerError, match="already exists"):
        cloud.scheduler.create_schedule_group("polls-b")


def test_a_pending_schedule_keeps_a_wait_condition_from_jumping_to_its_timeout(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    signaller = stand_in(tmp_path, "signaller", SIGNAL)
    holder: list[LocalCloud] = []

    def on_progress(event: ProgressEvent) -> None:
        # A poller two hours away will signal the handle: the WaitCondition's only hope.
        if event.resource_type == "AWS::CloudFormation::WaitConditionHandle" and (
            event.status == "CREATE_COMPLETE"
        ):
            cloud = holder[0]
            url = cloud.wait_handles.url(event.stack_name, event.logical_id)
            create_schedule(
                cloud,
                "poller",
                function_arn=signaller.arn,
                moment=cloud.clock.now() + 2 * HOUR,
                payload={"url": url},
            )

    cloud = make_cloud(
        fast_clock=True,
        options=DriverOptions(max_wait=90, no_response_grace=0.3),
        on_progress=on_progress,
    )
    holder.append(cloud)
    cloud.emulator.register(signaller)
    # The engine waits longer than the wait condition's grace: the wait sees nothing running
    # for a while, and only the pending schedule tells it that a signal may still come.
    cloud.scheduler_engine.grace = 2.0
    virtual = cloud.clock.now()
    result = cloud.deploy(wait_template(tmp_path, timeout=str(6 * HOUR)))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert result.outputs["Data"] == '{"poller": "done"}'
    assert 2 * HOUR <= cloud.clock.now() - virtual < 6 * HOUR
    assert wait_until(lambda: not cloud.emulator.running())
    assert [f.schedule_name for f in cloud.scheduler.firings] == ["poller"]
