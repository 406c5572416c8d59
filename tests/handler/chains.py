"""Running a request through the scheduled polls it hands over to, as Scheduler delivers them.

An invocation that cannot finish its wait schedules the next poll (a one-time EventBridge
Scheduler schedule whose input is the follow-up event) and sends nothing; the poll that finishes
the wait answers CloudFormation. :func:`run_chain` plays that: each follow-up runs once the fake
clock reached the time its schedule names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.handler.response_url import cloudformation
from tests.handler.services import Call, Services
from tests.handler.support import Invocation, invoke_handler

# A Lambda invocation's time: the provider's 5-minute timeout, what every scheduled poll gets.
FUNCTION_TIMEOUT_MS = 300_000


@dataclass(frozen=True)
class Chain:
    """A request's invocations: those that handed over, then the one that answered."""

    handed_over: list[Invocation]
    answer: Invocation

    @property
    def response(self) -> dict[str, Any]:
        assert self.answer.response is not None
        return self.answer.response

    @property
    def invocations(self) -> list[Invocation]:
        return [*self.handed_over, self.answer]

    @property
    def calls(self) -> list[Call]:
        return [call for invocation in self.invocations for call in invocation.calls]

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]


def _responses_for(event: dict[str, Any]) -> int:
    url = event.get("ResponseURL")
    return len(cloudformation().recorded_for(url)) if isinstance(url, str) else 0


def run_chain(
    services: Services,
    event: dict[str, Any],
    *,
    remaining_ms: int = FUNCTION_TIMEOUT_MS,
    limit: int = 60,
) -> Chain:
    """Run ``event`` (with ``remaining_ms`` left), then every poll it schedules, each at its
    schedule's time with a full invocation's time, until one answers CloudFormation.

    An invocation that hands over must have sent nothing; exactly one answer ends the chain
    (a Create delivered twice shares its ResponseURL with the first delivery: only answers
    sent during this chain count).
    """
    answered_before = _responses_for(event)
    handed_over: list[Invocation] = []
    for _ in range(limit):
        services.expect_schedule()  # in case this invocation hands over
        result = invoke_handler(event, services=services, remaining_ms=remaining_ms)
        if "CreateSchedule" not in result.operations:
            services.discard_pending_schedules()  # it did not: the slot stays unused
        if result.responses_sent > answered_before:
            assert result.responses_sent == answered_before + 1, "answered twice"
            return Chain(handed_over, result)
        assert "CreateSchedule" in result.operations, "neither answered nor handed over"
        handed_over.append(result)
        event = result.next_poll(services.clock)
        remaining_ms = FUNCTION_TIMEOUT_MS
    raise AssertionError(f"no response after {limit} invocations")


def succeeded(result: Any) -> dict[str, Any]:
    assert result.response is not None, "no response"
    assert result.response["Status"] == "SUCCESS", result.response["Reason"]
    return dict(result.response)


def failed(result: Any) -> dict[str, Any]:
    assert result.response is not None, "no response"
    assert result.response["Status"] == "FAILED", result.response
    return dict(result.response)
