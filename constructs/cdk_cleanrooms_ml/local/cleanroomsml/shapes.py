"""Checks JSON values against botocore's service model, so the local endpoint cannot drift.

Requests are checked before the endpoint acts on them (with the service's own constraints:
botocore's client validates only minimums) and responses before they are sent.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

SERVICE_NAME = "cleanroomsml"


@functools.cache
def service_model(name: str = SERVICE_NAME) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


def operation(name: str, service: str = SERVICE_NAME) -> OperationModel:
    return service_model(service).operation_model(name)


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    # The model's patterns are Java regexes: \s is ASCII-only there, and they must match whole.
    return re.compile(source, re.ASCII)


def validate(shape: Shape, value: object, path: str) -> list[str]:
    """Every way ``value`` (JSON form) breaks ``shape``; empty when it conforms."""
    problems: list[str] = []
    _check(shape, value, path, problems)
    return problems


def _check(shape: Shape, value: object, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object")
            return
        for member in shape.required_members:
            if value.get(member) is None:
                problems.append(f"{path}.{member}: is required".lstrip("."))
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: unknown member".lstrip("."))
            elif item is not None:
                _check(shape.members[key], item, f"{path}.{key}".lstrip("."), problems)
        return
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        _check_range(len(value), meta, path, "items", problems)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]", problems)
        return
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object")
            return
        _check_range(len(value), meta, path, "entries", problems)
        for key, item in value.items():
            _check(shape.key, key, f"{path} key", problems)
            _check(shape.value, item, f"{path}.{key}", problems)
        return
    _check_scalar(kind, meta, value, path, problems)


def _check_scalar(
    kind: str, meta: dict[str, Any], value: object, path: str, problems: list[str]
) -> None:
    if kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string")
            return
        enum = meta.get("enum")
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {', '.join(enum)}")
        _check_range(len(value), meta, path, "characters", problems)
        pattern = meta.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            problems.append(f"{path}: does not match the pattern {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer")
            return
        _check_value(value, meta, path, problems)
        return
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number")
            return
        _check_value(value, meta, path, problems)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected a boolean")
        return
    if kind == "timestamp":
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{path}: {value!r} is not an ISO 8601 timestamp")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a timestamp")
        return
    if kind == "blob" and not isinstance(value, str | bytes):
        problems.append(f"{path}: expected a blob")


def _check_range(size: int, meta: dict[str, object], path: str, unit: str, out: list[str]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if isinstance(low, int | float) and size < low:
        out.append(f"{path}: {size} {unit}, at least {low} required")
    if isinstance(high, int | float) and size > high:
        out.append(f"{path}: {size} {unit}, at most {high} allowed")


def _check_value(value: float, meta: dict[str, object], path: str, out: list[str]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if isinstance(low, int | float) and value < low:
        out.append(f"{path}: {value} is below the minimum {low}")
    if isinstance(high, int | float) and value > high:
        out.append(f"{path}: {value} is above the maximum {high}")
