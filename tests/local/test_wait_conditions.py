"""WaitConditionHandle and WaitCondition in the local CloudFormation, on the fast clock.

The test plays the provider: once the handle exists it PUTs the signals itself (before the wait
condition starts waiting, which CloudFormation counts too).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cli import EXIT_FAILED, main
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.cloudformation.exceptions import TemplateError
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.local.conftest import CloudFactory
from tests.local.support import assert_rolled_back_empty
from tests.local.wait_support import HOUR, STACK, put, signal, wait_template

pytestmark = pytest.mark.slow

HANDLE = "AWS::CloudFormation::WaitConditionHandle"
WAIT = "AWS::CloudFormation::WaitCondition"

Plan = Callable[[LocalCloud, str], int]


def success(unique_id: str, data: str = "") -> Plan:
    return lambda cloud, url: signal(cloud, url, "SUCCESS", unique_id, data=data)


def failure(unique_id: str, reason: str) -> Plan:
    return lambda cloud, url: signal(cloud, url, "FAILURE", unique_id, reason=reason)


class Signaller:
    """A fast-clock cloud that PUTs ``plan`` to each handle as soon as it is created."""

    def __init__(self, make_cloud: CloudFactory, plan: list[Plan], **overrides: Any) -> None:
        self.plan = plan
        self.events: list[ProgressEvent] = []
        self.statuses: list[int] = []
        self.urls: list[str] = []
        settings: dict[str, Any] = {
            "fast_clock": True,
            "options": DriverOptions(max_wait=90, no_response_grace=0.5),
            "on_progress": self.on_progress,
        }
        settings.update(overrides)
        self.cloud = make_cloud(**settings)

    def on_progress(self, event: ProgressEvent) -> None:
        self.events.append(event)
        if event.resource_type == HANDLE and event.status == "CREATE_COMPLETE":
            url = self.cloud.wait_handles.url(event.stack_name, event.logical_id)
            self.urls.append(url)
            self.statuses.extend(put_signal(self.cloud, url) for put_signal in self.plan)

    def lines(self, logical_id: str) -> list[tuple[str, str]]:
        return [(e.status, e.reason) for e in self.events if e.logical_id == logical_id]


def test_success_completes_with_data_and_never_shows_the_url(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    run = Signaller(make_cloud, [success("job-1", '{"status":"ACTIVE"}')])
    result = run.cloud.deploy(wait_template(tmp_path))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert run.statuses == [200]
    assert json.loads(result.outputs["Data"]) == {"job-1": '{"status":"ACTIVE"}'}
    assert result.outputs["Condition"].endswith("/Wait")
    assert result.operations == []  # nothing was sent to a handler
    assert run.lines("Handle") == [("CREATE_IN_PROGRESS", ""), ("CREATE_COMPLETE", "")]
    assert run.lines("Wait") == [
        ("CREATE_IN_PROGRESS", ""),
        ("CREATE_IN_PROGRESS", "Received SUCCESS signal with UniqueId job-1"),
        ("CREATE_COMPLETE", ""),
    ]
    (url,) = run.urls
    assert url.startswith("https://127.0.0.1:")
    assert "X-Amz-Signature=" in url
    signature = url.rsplit("=", 1)[1]
    shown = repr(run.events) + repr(result.outputs) + result.reason
    assert signature not in shown
    assert "cloudformation-waitcondition" not in shown


def test_a_failure_signal_fails_the_stack_with_its_reason(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    run = Signaller(make_cloud, [failure("job-1", "CREATE_FAILED: the seed is too small")])
    result = run.cloud.deploy(wait_template(tmp_path))
    expected = (
        "WaitCondition received failed message: 'CREATE_FAILED: the seed is too small' "
        "for uniqueId: job-1"
    )
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == expected
    assert ("CREATE_FAILED", expected) in run.lines("Wait")
    assert_rolled_back_empty(run.cloud, STACK)


def test_a_six_hour_timeout_passes_in_virtual_time(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    run = Signaller(make_cloud, [])
    clock = run.cloud.clock
    virtual, real = clock.now(), time.monotonic()
    result = run.cloud.deploy(wait_template(tmp_path, timeout=str(6 * HOUR)))
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.reason == "WaitCondition timed out. Received 0 conditions when expecting 1"
    assert clock.now() - virtual >= 6 * HOUR
    # Not a speed measurement: the six hours were not waited for.
    assert time.monotonic() - real < 60
    # The endpoint lives on the same clock.
    assert run.cloud.endpoint.backend.clock() == pytest.approx(clock.now(), abs=5)


def test_count_two_ignores_a_repeated_unique_id(make_cloud: CloudFactory, tmp_path: Path) -> None:
    plan = [success("a", "first"), success("a", "again"), success("b", "second")]
    run = Signaller(make_cloud, plan)
    result = run.cloud.deploy(wait_template(tmp_path, count="2"))
    assert result.status == "CREATE_COMPLETE", result.reason
    assert json.loads(result.outputs["Data"]) == {"a": "first", "b": "second"}
    received = [reason for _, reason in run.lines("Wait") if reason]
    assert received == [
        "Received SUCCESS signal with UniqueId a",
        "Received SUCCESS signal with UniqueId b",
    ]


def test_a_repeated_unique_id_does_not_make_two(make_cloud: CloudFactory, tmp_path: Path) -> None:
    run = Signaller(make_cloud, [success("a"), success("a")])
    result = run.cloud.deploy(wait_template(tmp_path, count=2, timeout=2 * HOUR))
    assert result.reason == "WaitCondition timed out. Received 1 conditions when expecting 2"


def test_the_url_takes_only_its_own_unsigned_put(make_cloud: CloudFactory, tmp_path: Path) -> None:
    body = json.dumps({"Status": "SUCCESS", "UniqueId": "x", "Data": "typed"}).encode()
    plan: list[Plan] = [
        # Presigned for an empty Content-Type, as on AWS: a typed PUT does not match.
        lambda cloud, url: put(cloud, url, body, {"Content-Type": "application/json"}),
        lambda cloud, url: put(cloud, url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), body),
        success("job-1", "ok"),
    ]
    run = Signaller(make_cloud, plan)
    result = run.cloud.deploy(wait_template(tmp_path))
    assert run.statuses == [403, 403, 200]
    assert json.loads(result.outputs["Data"]) == {"job-1": "ok"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json", "Expecting value"),
        (b'{"Status": "DONE", "UniqueId": "a"}', "Status is 'DONE', not SUCCESS or FAILURE"),
        (b'{"Status": "SUCCESS"}', "UniqueId must be a non-empty string"),
    ],
)
def test_an_unparsable_signal_fails_the_condition(
    make_cloud: CloudFactory, tmp_path: Path, body: bytes, problem: str
) -> None:
    run = Signaller(make_cloud, [lambda cloud, url: put(cloud, url, body)])
    result = run.cloud.deploy(wait_template(tmp_path))
    assert run.statuses == [200]  # S3 stores any body; CloudFormation is what cannot read it
    assert result.reason.startswith("Unparsable WaitCondition data (")
    assert problem in result.reason


@pytest.mark.parametrize(
    ("timeout", "count", "message"),
    [
        ("0", None, "Wait: Timeout must be a whole number from 1 to 43200 seconds, got '0'"),
        (43201, None, "Wait: Timeout must be a whole number from 1 to 43200 seconds, got 43201"),
        ("1.5", None, "Timeout must be a whole number from 1 to 43200 seconds, got '1.5'"),
        ("600", "0", "Wait: Count must be a whole number of at least 1, got '0'"),
    ],
)
def test_bad_timeout_or_count_is_refused_before_anything_runs(
    make_cloud: CloudFactory, tmp_path: Path, timeout: object, count: object, message: str
) -> None:
    run = Signaller(make_cloud, [success("never")])
    with pytest.raises(TemplateError) as raised:
        run.cloud.deploy(wait_template(tmp_path, timeout=timeout, count=count))
    assert message in str(raised.value)
    assert run.events == []
    assert run.statuses == []
    assert run.cloud.store.load_stack(STACK) is None


def test_a_wait_condition_is_replaced_never_updated(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    run = Signaller(make_cloud, [success("job-1", "v1")])
    assert run.cloud.deploy(wait_template(tmp_path)).status == "CREATE_COMPLETE"

    changed = run.cloud.deploy(wait_template(tmp_path, timeout="900"))
    assert changed.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "WaitCondition cannot be updated (changed: Timeout)" in changed.reason
    assert ("UPDATE_FAILED", changed.reason) in run.lines("Wait")

    # Unchanged: no new wait.
    assert run.cloud.deploy(wait_template(tmp_path)).status == "NO_CHANGES"

    # New logical ids (what the construct's hash does): a new handle, a new wait.
    run.plan = [success("job-2", "v2")]
    replaced = run.cloud.deploy(wait_template(tmp_path, wait_id="Wait2", handle_id="Handle2"))
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    assert json.loads(replaced.outputs["Data"]) == {"job-2": "v2"}
    state = run.cloud.store.load_stack(STACK)
    assert state is not None
    assert sorted(state.resources) == ["Handle2", "Wait2"]

    deleted = run.cloud.destroy(STACK)
    assert deleted.status == "DELETE_COMPLETE"
    assert deleted.operations == []


def test_a_handle_from_an_earlier_run_is_not_served(
    make_cloud: CloudFactory, tmp_path: Path
) -> None:
    first = Signaller(make_cloud, [success("job-1")])
    assert first.cloud.deploy(wait_template(tmp_path)).status == "CREATE_COMPLETE"
    first.cloud.close()
    # Same handle, a new wait condition on it, in another run.
    second = Signaller(make_cloud, [])
    result = second.cloud.deploy(wait_template(tmp_path, wait_id="Wait2"))
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "its Handle's URL is not served by this run" in result.reason


def test_the_command_line_runs_a_long_wait_on_the_fast_clock(tmp_path: Path) -> None:
    template = wait_template(tmp_path, timeout=str(6 * HOUR)).source
    state = tmp_path / "cli-state"
    out = io.StringIO()
    code = main(
        ["deploy", "--template", str(template), "--state-dir", str(state), "--fast-clock"], out=out
    )
    text = out.getvalue()
    assert code == EXIT_FAILED, text
    assert "WaitCondition timed out. Received 0 conditions when expecting 1" in text
    assert "cloudformation-waitcondition" not in text
    # Real seconds passed too: the offset is the rest of the six hours.
    assert json.loads((state / "clock.json").read_text())["offset"] > 6 * HOUR - 60
