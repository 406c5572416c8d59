"""Handler test fixtures: a fake clock and the handler's AWS clients, checked after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cdk_cleanrooms_ml._handler import clients
from cdk_cleanrooms_ml._handler import clock as handler_clock
from tests.clock import FakeClock
from tests.handler.services import Services


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(clock: FakeClock) -> Iterator[Services]:
    stubbed = Services(clock)
    clients.seed_jitter(20260101)  # repeatable jitter: the same sleeps on every run
    yield stubbed
    stubbed.close()
    clients.reset()
    handler_clock.reset()
    clients.seed_jitter(None)
    # Every answer a test queued was asked for: the calls it expected really happened.
    stubbed.verify()
