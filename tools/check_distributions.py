"""Build the sdist and the wheel and ``twine check --strict`` both
(``python -m tools.check_distributions [--keep DIR]``).

Built as tests/constructs/test_packaging.py builds its wheel: from a copy of the sources the
distributions are made of (so the repository's ``build/``, the editable tree, stays untouched),
with ``python -m build --no-isolation`` and this environment's setuptools and crhelper (no
index needed). ``build`` makes the sdist first and the wheel from the unpacked sdist, so a file
the sdist lacks (MANIFEST.in) fails the wheel's build here too. Exit status: 0 when both
distributions were built and pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
# What the distributions are built from (tests/constructs/test_packaging.py builds from it too).
SOURCES: Final = (
    "CHANGELOG.md",
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "constructs",
    "lambda",
    "examples",
)
SDIST_GLOB: Final = "cdk_cleanrooms_ml-*.tar.gz"
WHEEL_GLOB: Final = "cdk_cleanrooms_ml-*.whl"


class CheckError(Exception):
    """A build or a check failed; the message holds its output."""


def _run(command: Sequence[str], cwd: Path) -> str:
    result = subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        raise CheckError(
            f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def copy_sources(target: Path) -> Path:
    """The distributions' sources copied to ``target`` (caches left out)."""
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
    target.mkdir(parents=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=ignored)
        else:
            shutil.copy2(path, target / name)
    return target


def build_distributions(work: Path) -> tuple[Path, Path]:
    """The sdist and the wheel (built from the sdist), in ``work / "dist"``."""
    source = copy_sources(work / "source")
    dist = work / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist)], source)
    sdists, wheels = sorted(dist.glob(SDIST_GLOB)), sorted(dist.glob(WHEEL_GLOB))
    if len(sdists) != 1 or len(wheels) != 1:
        found = sorted(path.name for path in dist.iterdir())
        raise CheckError(f"expected one sdist and one wheel in {dist}, found {found}")
    return sdists[0], wheels[0]


def twine_check(distributions: Sequence[Path]) -> str:
    """``twine check --strict`` of the distributions: its output, or :class:`CheckError`."""
    command = [
        sys.executable,
        "-m",
        "twine",
        "--no-color",
        "check",
        "--strict",
        *map(str, distributions),
    ]
    return _run(command, ROOT)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.check_distributions", description=__doc__
    )
    parser.add_argument("--keep", type=Path, help="copy the checked distributions into this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="check-dist-") as work:
        try:
            distributions = build_distributions(Path(work))
            print(twine_check(distributions), end="")
        except CheckError as failure:
            print(failure, file=sys.stderr)
            return 1
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in distributions:
                shutil.copy2(path, args.keep / path.name)
    print("sdist and wheel pass twine check --strict:", *(p.name for p in distributions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
