"""The stack events a deployment reports, one line at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

STACK: Final = "AWS::CloudFormation::Stack"


@dataclass(frozen=True)
class ProgressEvent:
    stack_name: str
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""
    elapsed: float | None = None
    label: str = ""
    # When it happened (epoch seconds on the run's clock: virtual time with the fast clock).
    at: float | None = None


class Progress:
    """Passes events to ``on_progress``; silent once the run is cancelled."""

    def __init__(
        self,
        on_progress: Callable[[ProgressEvent], None] | None,
        cancelled: threading.Event,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._on_progress = on_progress or (lambda event: None)
        self._cancelled = cancelled
        self._now = now
        # Resources run in parallel threads: one progress line at a time.
        self._lock = threading.Lock()

    def report(self, event: ProgressEvent) -> None:
        with self._lock:
            if not self._cancelled.is_set():
                self._on_progress(event if event.at is not None else replace(event, at=self._now()))

    def stack(
        self, stack_name: str, status: str, reason: str = "", elapsed: float | None = None
    ) -> None:
        """An event of the stack itself."""
        self.report(ProgressEvent(stack_name, stack_name, STACK, status, reason, elapsed))
