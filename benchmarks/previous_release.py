"""The previous release's handler, read from git and imported under a package name of its own.

The long-wait benchmark runs it next to today's handler in the same process: its modules import
each other relatively (``from . import clients``) and need only the stdlib, boto3 and crhelper,
so the files of ``lambda/audience_export`` at that commit, written to a folder as package
``PACKAGE``, import without touching today's ``cdk_cleanrooms_ml._handler``. Without git or
without that commit (a shallow clone, an installed copy) there is no peer: :class:`Missing`
says why, and the benchmark reports the peer as not measured.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Final

# The release whose waits slept inline (each invocation ~250 s of its 300 s, then lambda:Invoke).
COMMIT: Final = "06d65af"
HANDLER_DIR: Final = "lambda/audience_export"
PACKAGE: Final = "previous_audience_export"
ROOT: Final = Path(__file__).resolve().parents[1]
GIT_TIMEOUT_S: Final = 30.0


class Missing(Exception):  # noqa: N818 - an outcome: this checkout cannot provide the peer
    """The previous release cannot be read here; ``str()`` says why."""


def _git(*args: str) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise Missing("git is not installed")
    try:
        done = subprocess.run(
            [git, "-C", str(ROOT), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Missing(f"git failed: {error}") from error
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise Missing(
            f"git {args[0]} failed ({detail[-1] if detail else f'exit {done.returncode}'})"
        )
    return done.stdout


def extract(folder: Path, commit: str = COMMIT) -> Path:
    """Write the handler's files at ``commit`` to ``folder/PACKAGE``; raises :class:`Missing`."""
    try:
        _git("cat-file", "-e", f"{commit}^{{commit}}")
    except Missing as error:
        raise Missing(
            f"commit {commit} is not in this checkout (a shallow clone or no git history?): {error}"
        ) from error
    names = _git("ls-tree", "--name-only", commit, f"{HANDLER_DIR}/").decode().split()
    sources = [name for name in names if name.endswith(".py")]
    if not any(name.endswith("/index.py") for name in sources):
        raise Missing(f"{HANDLER_DIR}/index.py is not in commit {commit}")
    package = folder / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for name in sources:
        (package / Path(name).name).write_bytes(_git("show", f"{commit}:{name}"))
    return package


@contextmanager
def imported(folder: Path, commit: str = COMMIT) -> Iterator[ModuleType]:
    """The previous release's ``index`` module, imported from ``folder``; its modules are
    forgotten again on exit. Raises :class:`Missing`."""
    extract(folder, commit)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(f"{PACKAGE}.index")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
