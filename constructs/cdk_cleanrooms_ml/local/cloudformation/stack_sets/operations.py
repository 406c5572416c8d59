"""One StackSet operation: the same action on many instances, region by region, as the
StackSet's ``OperationPreferences`` say.

Regions go in ``RegionOrder`` (then the others), one after another (SEQUENTIAL) or all at once
(PARALLEL). In a region, accounts go a batch at a time (``MaxConcurrentCount`` /
``MaxConcurrentPercentage`` of the region's accounts, rounded down, at least one; by default
one); after each batch, more failures than the region tolerates (``FailureToleranceCount`` /
``FailureTolerancePercentage`` of its accounts, rounded down; by default none) stop the region:
its remaining accounts, and with SEQUENTIAL every later region, are CANCELLED and the
operation FAILED.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .instances import cancelled
from .properties import Preferences
from .records import FAILED, SUCCEEDED, InstanceOutcome, OperationRecord, StackInstance


@dataclass(frozen=True)
class Work:
    """One instance's part of an operation: ``run`` does it and says how it went."""

    instance: StackInstance
    action: str
    run: Callable[[], InstanceOutcome]


def run_operation(
    action: str,
    work: Sequence[Work],
    preferences: Preferences,
    order: Sequence[str],
    stop: threading.Event | None = None,
) -> OperationRecord:
    """Run ``work`` (regions in ``order``); the operation's record with every outcome."""
    record = OperationRecord(str(uuid.uuid4()), action)
    by_region = {r: [w for w in work if w.instance.region == r] for r in order}
    by_region = {r: items for r, items in by_region.items() if items}
    halted = threading.Event()
    lock = threading.Lock()

    def region(items: list[Work]) -> None:
        outcomes = _run_region(items, preferences, halted, stop)
        with lock:
            record.outcomes.extend(outcomes)

    if preferences.region_concurrency == "PARALLEL":
        with ThreadPoolExecutor(max(1, len(by_region)), "stack-set-region") as pool:
            for future in [pool.submit(region, items) for items in by_region.values()]:
                future.result()
    else:
        for items in by_region.values():
            region(items)
    failures = record.failures()
    record.status = FAILED if halted.is_set() else SUCCEEDED
    if halted.is_set():
        record.reason = "; ".join(f"{o.account}/{o.region}: {o.reason}" for o in failures)
    return record


def _run_region(
    items: list[Work],
    preferences: Preferences,
    halted: threading.Event,
    stop: threading.Event | None,
) -> list[InstanceOutcome]:
    tolerance = preferences.tolerance(len(items))
    size = preferences.concurrency(len(items))
    outcomes: list[InstanceOutcome] = []
    failed = 0
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        sequential = preferences.region_concurrency == "SEQUENTIAL"
        if (sequential and halted.is_set()) or (stop is not None and stop.is_set()):
            outcomes.extend(cancelled(w.instance, w.action) for w in batch)
            continue
        if failed > tolerance:
            outcomes.extend(cancelled(w.instance, w.action) for w in batch)
            continue
        with ThreadPoolExecutor(len(batch), "stack-set-instance") as pool:
            done = list(pool.map(lambda w: w.run(), batch))
        outcomes.extend(done)
        failed += sum(1 for o in done if o.detailed_status == FAILED)
        if failed > tolerance:
            halted.set()
    return outcomes
