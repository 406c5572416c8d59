"""What a lifecycle step returns: an answer, a hand-over, or a failure with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from . import continuation


class RequestError(Exception):
    """The request fails; ``str()`` is the reason CloudFormation shows."""


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
