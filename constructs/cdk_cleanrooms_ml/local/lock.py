"""One run per state folder: ``<state-dir>/lock`` holds the owner's pid."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Final

from .errors import StateLockedError

try:
    import fcntl
except ImportError:  # not POSIX: the pid in the lock file is all there is
    fcntl = None  # type: ignore[assignment]

LOCK_FILE: Final = "lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except OSError:
        return False
    return True


class StateLock:
    """One run per state folder: ``<state-dir>/lock`` holds the owner's pid.

    Where ``fcntl`` exists the file is also ``flock``-ed, so a lock left by a run that died
    (even one killed with SIGKILL, or whose pid was reused) is free again at once; elsewhere a
    lock whose pid is dead is taken over.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._fd: int | None = None
        self._inode: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise self._locked(self._owner(fd)) from None
            else:
                owner = self._owner(fd)
                if owner is not None and owner != os.getpid() and _pid_alive(owner):
                    raise self._locked(owner)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._inode = os.fstat(fd).st_ino

    def _locked(self, owner: int | None) -> StateLockedError:
        who = f"pid {owner}" if owner is not None else "another process"
        return StateLockedError(
            f"state folder {self.path.parent} is in use by another run ({who}; lock file "
            f"{self.path}); wait for it to finish or pass another --state-dir"
        )

    @staticmethod
    def _owner(fd: int) -> int | None:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode(errors="replace").strip()
        return int(text) if text.isdigit() else None

    def intact(self) -> bool:
        """Whether the lock file this run holds is still there (the folder was not removed)."""
        if self._inode is None:
            return True
        try:
            return os.stat(self.path).st_ino == self._inode
        except OSError:
            return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Emptied, not removed: removing it would let a run that opened it just before
        # hold a lock on a file nobody else can see.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        self._inode = None
        os.close(fd)
