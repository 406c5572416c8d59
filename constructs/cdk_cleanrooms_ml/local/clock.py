"""Time for the local harness: the system clock, or virtual time kept in one file.

Virtual time is real time plus an offset kept in ``<state-dir>/clock.json``. The harness, the
embedded endpoint and every Lambda process the harness starts read that one file, so they agree
on the time. In fast mode ``sleep(s)`` moves the offset forward by ``s`` at once instead of
sleeping, so hours of polling take seconds of real time.

Standard library only and free of relative imports: the Lambda bootstrap loads this file by path,
since nothing of the library is on the runtime's ``sys.path``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Protocol

try:
    import fcntl
except ImportError:  # not POSIX: updates are serialized within one process only
    fcntl = None  # type: ignore[assignment]

CLOCK_FILE: Final = "clock.json"
# Names the clock file in the Lambda processes of a run on virtual time; unset on real time.
CLOCK_ENV: Final = "CDK_CLEANROOMS_ML_LOCAL_CLOCK"


class ClockError(RuntimeError):
    """The clock file cannot be read or written, or real time was asked to jump."""


class Clock(Protocol):
    """What the harness asks of time: the handler's ``now`` / ``sleep``, plus ``advance``."""

    @property
    def fast(self) -> bool:
        """Whether ``sleep`` jumps instead of waiting (and the harness may fast-forward)."""
        ...

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` at once (virtual time only)."""
        ...


class SystemClock:
    """Real time: what a run uses unless it asks for the fast clock."""

    fast = False

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        raise ClockError("real time cannot be moved forward; start the run with the fast clock")


def clock_for(path: Path, *, fast: bool) -> Clock:
    """A run's clock: virtual when it asks for the fast clock or ``path`` holds an offset.

    A folder whose time was moved forward keeps that time on real-time runs too (``sleep``
    then really sleeps): its jobs' timestamps would otherwise lie in the future.
    """
    if fast or path.exists():
        return FileClock.start(path, fast=fast)
    return SystemClock()


class FileClock:
    """Real time plus the offset in ``path``; in fast mode ``sleep`` adds to the offset.

    Safe across processes: an update holds an exclusive ``flock`` on ``<path>.lock`` while it
    reads, adds and atomically replaces the file, so concurrent sleepers never lose a jump and a
    reader never sees half a file.
    """

    def __init__(self, path: Path | str, *, fast: bool) -> None:
        self.path = Path(path)
        self._fast = fast
        self._lock_path = self.path.with_name(f"{self.path.name}.lock")
        self._thread_lock = threading.Lock()

    @classmethod
    def start(cls, path: Path, *, fast: bool) -> FileClock:
        """The harness's clock for one run: the offset kept, the run's mode recorded."""
        clock = cls(path, fast=fast)
        with clock._locked():
            clock._write({**clock._read(), "fast": fast})
        return clock

    @classmethod
    def attach(cls, path: Path | str) -> FileClock:
        """The clock of the run that wrote ``path`` (its mode included): for Lambda processes."""
        return cls(path, fast=bool(cls(path, fast=False)._read().get("fast")))

    @property
    def fast(self) -> bool:
        return self._fast

    def offset(self) -> float:
        """Seconds virtual time is ahead of real time."""
        return float(self._read().get("offset", 0.0))

    def now(self) -> float:
        return time.time() + self.offset()

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._fast:
            self.advance(seconds)
        else:
            time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError(f"time only moves forward; cannot advance by {seconds} s")
        with self._locked():
            data = self._read()
            data["offset"] = float(data.get("offset", 0.0)) + seconds
            self._write(data)

    def advance_to(self, moment: float) -> None:
        """Move time forward to ``moment`` (epoch seconds); nothing when it has passed."""
        self.advance(max(moment - self.now(), 0.0))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing drops the flock

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"offset": 0.0}
        except OSError as error:
            raise ClockError(f"clock file {self.path} cannot be read: {error}") from error
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("offset", 0.0), int | float):
            raise ClockError(
                f'clock file {self.path} must hold {{"offset": <seconds>, "fast": <bool>}}; '
                "remove it to go back to real time"
            )
        return data

    def _write(self, data: dict[str, Any]) -> None:
        # Same folder, then rename: readers in other processes see the old file or the new one.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
