"""The checks every part of the seed file shares: allowed keys, numbers of seconds, strings,
durations, and values against a shape of the service's model. Each failure is a
:class:`SeedError` naming where in the file it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

from .exceptions import SeedError
from .models.lifecycle import LifecycleDurations
from .shapes import service_model, validate

DURATION_KEYS: Final = (
    "pendingSeconds",
    "inProgressSeconds",
    "deletePendingSeconds",
    "deleteInProgressSeconds",
)

_Durations = TypeVar("_Durations", bound=LifecycleDurations)


def known_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise SeedError(
            f"{where}: unknown key {unknown[0]!r}; allowed keys are {', '.join(allowed)}"
        )


def seconds(raw: Mapping[str, Any], key: str, default: float | None, where: str) -> float | None:
    value = raw.get(key, default)
    if value is None:
        return None
    # bool is an int in Python; JSON's true is no number of seconds.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        raise SeedError(f"{where}.{key}: must be a number of seconds >= 0, got {value!r}")
    return float(value)


def text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise SeedError(f"{where}.{key}: must be a string, got {value!r}")
    return value


def conforms(shape_name: str, value: object, where: str) -> None:
    """``value`` is a valid ``shape_name`` of the service's model, or a SeedError says why."""
    problems = validate(service_model().shape_for(shape_name), value, where)
    if problems:
        raise SeedError("; ".join(problems))


def objects(seed: Mapping[str, Any], key: str) -> list[tuple[dict[str, Any], str]]:
    """The objects of the optional list ``key``, each with where it is."""
    items = seed.get(key, [])
    if not isinstance(items, list):
        raise SeedError(f"seed: '{key}' must be a list")
    found = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise SeedError(f"{key}[{index}]: expected an object")
        found.append((item, f"{key}[{index}]"))
    return found


def status_details(raw: Mapping[str, Any], where: str) -> dict[str, str] | None:
    details = raw.get("statusDetails")
    if details is not None and (
        not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values())
    ):
        raise SeedError(f"{where}.statusDetails: must be an object of strings")
    return None if details is None else dict(details)


def durations(seed: Mapping[str, Any], key: str, default: _Durations) -> _Durations:
    """The optional durations object ``key`` (DURATION_KEYS), ``default``'s where one is left
    out."""
    raw = seed.get(key, {})
    if not isinstance(raw, dict):
        raise SeedError(f"seed.{key}: must be an object")
    known_keys(raw, DURATION_KEYS, key)
    return type(default)(
        pending=seconds(raw, "pendingSeconds", default.pending, key) or 0.0,
        in_progress=seconds(raw, "inProgressSeconds", default.in_progress, key) or 0.0,
        delete_pending=seconds(raw, "deletePendingSeconds", default.delete_pending, key) or 0.0,
        delete_in_progress=(
            seconds(raw, "deleteInProgressSeconds", default.delete_in_progress, key) or 0.0
        ),
    )
