"""CHANGELOG.md keeps the Keep a Changelog 1.1.0 shape, and its versions agree with pyproject.

The header names the format and Semantic Versioning; ``## [Unreleased]`` comes first, then
each release as ``## [x.y.z] - YYYY-MM-DD``, newest first (by version and by date); each
version holds only Keep a Changelog's subsections, each once and not empty; the newest release
is pyproject's version, unless an Unreleased section precedes it (the next release being
prepared), and pyproject's version is listed.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[1]
CHANGELOG: Final = ROOT / "CHANGELOG.md"
PYPROJECT: Final = ROOT / "pyproject.toml"

UNRELEASED: Final = "Unreleased"
# Keep a Changelog 1.1.0's types of changes.
SUBSECTIONS: Final = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
HEADER_LINES: Final = (
    "# Changelog",
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/)",
    "[Semantic Versioning](https://semver.org/spec/v2.0.0.html)",
)
VERSION_HEADER: Final = re.compile(
    r"^## \[(?P<version>\d+\.\d+\.\d+)\] - (?P<date>\d{4}-\d{2}-\d{2})$"
)
UNRELEASED_HEADER: Final = f"## [{UNRELEASED}]"
LINK_REFERENCE: Final = re.compile(r"^\[[^\]]+\]: \S+$")


@dataclass
class Version:
    name: str  # "Unreleased" or "x.y.z"
    date: datetime.date | None
    line: int
    subsections: list[str] = field(default_factory=list)
    entries: dict[str, int] = field(default_factory=dict)  # subsection -> bullet count

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.name.split("."))


def parse(text: str) -> list[Version]:
    """The version sections in file order; fails on a ``## `` line of any other shape."""
    versions: list[Version] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            if line == UNRELEASED_HEADER:
                versions.append(Version(UNRELEASED, None, number))
                continue
            match = VERSION_HEADER.match(line)
            assert match, f"line {number}: {line!r} is not '## [x.y.z] - YYYY-MM-DD'"
            date = datetime.date.fromisoformat(match["date"])
            versions.append(Version(match["version"], date, number))
        elif line.startswith("### "):
            assert versions, f"line {number}: {line!r} before any version"
            name = line.removeprefix("### ").strip()
            versions[-1].subsections.append(name)
            versions[-1].entries[name] = 0
        elif line.lstrip().startswith("- ") and versions and versions[-1].subsections:
            versions[-1].entries[versions[-1].subsections[-1]] += 1
    return versions


def pyproject_version() -> str:
    with PYPROJECT.open("rb") as file:
        version: str = tomllib.load(file)["project"]["version"]
    return version


@pytest.fixture(scope="module")
def text() -> str:
    return CHANGELOG.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def versions(text: str) -> list[Version]:
    found = parse(text)
    assert found, "CHANGELOG.md lists no version"
    return found


def test_the_header_names_keep_a_changelog_and_semver(text: str) -> None:
    head = text.split("\n## ", 1)[0]
    assert text.startswith("# Changelog\n")
    for line in HEADER_LINES:
        assert line in head, f"the header lacks {line!r}"


def test_unreleased_comes_first_and_only_once(versions: list[Version]) -> None:
    names = [version.name for version in versions]
    assert names.count(UNRELEASED) <= 1
    if UNRELEASED in names:
        assert names[0] == UNRELEASED, "## [Unreleased] must be the first version"


def test_releases_are_listed_once_newest_first(versions: list[Version]) -> None:
    released = [version for version in versions if version.name != UNRELEASED]
    keys = [version.key for version in released]
    assert len(set(keys)) == len(keys), "a version is listed twice"
    assert keys == sorted(keys, reverse=True), [version.name for version in released]
    dates = [version.date for version in released if version.date is not None]
    assert len(dates) == len(released)
    assert dates == sorted(dates, reverse=True), "release dates are not newest first"


def test_only_keep_a_changelog_subsections_each_once_and_filled(versions: list[Version]) -> None:
    for version in versions:
        assert version.subsections, f"{version.name} (line {version.line}) has no subsection"
        for name in version.subsections:
            assert name in SUBSECTIONS, f"{version.name}: '### {name}' is not one of {SUBSECTIONS}"
        assert len(set(version.subsections)) == len(version.subsections), version.name
        for name, count in version.entries.items():
            assert count, f"{version.name}: '### {name}' has no entry"


def test_the_newest_release_is_pyprojects_version_or_unreleased_precedes_it(
    versions: list[Version],
) -> None:
    current = pyproject_version()
    released = [version for version in versions if version.name != UNRELEASED]
    names = [version.name for version in released]
    assert current in names, f"pyproject's version {current} is not in CHANGELOG.md"
    assert released[0].name == current or versions[0].name == UNRELEASED, (
        f"the newest release is {released[0].name}, pyproject says {current}: list {current}"
        " first, or keep the changes under ## [Unreleased]"
    )
    newer = [v.name for v in released if v.key > Version(current, None, 0).key]
    assert not newer, f"released {newer} after pyproject's {current}: bump pyproject's version"


def test_link_references_only_at_the_end(text: str) -> None:
    lines = text.rstrip("\n").splitlines()
    references = [i for i, line in enumerate(lines) if LINK_REFERENCE.match(line)]
    if references:
        assert references == list(range(references[0], len(lines))), (
            "link references belong together at the bottom of the file"
        )


def test_the_parser_rejects_what_it_should() -> None:
    """The checks above rely on parse(): a malformed header fails it, a good file parses."""
    good = parse(
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- a\n\n"
        "## [0.1.0] - 2026-11-29\n\n### Fixed\n\n- b\n  more of b\n"
    )
    assert [(v.name, v.entries) for v in good] == [
        (UNRELEASED, {"Added": 1}),
        ("0.1.0", {"Fixed": 1}),
    ]
    for bad in ("## 0.1.0 - 2026-11-29", "## [0.1.0]", "## [0.1] - 2026-11-29", "## [v0.1.0]"):
        with pytest.raises(AssertionError):
            parse(f"# Changelog\n\n{bad}\n")
