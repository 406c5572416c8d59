"""Which resources a resource needs first: its Ref, Fn::GetAtt, Fn::Sub and DependsOn."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .exceptions import TemplateError

SUB_VARIABLE: Final = re.compile(r"\$\{(!?)([^}]*)\}")


def references(value: object) -> set[str]:
    """Logical ids (and parameter names) that ``value`` refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        if len(value) == 1:
            key, arg = next(iter(value.items()))
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local = set(arg[1]) if isinstance(arg, list) and len(arg) > 1 else set()
                for bang, name in SUB_VARIABLE.findall(str(text)):
                    if not bang and name.split(".", 1)[0] not in local:
                        found.add(name.split(".", 1)[0])
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each resource, the resources it refers to or names in DependsOn."""
    resources: dict[str, Any] = template.get("Resources") or {}
    needs: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        refs = references(resource.get("Properties", {})) | set(depends)
        needs[logical_id] = {ref for ref in refs if ref in resources and ref != logical_id}
    return needs


def dependency_order(template: Mapping[str, Any]) -> list[str]:
    """Logical ids so each resource comes after what it refers to (template order on ties)."""
    resources: dict[str, Any] = template.get("Resources") or {}
    needs = dependencies(template)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(resources):
        ready = [lid for lid in resources if lid not in placed and needs[lid] <= placed]
        if not ready:
            cycle = sorted(lid for lid in resources if lid not in placed)
            raise TemplateError(f"circular dependency between resources: {', '.join(cycle)}")
        order.extend(ready)
        placed.update(ready)
    return order
