"""What a lifecycle step returns: an answer, or a hand-over to a follow-up invocation (a failure
is raised: :class:`service_errors.RequestError`)."""

from __future__ import annotations

from dataclasses import dataclass

from . import continuation, waiting


@dataclass(frozen=True)
class Continue:
    state: continuation.State
    until: float  # the hand-over call must be done by then


@dataclass(frozen=True)
class Done:
    physical_id: str
    data: dict[str, str]
    # A long wait goes on after the answer: the poller that signals its WaitCondition.
    follow_up: Continue | None = None


Outcome = Done | Continue


def continue_after(
    handover: waiting.HandOver,
    budget: waiting.Budget,
    state: continuation.State | None,
    physical_id: str,
    data: dict[str, str] | None = None,
) -> Continue:
    """The hand-over of a wait this invocation could not finish: the follow-up goes on with
    ``handover.phase``, within the request's first start and deadline."""
    return Continue(
        continuation.State(
            started=budget.started,
            deadline=budget.deadline,
            phase=handover.phase,
            physical_id=physical_id,
            data=data or {},
            invocation=(state.invocation + 1) if state else 2,
        ),
        until=budget.hard_end,
    )
