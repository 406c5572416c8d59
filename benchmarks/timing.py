"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def median(samples: Sequence[float]) -> float:
    if not samples:
        raise ValueError("no samples to take the median of")
    return statistics.median(samples)


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds ``action`` takes (perf_counter: monotonic, high resolution)."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
