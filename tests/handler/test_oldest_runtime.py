"""The provider's code runs on every runtime the construct allows: no syntax and no standard
library newer than the oldest one (``cdk_cleanrooms_ml.runtimes.OLDEST_PYTHON``, the same
constant the ``runtime`` option is checked against).

The code checked is what the archive ships (``asset_files.entries``): the handler and crhelper.
Syntax: ``ast.parse(..., feature_version=OLDEST_PYTHON)``; on an interpreter no newer than the
oldest runtime (this repository's 3.11), newer syntax fails to parse at all. The standard
library: a hand list of names added after 3.10 that a handler might reach for, and, when it is
installed, vermin (a dev dependency) for the rest.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from cdk_cleanrooms_ml.asset_files import entries
from cdk_cleanrooms_ml.runtimes import OLDEST_PYTHON

HANDLER_SOURCE: Final = Path(__file__).resolve().parents[2] / "lambda" / "cleanrooms_ml_provider"
Version = tuple[int, int]

# Standard-library modules and names by the Python version that added them.
NEWER_NAMES: Final[dict[str, Version]] = {
    **dict.fromkeys(
        [
            "tomllib",
            "wsgiref.types",
            "datetime.UTC",
            "enum.StrEnum",
            "enum.ReprEnum",
            "enum.EnumCheck",
            "enum.FlagBoundary",
            "enum.verify",
            "enum.member",
            "enum.nonmember",
            "enum.global_enum",
            "typing.Self",
            "typing.LiteralString",
            "typing.Never",
            "typing.Required",
            "typing.NotRequired",
            "typing.TypeVarTuple",
            "typing.Unpack",
            "typing.assert_never",
            "typing.assert_type",
            "typing.reveal_type",
            "typing.dataclass_transform",
            "typing.get_overloads",
            "hashlib.file_digest",
            "contextlib.chdir",
            "asyncio.TaskGroup",
            "asyncio.timeout",
            "asyncio.Runner",
            "operator.call",
            "math.cbrt",
            "math.exp2",
            "logging.getLevelNamesMapping",
            "re.NOFLAG",
            "http.HTTPMethod",
            "sys.exception",
        ],
        (3, 11),
    ),
    **dict.fromkeys(
        [
            "itertools.batched",
            "typing.override",
            "typing.TypeAliasType",
            "math.sumprod",
            "os.path.splitroot",
            "calendar.Month",
            "calendar.Day",
            "logging.getHandlerByName",
            "logging.getHandlerNames",
            "collections.abc.Buffer",
            "types.get_original_bases",
        ],
        (3, 12),
    ),
    **dict.fromkeys(
        [
            "copy.replace",
            "warnings.deprecated",
            "typing.ReadOnly",
            "typing.TypeIs",
            "typing.NoDefault",
            "base64.z85encode",
            "base64.z85decode",
            "os.process_cpu_count",
            "queue.ShutDown",
            "re.PatternError",
            "glob.translate",
            "math.fma",
        ],
        (3, 13),
    ),
    **dict.fromkeys(
        [
            "annotationlib",
            "string.templatelib",
            "compression",
            "concurrent.interpreters",
            "uuid.uuid6",
            "uuid.uuid7",
            "uuid.uuid8",
            "functools.Placeholder",
            "heapq.heapify_max",
            "operator.is_none",
        ],
        (3, 14),
    ),
}


# Built-in names by the Python version that added them.
NEWER_BUILTINS: Final[dict[str, Version]] = {
    "ExceptionGroup": (3, 11),
    "BaseExceptionGroup": (3, 11),
}


def shipped_sources() -> list[tuple[str, str]]:
    """The archive's Python files, as they ship: ``(name, source)``."""
    found = [
        (entry.name, entry.content.decode("utf-8"))
        for entry in entries(HANDLER_SOURCE)
        if entry.name.endswith(".py")
    ]
    assert any(name.startswith("cleanrooms_ml_provider/") for name, _ in found)
    assert any(name.startswith("crhelper/") for name, _ in found)
    return found


def _used_names(tree: ast.AST) -> Iterator[str]:
    """Dotted names the code uses: imported modules and names, and attributes of them."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
                top = alias.name.split(".")[0]
                bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in bound:
                yield bound[node.id]
            elif node.id in NEWER_BUILTINS:
                yield node.id
        elif isinstance(node, ast.Attribute):
            parts = [node.attr]
            base: ast.expr = node.value
            while isinstance(base, ast.Attribute):
                parts.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                yield ".".join([bound[base.id], *reversed(parts)])


def newer_names(source: str, oldest: Version) -> list[str]:
    """The names of ``NEWER_NAMES`` that ``source`` uses and ``oldest`` lacks, with the
    version that added each. ``source`` must parse at ``oldest``."""
    tree = ast.parse(source, feature_version=oldest)
    found = set()
    for name in _used_names(tree):
        for prefix in _prefixes(name):
            added = NEWER_NAMES.get(prefix) or NEWER_BUILTINS.get(prefix)
            if added is not None and added > oldest:
                found.add(f"{prefix} ({added[0]}.{added[1]})")
    return sorted(found)


def _prefixes(name: str) -> Iterator[str]:
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def test_the_shipped_code_parses_at_the_oldest_allowed_version() -> None:
    failures = []
    for name, source in shipped_sources():
        try:
            ast.parse(source, filename=name, feature_version=OLDEST_PYTHON)
        except SyntaxError as error:
            failures.append(f"{name}:{error.lineno}: {error.msg}")
    assert failures == []


def test_the_shipped_code_uses_no_standard_library_newer_than_the_oldest_version() -> None:
    used = {name: newer_names(source, OLDEST_PYTHON) for name, source in shipped_sources()}
    assert {name: found for name, found in used.items() if found} == {}


@pytest.mark.parametrize(
    ("source", "oldest", "expected"),
    [
        ("from datetime import UTC\n", (3, 10), ["datetime.UTC (3.11)"]),
        ("import datetime\nx = datetime.UTC\n", (3, 10), ["datetime.UTC (3.11)"]),
        ("import datetime as dt\nx = dt.UTC\n", (3, 10), ["datetime.UTC (3.11)"]),
        ("from datetime import UTC\n", (3, 11), []),
        ("import tomllib\n", (3, 10), ["tomllib (3.11)"]),
        ("from itertools import batched\n", (3, 11), ["itertools.batched (3.12)"]),
        ("import os\nos.path.splitroot('/')\n", (3, 11), ["os.path.splitroot (3.12)"]),
        ("import typing\nclass A:\n    @typing.override\n    def f(self): ...\n", (3, 11),
         ["typing.override (3.12)"]),
        ("import uuid\nuuid.uuid7()\n", (3, 13), ["uuid.uuid7 (3.14)"]),
        ("raise ExceptionGroup('x', [])\n", (3, 10), ["ExceptionGroup (3.11)"]),
        ("from datetime import datetime, timezone\nx = timezone.utc\n", (3, 10), []),
        ("compression = 'gzip'\nprint(compression)\n", (3, 13), []),
    ],
)  # fmt: skip
def test_the_check_finds_newer_names(source: str, oldest: Version, expected: list[str]) -> None:
    assert newer_names(source, oldest) == expected


@pytest.mark.parametrize(
    ("source", "oldest"),
    [
        ("try:\n    pass\nexcept* ValueError:\n    pass\n", (3, 10)),
        ("type Alias = int\n", (3, 11)),
        ("def first[T](items: list[T]) -> T: ...\n", (3, 11)),
    ],
)
def test_the_check_refuses_newer_syntax(source: str, oldest: Version) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=oldest)


def test_vermin_finds_nothing_newer_than_the_oldest_version() -> None:
    target = f"--target={OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]}-"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("vermin")),
            target,
            "--no-tips",
            "--violations",
            str(HANDLER_SOURCE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
