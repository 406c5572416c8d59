"""Schedules fire on the harness's clock: the target function gets the Input, hours pass at once."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.awslambda.invocations import Invocation
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.scheduler.engine import SOURCE
from tests.local.conftest import CloudFactory
from tests.local.scheduler_support import (
    CHAIN,
    ECHO,
    HOUR,
    ROLE_ARN,
    create_schedule,
    scheduler_client,
    stand_in,
    wait_until,
)

pytestmark = pytest.mark.slow


def invocation(cloud: LocalCloud, request_id: str | None) -> Invocation:
    assert cloud.emulator.wait_idle(60)
    (found,) = [inv for inv in cloud.emulator.invocations if inv.request_id == request_id]
    return found


def test_a_schedule_three_hours_ahead_fires_at_once_with_its_input(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    echo = stand_in(tmp_path, "echo", ECHO)
    cloud.emulator.register(echo)
    scheduler_client(cloud).create_schedule_group(Name="polls")
    virtual = cloud.clock.now()
    arn = create_schedule(
        cloud,
        "poll-2",
        group="polls",
        function_arn=echo.arn,
        moment=virtual + 3 * HOUR,
        payload={"poll": 2, "schedule": "<aws.scheduler.schedule-arn>"},
    )
    real = time.monotonic()
    assert wait_until(lambda: bool(cloud.scheduler.firings), timeout=10)
    # Not a speed measurement: the three hours were not waited for.
    assert time.monotonic() - real < 5
    (firing,) = cloud.scheduler.firings
    assert (firing.schedule_name, firing.group_name, firing.schedule_arn) == (
        "poll-2",
        "polls",
        arn,
    )
    assert firing.target_arn == echo.arn
    assert firing.succeeded
    assert firing.due >= virtual + 3 * HOUR
    assert firing.fired_at >= firing.due
    assert cloud.clock.now() >= virtual + 3 * HOUR

    invoked = invocation(cloud, firing.request_id)
    assert invoked.source == SOURCE == "scheduler"
    assert invoked.invocation_type == "Event"
    assert invoked.result is not None and invoked.result.status == "ok", invoked.result
    payload: dict[str, Any] = invoked.result.payload
    # The Input arrives as the event, with Scheduler's context attributes filled in.
    assert payload["event"] == {"poll": 2, "schedule": arn}
    assert payload["now"] >= firing.due
    # ActionAfterCompletion DELETE: it is gone.
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        scheduler_client(cloud).get_schedule(Name="poll-2", GroupName="polls")
    assert not cloud.scheduler.pending()
    assert "poll-2" not in cloud.store.scheduler_file.read_text()


def test_action_none_keeps_the_schedule_and_fires_it_once(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    echo = stand_in(tmp_path, "echo", ECHO)
    cloud.emulator.register(echo)
    create_schedule(
        cloud,
        "kept",
        function_arn=echo.arn,
        moment=cloud.clock.now() + HOUR,
        payload={"poll": 1},
        after="NONE",
    )
    assert wait_until(lambda: bool(cloud.scheduler.firings), timeout=10)
    assert cloud.emulator.wait_idle(60)
    time.sleep(0.5)  # the engine keeps looking: a done schedule does not fire again
    assert len(cloud.scheduler.firings) == 1
    kept = scheduler_client(cloud).get_schedule(Name="kept")
    assert kept["ActionAfterCompletion"] == "NONE"
    assert not cloud.scheduler.pending()
    assert cloud.scheduler.get_schedule("kept").completed_at == cloud.scheduler.firings[0].fired_at


def test_a_target_that_is_not_deployed_is_a_failed_firing(make_cloud: CloudFactory) -> None:
    cloud = make_cloud(fast_clock=True)
    absent = "arn:aws:lambda:us-east-1:111122223333:function:absent"
    create_schedule(
        cloud, "orphan", function_arn=absent, moment=cloud.clock.now() + HOUR, payload={}
    )
    assert wait_until(lambda: bool(cloud.scheduler.firings), timeout=10)
    (firing,) = cloud.scheduler.firings
    assert not firing.succeeded
    assert firing.request_id is None
    assert firing.error == f"the target {absent} is not a Lambda function deployed locally"
    assert cloud.emulator.invocations == []
    assert cloud.scheduler.list_schedules() == []


def test_hours_of_polls_a_function_schedules_itself_take_seconds(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    chain = stand_in(tmp_path, "chain", CHAIN)
    cloud.emulator.register(chain)
    scheduler_client(cloud).create_schedule_group(Name="polls")
    virtual, real = cloud.clock.now(), time.monotonic()
    payload = {"poll": 1, "last": 4, "every": HOUR, "group": "polls", "role": ROLE_ARN}
    create_schedule(
        cloud,
        "poll-1",
        group="polls",
        function_arn=chain.arn,
        moment=virtual + HOUR,
        payload=payload,
    )

    def done() -> bool:
        firings = cloud.scheduler.firings
        return len(firings) == 4 and not cloud.emulator.running() and not cloud.scheduler.pending()

    assert wait_until(done, timeout=90), (cloud.scheduler.firings, cloud.scheduler_engine.errors)
    assert [f.schedule_name for f in cloud.scheduler.firings] == [f"poll-{n}" for n in (1, 2, 3, 4)]
    assert all(f.succeeded for f in cloud.scheduler.firings)
    results = [invocation(cloud, f.request_id).result for f in cloud.scheduler.firings]
    assert all(r is not None and r.status == "ok" for r in results), results
    seen = [r.payload["now"] for r in results if r is not None]
    # Each poll ran an hour (of virtual time) after the one before.
    # (less the second the whole-second expression drops).
    assert all(later - earlier >= HOUR - 1 for earlier, later in itertools.pairwise(seen))
    assert cloud.clock.now() - virtual >= 4 * HOUR
    # Not a speed measurement: four hours were not waited for.
    assert time.monotonic() - real < 60
    assert cloud.scheduler_engine.errors == []


def test_on_real_time_a_schedule_fires_when_it_is_due(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud()
    echo = stand_in(tmp_path, "echo", ECHO)
    cloud.emulator.register(echo)
    # "soon-7" fires 4 s into its minute (each schedule has its own place in the minute).
    create_schedule(
        cloud, "soon-7", function_arn=echo.arn, moment=time.time() + 1, payload={"poll": 2}
    )
    schedule = cloud.scheduler.get_schedule("soon-7")
    fires = schedule.due + schedule.spread
    assert schedule.spread == 4.0
    assert not cloud.scheduler.firings  # six seconds ahead at most: not yet
    assert wait_until(lambda: bool(cloud.scheduler.firings), timeout=15)
    (firing,) = cloud.scheduler.firings
    assert fires <= firing.fired_at < fires + 2
    assert invocation(cloud, firing.request_id).event == {"poll": 2}
    assert not cloud.store.clock_file.exists()


def test_a_pending_schedule_fires_in_the_next_run(make_cloud: CloudFactory, tmp_path: Path) -> None:
    first = make_cloud(fast_clock=True)
    first.scheduler_engine.stop()  # this run ends before the schedule is due
    echo = stand_in(tmp_path, "echo", ECHO)
    # Registered like a deployed stack's function: kept in functions.json for the next run.
    first.driver.register_function(echo, owner="Probe")
    create_schedule(
        first, "later", function_arn=echo.arn, moment=first.clock.now() + 2 * HOUR, payload={}
    )
    first.close()
    assert "later" in first.store.scheduler_file.read_text()

    second = make_cloud(fast_clock=True)
    assert wait_until(lambda: bool(second.scheduler.firings), timeout=10)
    (firing,) = second.scheduler.firings
    assert firing.schedule_name == "later"
    assert firing.succeeded
    assert invocation(second, firing.request_id).result is not None
