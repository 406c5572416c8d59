"""Template parameters: the values given, the defaults, and the checks CloudFormation applies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .exceptions import TemplateError
from .intrinsics import stringify


def resolve_parameters(
    template: Mapping[str, Any], given: Mapping[str, str]
) -> dict[str, str | list[str]]:
    """Parameter values as ``Ref`` returns them: strings, or lists for list types."""
    declared: dict[str, Any] = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(
            f"the template has no parameter {unknown[0]}; it has: "
            + (", ".join(sorted(declared)) or "none")
        )
    values: dict[str, str | list[str]] = {}
    for name, spec in declared.items():
        if name in given:
            raw: object = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"parameter {name} has no value: pass --parameters {name}=VALUE")
        values[name] = _parameter_value(name, spec, raw)
    return values


def _parameter_value(name: str, spec: Mapping[str, Any], raw: object) -> str | list[str]:
    kind = str(spec.get("Type", "String"))
    text = ",".join(stringify(raw)) if isinstance(raw, list) else str(stringify(raw))
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [str(stringify(v)) for v in allowed]:
        raise TemplateError(f"parameter {name}: {text!r} is not one of the AllowedValues {allowed}")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError as error:
            raise TemplateError(f"parameter {name}: {text!r} is not a Number") from error
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}: {text} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}: {text} is above MaxValue {spec['MaxValue']}")
        return text
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in text.split(",")] if text else []
    if kind == "String":
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(str(pattern), text):
            raise TemplateError(
                f"parameter {name}: {text!r} does not match AllowedPattern {pattern}"
            )
        if "MinLength" in spec and len(text) < int(spec["MinLength"]):
            raise TemplateError(f"parameter {name}: shorter than MinLength {spec['MinLength']}")
        if "MaxLength" in spec and len(text) > int(spec["MaxLength"]):
            raise TemplateError(f"parameter {name}: longer than MaxLength {spec['MaxLength']}")
    return text
