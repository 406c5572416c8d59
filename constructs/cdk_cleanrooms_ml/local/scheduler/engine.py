"""Firing due schedules on the harness's clock: the target Lambda function gets the Input.

A background thread looks at the schedules whenever they change and every ``poll`` seconds; each
pending schedule whose time has come invokes its target asynchronously, as EventBridge Scheduler
invokes a Lambda function, and is then deleted (``ActionAfterCompletion: DELETE``) or kept,
done. A target that is not a function deployed locally is a failed firing (AWS would retry,
then drop it): recorded in the backend's ``firings`` like every other one.

With the fast clock nobody waits for a schedule in real time: once no invocation has run for
``grace`` real seconds, time jumps to the earliest pending schedule, so hours of scheduled polls
pass in seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Final

from ..awslambda.invocations import LambdaEmulator, ThrottledError
from ..clock import Clock
from .models import Firing, Schedule, SchedulerBackend

SOURCE: Final = "scheduler"
# Real seconds with no invocation running before the fast clock jumps to the next schedule.
DEFAULT_GRACE: Final = 0.1
_POLL_SECONDS: Final = 0.05
_KEPT_ERRORS: Final = 100


def _payload(schedule: Schedule, now: float) -> bytes:
    """The Input, with the context attributes Scheduler fills in; ``{}`` when there is none."""
    text = schedule.input
    if text is None:
        return b"{}"
    scheduled = datetime.fromtimestamp(schedule.due, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for key, value in (
        ("schedule-arn", schedule.arn),
        ("scheduled-time", scheduled),
        ("execution-id", f"{schedule.name}-{int(now)}"),
        ("attempt-number", "1"),
    ):
        text = text.replace(f"<aws.scheduler.{key}>", value)
    return text.encode()


class SchedulerEngine:
    """Fires ``backend``'s due schedules into ``emulator``, on ``clock``."""

    def __init__(
        self,
        backend: SchedulerBackend,
        emulator: LambdaEmulator,
        clock: Clock,
        *,
        grace: float = DEFAULT_GRACE,
        poll: float = _POLL_SECONDS,
    ) -> None:
        self.backend = backend
        self.emulator = emulator
        self.clock = clock
        self.grace = grace
        self.poll = poll
        # Unexpected errors of the firing thread (it keeps going): empty unless there is a bug.
        self.errors: list[str] = []
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle_since: float | None = None

    def start(self) -> SchedulerEngine:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop firing; a schedule still pending stays in the backend (and its state file)."""
        self._stopped.set()
        self.backend.changed.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def fire_due(self) -> list[Firing]:
        """Fire what is due now (the thread does this by itself)."""
        if self.backend.next_due() is None:
            return []  # not even a look at the clock (a file read with virtual time)
        return self.backend.fire_due(self.clock.now(), self._invoke)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.backend.changed.clear()
            try:
                if self.fire_due():
                    self._idle_since = None
                    continue
                if self._fast_forward():
                    continue
            except Exception as error:  # never let the thread die: the run would hang instead
                self.errors.append(f"{type(error).__name__}: {error}")
                del self.errors[:-_KEPT_ERRORS]
            self.backend.changed.wait(self.poll)

    def _fast_forward(self) -> bool:
        """With the fast clock, jump to the next schedule once nothing has run for ``grace``."""
        if not self.clock.fast:
            return False
        due = self.backend.next_due()
        if due is None or self.emulator.running():
            self._idle_since = None
            return False
        now = time.monotonic()
        self._idle_since = self._idle_since or now
        # Looked at again just before the jump: an invocation admitted meanwhile keeps its time.
        if now - self._idle_since < self.grace or self.emulator.running():
            return False
        self._idle_since = None
        self.clock.advance(max(due - self.clock.now(), 0.0))
        return True

    def _invoke(self, schedule: Schedule) -> tuple[str | None, str | None]:
        arn = schedule.target_arn
        function = self.emulator.function(arn)
        if function is None:
            return None, f"the target {arn} is not a Lambda function deployed locally"
        try:
            invocation = self.emulator.invoke_async(
                function, _payload(schedule, self.clock.now()), source=SOURCE
            )
        except ThrottledError as error:
            return None, f"Lambda refused the invocation: {error}"
        return invocation.request_id, None
