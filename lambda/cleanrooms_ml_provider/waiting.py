"""Polling with jittered back-off, bounded by the resource's deadline and the invocation's time.

Intervals follow "decorrelated jitter": each is drawn from [1 s, 3 x the previous], capped. The
cap is 4 s for the first 40 s of a request (a quick export is seen quickly) and then grows with
its age, to 10 % of it, at most 30 s. A poll whose call is throttled or fails in transit
(:class:`clients.Unavailable`) says nothing about the export: the status is unknown, the wait
goes on with the cap at its maximum, and only the deadline ends it.

An invocation waits inline only briefly (``inline_s`` of :meth:`Budget.begin`): a fresh request
up to :data:`FIRST_INLINE_S`, so quick jobs and exports finish in the invocation that started
them; a follow-up invocation looks once. Past that, :class:`HandOver` hands the wait to a poll
scheduled for later (:mod:`schedules`), so nothing runs between polls; only the last stretch
before the deadline, too short to schedule, is waited inline.

Time inside one invocation, from its end backwards: crhelper's "Execution timed out" timer
(``TIMER_LEAD_S``), the response PUT (``response_s``), then the calls that may still run after
the inline wait ends: the last poll and the hand-over (``call_s`` each). Every call is bounded
by ``hard_end``; the inline wait stops at ``inline_end``, so the margin always exceeds one call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from . import clients
from .clock import Clock
from .statuses import UNKNOWN

FIRST_INTERVAL_S: Final = 1.0
MIN_CAP_S: Final = 4.0
MAX_INTERVAL_S: Final = 30.0
# The cap is this share of the time waited so far (between MIN_CAP_S and MAX_INTERVAL_S).
CAP_SHARE: Final = 0.1
# Nominal budgets, for the provider's 5-minute Lambda; shorter invocations get shares of theirs.
CALL_S: Final = 15.0  # one call, all its attempts included
RESPONSE_S: Final = 15.0  # the response PUT, all its attempts included
TIMER_LEAD_S: Final = 2.0  # crhelper's timer answers this long before the Lambda timeout
# CloudFormation's ServiceTimeout clock starts before the first invocation does; stopping a
# little earlier lets our reason, not CloudFormation's generic timeout, reach the stack.
DEADLINE_MARGIN_S: Final = 10.0
# How long a fresh request waits inline before it hands the wait to scheduled polls.
FIRST_INLINE_S: Final = 20.0
# How long an invocation whose every look was throttled keeps retrying before it hands over:
# the polls of many waits come due in the same minute, and the next poll is minutes away.
THROTTLED_RETRY_S: Final = 10.0

logger = logging.getLogger(__name__)


def deadline_for(started: float, timeout_s: int) -> float:
    """When the resource gives up: its ServiceTimeout after the first invocation, a bit early."""
    return started + timeout_s - min(DEADLINE_MARGIN_S, timeout_s / 10)


@dataclass(frozen=True)
class Reserve:
    """What an invocation of ``remaining_s`` keeps back, in seconds."""

    call_s: float
    response_s: float
    timer_s: float

    @classmethod
    def for_invocation(cls, remaining_s: float) -> Reserve:
        return cls(
            call_s=min(CALL_S, remaining_s * 0.1),
            response_s=min(RESPONSE_S, remaining_s * 0.1),
            timer_s=min(TIMER_LEAD_S, remaining_s * 0.02),
        )

    @property
    def inline_margin_s(self) -> float:
        """From the end of the inline wait to the Lambda timeout."""
        return 2 * self.call_s + self.response_s + self.timer_s


def inline_margin_s(remaining_s: float) -> float:
    return Reserve.for_invocation(remaining_s).inline_margin_s


def inline_span_s(remaining_s: float) -> float:
    """How long an invocation of ``remaining_s`` may wait inline."""
    return remaining_s - inline_margin_s(remaining_s)


@dataclass(frozen=True)
class Budget:
    """The time one request may take (``deadline``) and this invocation may use.

    ``inline_end``: no new wait step after it. ``hard_end``: no call runs past it.
    """

    clock: Clock
    started: float
    deadline: float
    inline_end: float
    hard_end: float
    call_s: float
    # Calls may outlast the deadline by this much: half the room left before CloudFormation's.
    grace_s: float = 0.0

    @classmethod
    def begin(
        cls,
        clock: Clock,
        *,
        started: float | None,
        deadline: float | None,
        timeout_s: int,
        remaining_s: float,
        inline_s: float | None = None,
    ) -> Budget:
        """``inline_s``: how long this invocation may wait inline at most (None: as long as
        its time allows)."""
        now = clock.now()
        first = now if started is None else started
        reserve = Reserve.for_invocation(remaining_s)
        hard_end = now + remaining_s - reserve.response_s - reserve.timer_s
        inline_end = hard_end - 2 * reserve.call_s
        if inline_s is not None:
            inline_end = min(inline_end, now + inline_s)
        return cls(
            clock=clock,
            started=first,
            deadline=deadline_for(first, timeout_s) if deadline is None else deadline,
            inline_end=inline_end,
            hard_end=hard_end,
            call_s=reserve.call_s,
            grace_s=min(DEADLINE_MARGIN_S, timeout_s / 10) / 2,
        )

    def elapsed_s(self) -> int:
        return round(self.clock.now() - self.started)

    def call_until(self, *, by_deadline: bool = False) -> float:
        """When the next call must be done: one call budget, never past ``hard_end`` nor
        (by more than ``grace_s``) the deadline.

        ``by_deadline``: not past the resource's deadline at all (a Start must never land
        after CloudFormation stopped waiting: the export would be orphaned).
        """
        end = min(self.clock.now() + self.call_s, self.hard_end)
        return min(end, self.deadline if by_deadline else self.deadline + self.grace_s)


class HandOver(Exception):  # noqa: N818 - a signal, not an error
    """This invocation's time is up; a follow-up invocation must continue ``phase``."""

    def __init__(self, phase: str, last_status: str) -> None:
        super().__init__(f"handing over {phase} (last status {last_status})")
        self.phase = phase
        self.last_status = last_status


class DeadlineError(Exception):
    """The resource's deadline passed; ``str()`` is the reason for CloudFormation."""


Poll = Callable[[], tuple[bool, str]]
"""One check: (done, status seen). Raises to fail the resource; Unavailable means unknown."""


def unknown_status(error: clients.Unavailable) -> str:
    return f"{UNKNOWN}: {error.action} {error.last}"


def cap_for(waited_s: float, *, unavailable: bool) -> float:
    if unavailable:
        return MAX_INTERVAL_S
    return max(MIN_CAP_S, min(MAX_INTERVAL_S, waited_s * CAP_SHARE))


def next_interval(previous: float, cap: float) -> float:
    """Decorrelated jitter: uniform in [first, 3 x previous], at most ``cap``."""
    return min(cap, clients.jitter(FIRST_INTERVAL_S, max(FIRST_INTERVAL_S, previous * 3)))


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
    unavailable = False

    def look() -> bool:
        nonlocal status, unavailable
        try:
            done, seen = poll()
        except clients.Unavailable as error:
            # Throttled or unreachable: the export may be fine; only the deadline ends this.
            # No attempt at all (no time left for one) says nothing: the last status stands.
            seen = unknown_status(error) if error.attempts else status
            done, unavailable = False, True
        else:
            unavailable = False
        if seen != status:
            logger.info("%s: status %s", phase, seen)
        status = seen
        return done

    retry_end = min(clock.now() + THROTTLED_RETRY_S, budget.hard_end - 2 * budget.call_s)
    answered = False  # a look of this invocation was answered (not throttled or unreachable)
    looked = poll_first and clock.now() < budget.deadline
    if looked:
        if look():
            return status
        answered = not unavailable
    interval = clients.jitter(FIRST_INTERVAL_S / 2, FIRST_INTERVAL_S * 1.5)
    while True:
        now = clock.now()
        if now >= budget.deadline:
            raise DeadlineError(timeout_reason(budget.elapsed_s(), status))
        wake = min(now + interval, budget.deadline)
        if wake > budget.inline_end:
            if not looked:
                looked = True  # every invocation looks once before it hands over
                if look():
                    return status
                answered = not unavailable
            if answered or not unavailable or wake > retry_end:
                raise HandOver(phase, status)
        clock.sleep(wake - now)
        looked = True
        if look():
            return status
        answered = answered or not unavailable
        # The request's age, not this wait's: a wait resumed by a follow-up invocation goes on
        # at the pace it had.
        waited = clock.now() - budget.started
        interval = next_interval(interval, cap_for(waited, unavailable=unavailable))
