"""Time as the waiting code sees it, so tests can drive it without sleeping.

``now()`` is wall-clock epoch seconds: deadlines travel between invocations (in the
continuation event), so a per-process monotonic clock would not do.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


_SYSTEM = SystemClock()
_current: Clock = _SYSTEM


def current() -> Clock:
    return _current


def use(clock: Clock) -> None:
    """Replace the clock (tests); :func:`reset` restores the system clock."""
    global _current  # noqa: PLW0603 - one process-wide clock, like the clients
    _current = clock


def reset() -> None:
    global _current  # noqa: PLW0603
    _current = _SYSTEM
