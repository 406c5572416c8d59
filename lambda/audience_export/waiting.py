"""Polling with back-off, bounded by the resource's deadline and by this invocation's time.

The first check comes about 1 s after the call, the interval grows by half each time and is
capped at 4 s, so a job that turns ACTIVE is seen within 5 s (cap plus one call). The inline
wait ends ``INLINE_MARGIN_S`` before the Lambda timeout and hands over to a follow-up
invocation, so crhelper's own "Execution timed out" FAILED (0.5 s before the end) never fires.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .clock import Clock

FIRST_INTERVAL_S: Final = 1.0
BACKOFF: Final = 1.5
MAX_INTERVAL_S: Final = 4.0
# Room left in an invocation for the last call (with retries), the hand-over and the response.
INLINE_MARGIN_S: Final = 30.0
# CloudFormation's ServiceTimeout clock starts before the first invocation does; stopping a
# little earlier lets our reason, not CloudFormation's generic timeout, reach the stack.
DEADLINE_MARGIN_S: Final = 10.0

logger = logging.getLogger(__name__)


def deadline_for(started: float, timeout_s: int) -> float:
    """When the resource gives up: its ServiceTimeout after the first invocation, a bit early."""
    return started + timeout_s - min(DEADLINE_MARGIN_S, timeout_s / 10)


@dataclass(frozen=True)
class Budget:
    """The time one request may take (``deadline``) and this invocation may use (``inline_end``)."""

    clock: Clock
    started: float
    deadline: float
    inline_end: float

    @classmethod
    def begin(
        cls,
        clock: Clock,
        *,
        started: float | None,
        deadline: float | None,
        timeout_s: int,
        remaining_s: float,
    ) -> Budget:
        now = clock.now()
        first = now if started is None else started
        return cls(
            clock=clock,
            started=first,
            deadline=deadline_for(first, timeout_s) if deadline is None else deadline,
            inline_end=now + remaining_s - INLINE_MARGIN_S,
        )

    def elapsed_s(self) -> int:
        return round(self.clock.now() - self.started)


class HandOver(Exception):  # noqa: N818 - a signal, not an error
    """This invocation's time is up; a follow-up invocation must continue ``phase``."""

    def __init__(self, phase: str, last_status: str) -> None:
        super().__init__(f"handing over {phase} (last status {last_status})")
        self.phase = phase
        self.last_status = last_status


class DeadlineError(Exception):
    """The resource's deadline passed; ``str()`` is the reason for CloudFormation."""


Poll = Callable[[], tuple[bool, str]]
"""One check: (done, status seen). Raises to fail the resource."""


def wait_until(
    budget: Budget,
    poll: Poll,
    *,
    phase: str,
    last_status: str,
    timeout_reason: Callable[[int, str], str],
    poll_first: bool = False,
) -> str:
    """Poll until done; returns the final status. Raises HandOver or DeadlineError."""
    clock = budget.clock
    status = last_status
    if poll_first:
        done, status = poll()
        if done:
            return status
    interval = FIRST_INTERVAL_S
    while True:
        now = clock.now()
        if now >= budget.deadline:
            raise DeadlineError(timeout_reason(budget.elapsed_s(), status))
        wake = min(now + interval, budget.deadline)
        if wake > budget.inline_end:
            raise HandOver(phase, status)
        clock.sleep(wake - now)
        done, seen = poll()
        if seen != status:
            logger.info("%s: status %s", phase, seen)
        status = seen
        if done:
            return status
        interval = min(interval * BACKOFF, MAX_INTERVAL_S)
