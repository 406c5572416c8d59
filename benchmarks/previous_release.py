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
import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Final

# The release whose waits slept inline (each invocation ~250 s of its 300 s, then lambda:Invoke).
COMMIT: Final = "06d65af"
HANDLER_DIR: Final = "lambda/audience_export"
# Where the handler's sources were at a commit: the first of these that it has.
HANDLER_DIRS: Final = ("lambda/cleanrooms_ml_provider", HANDLER_DIR)
CONSTRUCTS_DIR: Final = "constructs/cdk_cleanrooms_ml"
# The example app and the README whose apps the logical-id pin synthesizes.
APP_FILES: Final = ("app.py", "cdk.json", "README.md")
LIBRARY: Final = "cdk_cleanrooms_ml"
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


def _require(commit: str) -> None:
    try:
        _git("cat-file", "-e", f"{commit}^{{commit}}")
    except Missing as error:
        raise Missing(
            f"commit {commit} is not in this checkout (a shallow clone or no git history?): {error}"
        ) from error


def extract(folder: Path, commit: str = COMMIT) -> Path:
    """Write the handler's files at ``commit`` to ``folder/PACKAGE``; raises :class:`Missing`."""
    _require(commit)
    names = _git("ls-tree", "--name-only", commit, f"{HANDLER_DIR}/").decode().split()
    sources = [name for name in names if name.endswith(".py")]
    if not any(name.endswith("/index.py") for name in sources):
        raise Missing(f"{HANDLER_DIR}/index.py is not in commit {commit}")
    package = folder / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for name in sources:
        (package / Path(name).name).write_bytes(_git("show", f"{commit}:{name}"))
    return package


def _archive_into(folder: Path, commit: str, tree: str) -> None:
    """``git archive`` of ``tree`` at ``commit``, unpacked under ``folder`` (paths kept)."""
    data = _git("archive", "--format=tar", commit, tree)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(folder, filter="data")


def _handler_dir(commit: str) -> str:
    for folder in HANDLER_DIRS:
        if _git("ls-tree", "--name-only", commit, f"{folder}/index.py").strip():
            return folder
    raise Missing(f"no handler ({' or '.join(HANDLER_DIRS)}) in commit {commit}")


def extract_library(folder: Path, commit: str = COMMIT) -> Path:
    """The library at ``commit`` as an importable tree: ``folder/cdk_cleanrooms_ml`` (its
    constructs) with its handler as ``cdk_cleanrooms_ml._handler``, as the wheel installs it,
    and the example app, cdk.json and README beside it. Put ``folder`` first on ``PYTHONPATH``
    (it then shadows the installed library) and run from it. Raises :class:`Missing`."""
    _require(commit)
    handler_dir = _handler_dir(commit)
    sources = folder / "sources"
    for tree in (CONSTRUCTS_DIR, handler_dir, *APP_FILES):
        _archive_into(sources, commit, tree)
    shutil.move(sources / CONSTRUCTS_DIR, folder / LIBRARY)
    shutil.move(sources / handler_dir, folder / LIBRARY / "_handler")
    for name in APP_FILES:
        shutil.move(sources / name, folder / name)
    shutil.rmtree(sources)
    return folder


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
