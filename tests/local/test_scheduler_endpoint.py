"""The embedded EventBridge Scheduler, through an unmodified boto3 client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.awslambda.invocations import LambdaEmulator
from cdk_cleanrooms_ml.local.awslambda.invoke import InvokeApi
from cdk_cleanrooms_ml.local.awslambda.runtime import LambdaRuntime
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.errors import StateError
from cdk_cleanrooms_ml.local.scheduler.exceptions import SchedulerError
from cdk_cleanrooms_ml.local.scheduler.models import SchedulerBackend
from cdk_cleanrooms_ml.local.scheduler.models import spread_of as scheduler_spread
from cdk_cleanrooms_ml.local.scheduler.responses import SchedulerApi
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.clock import FakeClock

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
FUNCTION_ARN = "arn:aws:lambda:us-east-1:111122223333:function:poller"
ROLE_ARN = "arn:aws:iam::111122223333:role/scheduler-invokes-poller"
TARGET = {"Arn": FUNCTION_ARN, "RoleArn": ROLE_ARN, "Input": '{"poll": 2}'}
AT = "at(2027-01-15T10:30:00)"
AT_EPOCH = datetime(2027, 1, 15, 10, 30, tzinfo=UTC).timestamp()


def client(url: str) -> Any:
    return boto3.client(
        "scheduler",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


@pytest.fixture
def backend(tmp_path: Path, clock: FakeClock) -> SchedulerBackend:
    return SchedulerBackend(state_file=tmp_path / "scheduler.json", clock=clock)


@pytest.fixture
def api(backend: SchedulerBackend) -> SchedulerApi:
    return SchedulerApi(backend)


@pytest.fixture
def scheduler(api: SchedulerApi) -> Iterator[Any]:
    with LoopbackServer([api]) as server:
        yield client(server.url)


def schedule(c: Any, name: str, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": name,
        "ScheduleExpression": AT,
        "ScheduleExpressionTimezone": "UTC",
        "Target": dict(TARGET),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        **overrides,
    }
    answer: dict[str, Any] = c.create_schedule(**request)
    return answer


def error_of(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_a_schedule_round_trips_in_its_group(scheduler: Any, backend: SchedulerBackend) -> None:
    group_arn = scheduler.create_schedule_group(Name="polls")["ScheduleGroupArn"]
    assert group_arn == "arn:aws:scheduler:us-east-1:111122223333:schedule-group/polls"
    arn = schedule(scheduler, "poll-2", GroupName="polls", Description="the next poll")[
        "ScheduleArn"
    ]
    assert arn == "arn:aws:scheduler:us-east-1:111122223333:schedule/polls/poll-2"

    got = scheduler.get_schedule(Name="poll-2", GroupName="polls")
    assert got["Arn"] == arn
    assert got["ScheduleExpression"] == AT
    assert got["ScheduleExpressionTimezone"] == "UTC"
    assert got["Target"] == TARGET
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert got["ActionAfterCompletion"] == "DELETE"
    assert got["State"] == "ENABLED"
    assert got["Description"] == "the next poll"
    assert got["CreationDate"].timestamp() == pytest.approx(1_800_000_000.0)
    assert backend.get_schedule("poll-2", "polls").due == AT_EPOCH

    group = scheduler.get_schedule_group(Name="polls")
    assert (group["Name"], group["State"], group["Arn"]) == ("polls", "ACTIVE", group_arn)

    scheduler.delete_schedule(Name="poll-2", GroupName="polls")
    assert error_of(scheduler.get_schedule, Name="poll-2", GroupName="polls") == (
        404,
        "ResourceNotFoundException",
        "Schedule poll-2 does not exist.",
    )


def test_schedules_without_a_group_go_to_the_default_group(scheduler: Any) -> None:
    arn = schedule(scheduler, "lonely")["ScheduleArn"]
    assert arn.endswith(":schedule/default/lonely")
    assert scheduler.get_schedule(Name="lonely")["GroupName"] == "default"
    # The same name in another group is another schedule.
    scheduler.create_schedule_group(Name="other")
    assert schedule(scheduler, "lonely", GroupName="other")["ScheduleArn"].endswith(
        ":schedule/other/lonely"
    )


def test_list_filters_by_group_and_name_prefix_and_pages(scheduler: Any) -> None:
    scheduler.create_schedule_group(Name="polls")
    for name in ("poll-1", "poll-2", "poll-3", "other"):
        schedule(scheduler, name, GroupName="polls")
    schedule(scheduler, "poll-9")

    def names(**filters: Any) -> list[str]:
        found = scheduler.list_schedules(**filters)["Schedules"]
        return [f"{item['GroupName']}/{item['Name']}" for item in found]

    assert names(GroupName="polls", NamePrefix="poll-") == [
        "polls/poll-1",
        "polls/poll-2",
        "polls/poll-3",
    ]
    assert names(NamePrefix="poll-") == ["default/poll-9", *(f"polls/poll-{i}" for i in (1, 2, 3))]
    assert names(GroupName="polls", NamePrefix="x") == []
    summary = scheduler.list_schedules(GroupName="polls", NamePrefix="other")["Schedules"][0]
    assert summary["Target"] == {"Arn": FUNCTION_ARN}
    assert summary["State"] == "ENABLED"

    first = scheduler.list_schedules(GroupName="polls", MaxResults=3)
    assert len(first["Schedules"]) == 3
    rest = scheduler.list_schedules(GroupName="polls", MaxResults=3, NextToken=first["NextToken"])
    assert [s["Name"] for s in rest["Schedules"]] == ["poll-3"]
    assert "NextToken" not in rest
    paginated = scheduler.get_paginator("list_schedules").paginate(PaginationConfig={"PageSize": 2})
    assert sum(len(page["Schedules"]) for page in paginated) == 5
    assert error_of(scheduler.list_schedules, GroupName="missing")[:2] == (
        404,
        "ResourceNotFoundException",
    )


def test_a_taken_name_is_a_conflict_and_a_missing_group_not_found(scheduler: Any) -> None:
    scheduler.create_schedule_group(Name="polls")
    schedule(scheduler, "poll-2", GroupName="polls")
    assert error_of(schedule, c=scheduler, name="poll-2", GroupName="polls") == (
        409,
        "ConflictException",
        "Schedule poll-2 already exists.",
    )
    assert error_of(schedule, c=scheduler, name="poll-2", GroupName="gone") == (
        404,
        "ResourceNotFoundException",
        "Schedule group gone does not exist.",
    )
    assert error_of(scheduler.create_schedule_group, Name="polls")[:2] == (409, "ConflictException")
    assert error_of(scheduler.create_schedule_group, Name="default")[:2] == (
        409,
        "ConflictException",
    )


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"name": "no spaces"}, "Name: does not match the pattern [0-9a-zA-Z-_.]+"),
        ({"name": "n" * 65}, "Name: 65 characters, at most 64 allowed"),
        ({"GroupName": "bad/group"}, "GroupName: does not match the pattern"),
        ({"ScheduleExpression": "rate(5 minutes)"}, "serves one-time schedules only"),
        ({"ScheduleExpression": "cron(0 12 * * ? *)"}, "serves one-time schedules only"),
        ({"ScheduleExpression": "at(2027-01-15 10:30:00)"}, "Invalid Schedule Expression"),
        ({"ScheduleExpression": "at(2027-02-30T10:30:00)"}, "day is out of range for month"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "Invalid ScheduleExpressionTimezone"),
        ({"FlexibleTimeWindow": {"Mode": "SOMETIMES"}}, "'SOMETIMES' is not one of OFF, FLEXIBLE"),
        ({"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}}, "MaximumWindowInMinutes is required"),
        ({"ActionAfterCompletion": "ARCHIVE"}, "'ARCHIVE' is not one of NONE, DELETE"),
        ({"Target": {**TARGET, "RoleArn": "scheduler-role"}}, "Target.RoleArn: does not match"),
        # botocore checks only minimums itself; maximums are the service's.
        ({"Description": "d" * 513}, "Description: 513 characters, at most 512 allowed"),
    ],
)
def test_requests_are_checked_against_the_model_and_the_expression(
    scheduler: Any, backend: SchedulerBackend, overrides: dict[str, Any], needle: str
) -> None:
    name = overrides.pop("name", "poll-2")
    status, code, message = error_of(schedule, c=scheduler, name=name, **overrides)
    assert (status, code) == (400, "ValidationException")
    assert needle in message
    assert backend.list_schedules() == []


def test_a_time_zone_moves_the_moment(scheduler: Any, backend: SchedulerBackend) -> None:
    schedule(scheduler, "paris", ScheduleExpressionTimezone="Europe/Paris")
    schedule(scheduler, "utc", ScheduleExpressionTimezone="UTC")
    zone = scheduler.get_schedule(Name="paris")["ScheduleExpressionTimezone"]
    assert zone == "Europe/Paris"
    # 10:30 in Paris in January is 09:30 UTC.
    assert backend.get_schedule("paris").due == AT_EPOCH - 3600
    assert backend.get_schedule("utc").due == AT_EPOCH


def test_what_the_backend_is_asked_directly_is_checked_too(backend: SchedulerBackend) -> None:
    with pytest.raises(SchedulerError, match=r"Target\.RoleArn: is required") as caught:
        backend.create_schedule(
            name="poll-2",
            schedule_expression=AT,
            target={"Arn": FUNCTION_ARN},
            flexible_time_window={"Mode": "OFF"},
        )
    assert caught.value.status == 400
    with pytest.raises(SchedulerError, match="Name: does not match") as bad_group:
        backend.create_schedule_group("no/slashes")
    assert bad_group.value.code == "ValidationException"


def test_a_retry_with_the_same_client_token_gets_the_same_schedule(
    backend: SchedulerBackend,
) -> None:
    def create(token: str) -> str:
        return backend.create_schedule(
            name="poll-2",
            schedule_expression=AT,
            target=TARGET,
            flexible_time_window={"Mode": "OFF"},
            client_token=token,
        ).arn

    assert create("token-1") == create("token-1")
    with pytest.raises(SchedulerError, match="already exists"):
        create("token-2")


def test_deleting_a_group_deletes_its_schedules(scheduler: Any, backend: SchedulerBackend) -> None:
    scheduler.create_schedule_group(Name="polls")
    schedule(scheduler, "poll-2", GroupName="polls")
    schedule(scheduler, "poll-3", GroupName="polls")
    schedule(scheduler, "kept")
    assert backend.pending()
    scheduler.delete_schedule_group(Name="polls")
    assert error_of(scheduler.get_schedule_group, Name="polls")[:2] == (
        404,
        "ResourceNotFoundException",
    )
    assert [s.name for s in backend.list_schedules()] == ["kept"]
    assert error_of(scheduler.delete_schedule_group, Name="default")[:2] == (
        400,
        "ValidationException",
    )
    groups = scheduler.list_schedule_groups()["ScheduleGroups"]
    assert [g["Name"] for g in groups] == ["default"]


def test_operations_not_served_are_refused_by_name(scheduler: Any, api: SchedulerApi) -> None:
    status, code, message = error_of(
        scheduler.update_schedule,
        Name="poll-2",
        ScheduleExpression=AT,
        Target=TARGET,
        FlexibleTimeWindow={"Mode": "OFF"},
    )
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("UpdateSchedule is not served by this local EventBridge Scheduler")
    assert [(c.operation, c.status) for c in api.calls] == [("UpdateSchedule", 400)]
    assert api.model_violations == []


def test_schedules_and_groups_persist_in_the_state_file(
    tmp_path: Path, clock: FakeClock, scheduler: Any
) -> None:
    scheduler.create_schedule_group(Name="polls")
    schedule(scheduler, "poll-2", GroupName="polls")
    schedule(scheduler, "poll-3", GroupName="polls")
    scheduler.delete_schedule(Name="poll-3", GroupName="polls")

    later = SchedulerBackend(state_file=tmp_path / "scheduler.json", clock=clock)
    kept = later.get_schedule("poll-2", "polls")
    assert (kept.due, kept.target, kept.action_after_completion) == (AT_EPOCH, TARGET, "DELETE")
    assert [s.name for s in later.list_schedules()] == ["poll-2"]
    assert [g.name for g in later.list_schedule_groups()] == ["default", "polls"]
    # Due within its minute (Scheduler's 60 s precision), where it was before the restart.
    assert kept.spread == scheduler_spread("polls", "poll-2")
    assert AT_EPOCH <= later.next_due() == AT_EPOCH + kept.spread < AT_EPOCH + 60

    (tmp_path / "scheduler.json").write_text("[1, 2]")
    with pytest.raises(StateError, match="remove it to forget the schedules"):
        SchedulerBackend(state_file=tmp_path / "scheduler.json", clock=clock)


def test_it_shares_a_loopback_server_with_clean_rooms_ml_and_lambda(
    tmp_path: Path, backend: SchedulerBackend
) -> None:
    # Nothing is invoked: the runtime's folder is never read.
    runtime = LambdaRuntime(work_dir=tmp_path / "work", runtime_dir=tmp_path / "runtime")
    emulator = LambdaEmulator(runtime)
    services = [CleanRoomsMlEndpoint(), InvokeApi(emulator), SchedulerApi(backend)]
    try:
        with LoopbackServer(services) as server:
            url = server.url
            schedule(client(url), "poll-2")
            cleanrooms = boto3.client(
                "cleanroomsml",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=NO_RETRIES,
            )
            assert cleanrooms.list_audience_export_jobs()["audienceExportJobs"] == []
            lambda_ = boto3.client(
                "lambda",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=NO_RETRIES,
            )
            with pytest.raises(ClientError, match="Function not found"):
                lambda_.invoke(FunctionName="absent", Payload=json.dumps({}).encode())
    finally:
        emulator.close()
    assert [s.name for s in backend.list_schedules()] == ["poll-2"]
