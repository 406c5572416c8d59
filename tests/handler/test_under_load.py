"""Many Creates at once, each in its own Lambda-like process, against a faulty endpoint.

crhelper keeps per-request state on one object, so concurrency is modelled with processes (the
offline harness's Lambda runtime running the asset), never threads in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.throttled import (
    DURATIONS,
    create_event,
    function,
    run_load,
    seed,
)
from cdk_cleanrooms_ml.local.awslambda.packages import build_runtime_dir
from cdk_cleanrooms_ml.local.awslambda.runtime import LocalFunction
from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.provider_code import provider_code

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("lambda-runtime")
    build_runtime_dir(cache)
    return cache


@pytest.fixture(scope="module")
def asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return provider_code(tmp_path_factory.mktemp("asset") / "code")


def cloud_for(tmp_path: Path, runtime_cache: Path, exports: int) -> LocalCloud:
    return LocalCloud(
        state_dir=tmp_path / "state",
        seed=seed(exports),
        durations=DURATIONS,
        runtime_cache=runtime_cache,
    ).start()


@pytest.fixture
def cloud(tmp_path: Path, runtime_cache: Path) -> Iterator[LocalCloud]:
    started = cloud_for(tmp_path, runtime_cache, 100)
    yield started
    started.close()


def test_100_exports_at_5_tps_per_operation_all_succeed(cloud: LocalCloud, asset: Path) -> None:
    cloud.endpoint.faults.rate_limit(5)
    provider = function(asset)
    events = [create_event(cloud, provider, i) for i in range(100)]

    result = run_load(cloud, provider, events, timeout_s=600)

    assert result.statuses() == {"SUCCESS": 100}, [
        a[-1].json().get("Reason") for a in result.answers.values() if a
    ][:5]
    assert result.exports == 100
    assert result.answered_twice == 0
    assert result.crashed == 0
    assert result.throttled > 0  # the limit really bit


def test_30_exports_against_the_20_in_flight_quota_all_succeed(
    tmp_path: Path, runtime_cache: Path, asset: Path
) -> None:
    # Exports that take 12 s, so more than 20 are in flight while the rest start.
    cloud = LocalCloud(
        state_dir=tmp_path / "quota-state",
        seed=seed(30),
        durations=ExportDurations(pending=2.0, in_progress=10.0),
        runtime_cache=runtime_cache,
    ).start()
    try:
        check_quota_run(cloud, asset)
    finally:
        cloud.close()


def check_quota_run(cloud: LocalCloud, asset: Path) -> None:
    provider = function(asset)
    events = [create_event(cloud, provider, i) for i in range(30)]

    result = run_load(cloud, provider, events, timeout_s=300)

    assert result.statuses() == {"SUCCESS": 30}
    assert result.exports == 30
    assert result.answered_twice == 0
    quota_hits = [
        call for call in cloud.endpoint.calls if call.error == "ServiceQuotaExceededException"
    ]
    assert quota_hits  # the quota really bit
    # A request that waits for a slot longer than its first invocation's inline wait goes on
    # in scheduled polls (whole minutes of real time): each of them reached the provider.
    assert all(firing.error is None for firing in cloud.scheduler.firings)
    assert result.crashed == 0
    assert result.wall_s < 300


def test_a_lost_start_answer_ends_in_success_and_one_export(cloud: LocalCloud, asset: Path) -> None:
    cloud.endpoint.faults.lose_answers(1)
    provider = function(asset)

    result = run_load(cloud, provider, [create_event(cloud, provider, 0)], timeout_s=120)

    assert result.statuses() == {"SUCCESS": 1}
    assert result.exports == 1
    assert result.answered_twice == 0
    starts = [call.error for call in cloud.endpoint.calls_to("StartAudienceExportJob")]
    assert starts == ["InternalServiceException", "ConflictException"]


def test_the_same_create_delivered_twice_gives_one_answer_kind_and_one_export(
    cloud: LocalCloud, asset: Path
) -> None:
    provider: LocalFunction = function(asset)
    event = create_event(cloud, provider, 0)
    # The first Start is throttled and retried: the other delivery starts it in between.
    cloud.endpoint.faults.throttle(1, operation="StartAudienceExportJob")

    result = run_load(cloud, provider, [event, event], timeout_s=120)

    [answers] = result.answers.values()
    assert len(answers) == 2
    assert {a.json()["Status"] for a in answers} == {"SUCCESS"}
    assert len({a.json()["PhysicalResourceId"] for a in answers}) == 1
    assert result.exports == 1
