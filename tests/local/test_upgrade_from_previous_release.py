"""Stacks deployed with the previous release, updated with today's library, offline.

The previous release's own cloud assemblies (``tests/fixtures/release_06d65af/assemblies``,
written by ``python -m tests.fixtures.regenerate_assemblies`` from that commit's library, app.py,
cdk.json and README) are deployed as they are: its templates and its provider code. The same
apps are then synthesized with today's library, in this process (the same stack names and
modes; env-agnostic, as the fixtures were), and deployed over them, as ``cdk deploy`` of a new
version would. Nothing billed may happen twice: no resource replaced, no job or export started
again; and the wait a previous-release poller is carrying when its provider is updated ends
with today's code. Each destroy afterwards leaves nothing behind.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from cdk_cleanrooms_ml.local.awslambda.invocations import Invocation
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, StackResult
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE
from tests.fixtures import LOGICAL_IDS, README_APPS
from tests.fixtures import pinned_assemblies as apps
from tests.local.conftest import CloudFactory
from tests.local.generation_support import generation_starts, started_jobs
from tests.local.upgrade_support import (
    Stacks,
    assert_nothing_left,
    copy_old_assemblies,
    destroy_all,
    old_apps,
    stacks_in,
    upgrade,
    upgrade_seed,
)

pytestmark = pytest.mark.slow

ROOT: Final = Path(__file__).resolve().parents[2]
HOUR: Final = 3600
# The apps' jobs take two minutes, virtual: the previous release's first invocation sees them
# ACTIVE (no hand-over, so two jobs waited on at once never share the fast clock across
# invocations). The in-flight job takes three hours: its poller, handing over every ~250 s,
# is overtaken by the provider's update.
JOB_S: Final = 120
IN_FLIGHT_JOB_S: Final = 3 * HOUR
OPTIONS: Final = DriverOptions(max_wait=240, no_response_grace=8.0)
HAND_OVER_WAIT_S: Final = 60
UPGRADED: Final = sorted(app for app in old_apps() if app != apps.IN_FLIGHT)


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_old_assemblies(tmp_path_factory.mktemp("previous-release") / "assemblies")


@pytest.fixture(scope="module")
def today() -> Iterator[dict[str, Path]]:
    """Every fixture app synthesized with today's library: today's app.py and cdk.json, and
    the README's apps as written then."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"):
            patch.delenv(key, raising=False)
        yield apps.assemblies(ROOT, README_APPS)


def fast_cloud(make_cloud: CloudFactory, state: Path, job_s: float) -> LocalCloud:
    return make_cloud(state_dir=state, seed=upgrade_seed(job_s), fast_clock=True, options=OPTIONS)


def assert_created(results: list[StackResult]) -> None:
    for result in results:
        assert result.status == "CREATE_COMPLETE", f"{result.stack_name}: {result.reason}"


def hand_overs(cloud: LocalCloud) -> list[Invocation]:
    """Invocations by ``lambda:Invoke``: only the previous release's poller hands over so."""
    return [i for i in cloud.emulator.invocations if i.source == "lambda:Invoke"]


def request_ids(invocations: list[Invocation]) -> set[str]:
    return {str(i.event["RequestId"]) for i in invocations if isinstance(i.event, dict)}


def test_the_fixtures_hold_every_pinned_app() -> None:
    pinned = set(json.loads(LOGICAL_IDS.read_text(encoding="utf-8")))
    assert set(old_apps()) == pinned | {apps.IN_FLIGHT}


@pytest.mark.parametrize("app", UPGRADED)
def test_an_app_of_the_previous_release_updates_in_place(
    app: str, old: Path, today: dict[str, Path], make_cloud: CloudFactory, tmp_path: Path
) -> None:
    cloud = fast_cloud(make_cloud, tmp_path / "state", JOB_S)
    old_stacks = stacks_in(old / old_apps()[app])
    assert_created([cloud.deploy(stack) for stack in old_stacks.values()])
    jobs = started_jobs(cloud)
    assert all(job.status == "ACTIVE" for job in jobs)
    new_stacks = stacks_in(today[app])

    assert upgrade(cloud, old_stacks, new_stacks) == []
    assert started_jobs(cloud) == jobs

    kept = destroy_all(cloud, new_stacks)
    assert_nothing_left(cloud, kept)


def test_a_replacement_would_be_reported(
    old: Path, today: dict[str, Path], make_cloud: CloudFactory, tmp_path: Path
) -> None:
    """The check itself: today's app with its job's description changed replaces the job."""
    app = "app.py default"
    cloud = fast_cloud(make_cloud, tmp_path / "state", JOB_S)
    old_stacks = stacks_in(old / old_apps()[app])
    assert_created([cloud.deploy(stack) for stack in old_stacks.values()])
    [(name, stack)] = stacks_in(today[app]).items()
    template = copy.deepcopy(stack.template)
    [job_id] = [
        lid for lid, r in template["Resources"].items() if r["Type"] == GENERATION_JOB_RESOURCE_TYPE
    ]
    template["Resources"][job_id]["Properties"]["Description"] = "another description"
    changed: Stacks = {name: dataclasses.replace(stack, template=template)}

    found = upgrade(cloud, old_stacks, changed)

    assert f"{name}: {job_id} replaced" in "\n".join(found)
    assert any(line.startswith(f"{name}: Delete {job_id}") for line in found)
    assert "StartAudienceGenerationJob called again: 1 -> 2" in found


def test_a_wait_in_flight_when_its_provider_is_updated_ends_with_todays_code(
    old: Path, today: dict[str, Path], make_cloud: CloudFactory, tmp_path: Path
) -> None:
    """The previous release's poller hands its wait over by invoking the function again; the
    provider stack is updated meanwhile, so that invocation runs today's code, which carries
    the wait on (on EventBridge Scheduler) and signals the WaitCondition."""
    cloud = fast_cloud(make_cloud, tmp_path / "state", IN_FLIGHT_JOB_S)
    old_stacks = stacks_in(old / old_apps()[apps.IN_FLIGHT])
    provider_name, waiting_name = list(old_stacks)
    assert_created([cloud.deploy(old_stacks[provider_name])])
    created: list[StackResult] = []
    waiting = threading.Thread(
        target=lambda: created.append(cloud.deploy(old_stacks[waiting_name])), daemon=True
    )
    waiting.start()
    deadline = time.monotonic() + HAND_OVER_WAIT_S
    while not hand_overs(cloud):  # in flight: the old poller has handed over once
        assert time.monotonic() < deadline and waiting.is_alive(), "no hand-over happened"
        time.sleep(0.05)
    new_stacks = stacks_in(today[apps.IN_FLIGHT])

    updated = cloud.deploy(new_stacks[provider_name])

    assert updated.status == "UPDATE_COMPLETE", updated.reason
    [job] = started_jobs(cloud)
    assert job.status in ("CREATE_PENDING", "CREATE_IN_PROGRESS")  # the update overtook it
    assert waiting.is_alive()
    waiting.join(timeout=120)
    [result] = created
    assert result.status == "CREATE_COMPLETE", result.reason  # the WaitCondition succeeded
    [job_create, export_create] = result.operations
    # Today's handler polled on the old hand-over's request: the previous release never
    # scheduled a poll.
    polls = [i for i in cloud.emulator.invocations if i.source == "scheduler"]
    assert polls
    assert request_ids(polls) == request_ids(hand_overs(cloud)) == {job_create.event["RequestId"]}
    [job_start] = cloud.endpoint.calls_to("StartAudienceGenerationJob")
    [export_start] = cloud.endpoint.calls_to("StartAudienceExportJob")
    assert export_start.at - job_start.at >= IN_FLIGHT_JOB_S  # after the condition completed
    assert [j.status for j in started_jobs(cloud)] == ["ACTIVE"]
    assert generation_starts(cloud) == 1
    assert export_create.data["Status"] == "ACTIVE"

    # The waiting stack itself, updated with today's library once its wait is over.
    assert upgrade(cloud, old_stacks, new_stacks) == []
    assert_nothing_left(cloud, destroy_all(cloud, new_stacks))
