"""The tests' one fake clock: epoch seconds that move only when code sleeps on it or a test
advances it.

The handler's code reads it as its clock (``now()``, ``sleep()``); the harness's endpoints take
it as their clock function (``clock()``); a test moves it (``advance()``) and schedules what
happens at a moment of the run (``at()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

T0: Final = 1_800_000_000.0  # where every fake clock starts, epoch seconds


class FakeClock:
    """Epoch time that only moves when code sleeps (or a test advances it).

    ``at(when, action)`` runs ``action`` once the clock reaches ``when``: a fault that starts or
    ends at a moment of the request, as the handler's next call sees it.
    """

    def __init__(self, start: float = T0) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self._due: list[tuple[float, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.t

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.t += seconds
        due = [entry for entry in self._due if entry[0] <= self.t]
        self._due = [entry for entry in self._due if entry[0] > self.t]
        for _, action in sorted(due, key=lambda entry: entry[0]):
            action()

    def at(self, when: float, action: Callable[[], None]) -> None:
        self._due.append((when, action))
