"""The differences between two JSON values, as short lines naming the path of each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

VALUE_CHARS: Final = 80


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 3] + "..."


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """``path: expected -> actual`` for each differing leaf, in document order (keys sorted);
    a key or item only one side has is named as such."""
    where = path or "(template)"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            inner = f"{path}.{key}" if path else key
            if key not in actual:
                yield f"{inner}: removed (was {_show(expected[key])})"
            elif key not in expected:
                yield f"{inner}: added {_show(actual[key])}"
            else:
                yield from differences(expected[key], actual[key], inner)
    elif isinstance(expected, list) and isinstance(actual, list):
        for index, (was, now) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(was, now, f"{path}[{index}]")
        if len(expected) != len(actual):
            yield f"{where}: {len(expected)} items -> {len(actual)}"
    elif expected != actual:
        yield f"{where}: {_show(expected)} -> {_show(actual)}"


def summary(expected: Any, actual: Any, limit: int = 10) -> str:
    """The first ``limit`` differences, one a line, and how many more there are."""
    found = list(differences(expected, actual))
    lines = found[:limit]
    if len(found) > limit:
        lines.append(f"... and {len(found) - limit} more")
    return "\n".join(f"  {line}" for line in lines)
