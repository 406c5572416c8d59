"""Fixtures for the local lifecycle tests: every server and process they start is stopped here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack
from cdk_cleanrooms_ml.local.awslambda.packages import build_runtime_dir
from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.cfn_lint import assert_assembly_lint_clean
from tests.clock import FakeClock

# Exports finish quickly in tests; the handler's first poll (about 1 s) already sees ACTIVE.
FAST = ExportDurations(pending=0.2, in_progress=0.5)


@pytest.fixture(scope="session")
def runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("lambda-runtime")
    build_runtime_dir(cache)
    return cache


CloudFactory = Callable[..., LocalCloud]


@pytest.fixture
def make_cloud(tmp_path: Path, runtime_cache: Path) -> Iterator[CloudFactory]:
    """Start LocalClouds (state in ``tmp_path/state`` unless told otherwise); all closed after."""
    started: list[LocalCloud] = []

    def make(**overrides: Any) -> LocalCloud:
        progress: list[ProgressEvent] = overrides.pop("progress", [])
        settings: dict[str, Any] = {
            "state_dir": tmp_path / "state",
            "durations": FAST,
            "runtime_cache": runtime_cache,
            "options": DriverOptions(max_wait=90, no_response_grace=2.0),
            "on_progress": progress.append,
        }
        settings.update(overrides)
        cloud = LocalCloud(**settings).start()
        started.append(cloud)
        return cloud

    yield make
    for cloud in started:
        cloud.close()


@pytest.fixture
def clock() -> FakeClock:
    """The endpoint tests' clock (see FakeClock)."""
    return FakeClock()


@pytest.fixture(scope="module")
def provider_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The provider stack (``CleanRoomsMlProviderStack``) synthesized, lint-clean."""
    out = tmp_path_factory.mktemp("provider") / "cdk.out"
    app = cdk.App(outdir=str(out))
    CleanRoomsMlProviderStack(app, env=cdk.Environment(account="111122223333", region="us-east-1"))
    app.synth()
    assert_assembly_lint_clean(out)
    return out


@pytest.fixture
def provider_cloud(make_cloud: CloudFactory, provider_app: Path) -> LocalCloud:
    """A local cloud with the provider stack deployed (its token exported)."""
    started = make_cloud()
    result = started.deploy(load_stack(provider_app, CleanRoomsMlProviderStack.DEFAULT_STACK_NAME))
    assert result.status == "CREATE_COMPLETE", result.reason
    return started
