"""A Lambda process on the fast clock: its sleeps jump, its context counts virtual time."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.awslambda.runtime import InvocationResult, LocalFunction
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.local.conftest import CloudFactory
from tests.local.support import STAND_IN_CLOCK

pytestmark = pytest.mark.slow

HOUR = 3600

PROBE_CLOCK = STAND_IN_CLOCK

PROBE_INDEX = """
from . import clock

def handler(event, context):
    current = clock.current()
    before = current.now()
    remaining_before = context.get_remaining_time_in_millis()
    current.sleep(event["sleep"])
    return {
        "clock": type(current).__name__,
        "before": before,
        "after": current.now(),
        "remaining_before": remaining_before,
        "remaining_after": context.get_remaining_time_in_millis(),
    }
"""


def probe(tmp_path: Path, timeout: float) -> LocalFunction:
    package = tmp_path / "probe-code" / "probe"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "clock.py").write_text(textwrap.dedent(PROBE_CLOCK))
    (package / "index.py").write_text(textwrap.dedent(PROBE_INDEX))
    return LocalFunction(
        function_name="probe",
        handler="probe.index.handler",
        code_dir=package.parent,
        timeout_seconds=timeout,
    )


def invoke(cloud: LocalCloud, function: LocalFunction, sleep: float) -> InvocationResult:
    invocation = cloud.emulator.invoke(
        function, json.dumps({"sleep": sleep}).encode(), source="test"
    )
    assert invocation.result is not None
    return invocation.result


def test_a_three_hour_sleep_returns_at_once(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud(fast_clock=True)
    started_virtual, started_real = cloud.clock.now(), time.monotonic()
    result = invoke(cloud, probe(tmp_path, timeout=4 * HOUR), 3 * HOUR)
    assert result.status == "ok", result.log
    payload: dict[str, Any] = result.payload
    assert payload["clock"] == "_InvocationClock"
    assert 3 * HOUR <= payload["after"] - payload["before"] < 3 * HOUR + 60
    assert payload["before"] >= started_virtual
    # The context counts the same virtual time: an hour of the four is left.
    assert 4 * HOUR * 1000 - 60_000 <= payload["remaining_before"] <= 4 * HOUR * 1000
    assert HOUR * 1000 - 60_000 <= payload["remaining_after"] <= HOUR * 1000
    # The harness sees the jump too; and it was not really waited for.
    assert cloud.clock.now() - started_virtual >= 3 * HOUR
    assert time.monotonic() - started_real < 60


def test_a_sleep_past_the_deadline_times_out_there(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = make_cloud(fast_clock=True)
    started = cloud.clock.now()
    result = invoke(cloud, probe(tmp_path, timeout=900), 3 * HOUR)
    assert result.status == "timeout"
    assert result.error_message == "Task timed out after 900.00 seconds"
    # Time moved to the deadline, not on to the end of the sleep.
    assert 900 <= cloud.clock.now() - started < 900 + 60


def test_real_time_leaves_the_handler_clock_alone(make_cloud: CloudFactory, tmp_path: Path) -> None:
    cloud = make_cloud()
    result = invoke(cloud, probe(tmp_path, timeout=30), 0)
    assert result.status == "ok", result.log
    assert result.payload["clock"] == "SystemClock"
    assert not cloud.store.clock_file.exists()
