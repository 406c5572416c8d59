"""Fixtures for handler tests: a fake clock and stubbed AWS clients, checked after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cdk_cleanrooms_ml._handler import clients
from cdk_cleanrooms_ml._handler import clock as handler_clock
from tests.handler.support import FakeClock, Services


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(clock: FakeClock) -> Iterator[Services]:
    stubbed = Services(clock)
    yield stubbed
    clients.reset()
    handler_clock.reset()
    # Every answer a test queued was asked for: the calls it expected really happened.
    stubbed.verify()
