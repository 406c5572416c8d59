"""Long waits in handler tests: a WaitCondition handle's properties, the poller chain a Create
hands over to, and what it signalled."""

from __future__ import annotations

import json
from typing import Any

from cdk_cleanrooms_ml._handler.fields import common as common_fields
from tests.handler.generation_support import job_event
from tests.handler.response_url import cloudformation
from tests.handler.services import Services
from tests.handler.support import Invocation, invoke_handler

TWELVE_HOURS = 43_200


def signalled(url: str, timeout_s: int = TWELVE_HOURS) -> dict[str, str]:
    return {common_fields.KEY_SIGNAL_URL: url, common_fields.KEY_SIGNAL_TIMEOUT: str(timeout_s)}


def run_poller(services: Services, event: dict[str, Any], limit: int = 200) -> list[Invocation]:
    """Every invocation of the poller chain that ``event`` (a Create's hand-over) starts."""
    runs = []
    for _ in range(limit):
        services.expect_schedule()  # the slot for a hand-over, if this invocation makes one
        run = invoke_handler(event, services=services, remaining_ms=900_000)
        runs.append(run)
        # A poller never answers CloudFormation again: only the Create's answer is recorded.
        assert run.responses_sent == 1
        if "CreateSchedule" not in run.operations:
            services.discard_pending_schedules()
            return runs
        event = run.next_poll(services.clock)
    raise AssertionError(f"the poller was still running after {limit} invocations")


def signals(url: str) -> list[dict[str, Any]]:
    return [json.loads(body) for body in cloudformation().bodies_for(url)]


def create_with_signal(
    services: Services, props: dict[str, Any] | None = None, *, event: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Create's answer and the poller's first event (a job of ``props``, or ``event``)."""
    services.expect_schedule()
    first = invoke_handler(event or job_event("Create", props), services=services)
    assert first.response is not None
    assert first.response["Status"] == "SUCCESS", first.response["Reason"]
    return first.response, first.continuation_event()
