"""The intrinsic functions CloudFormation resolves, and how property values reach a handler."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from .dependencies import SUB_VARIABLE
from .exceptions import TemplateError

NO_VALUE: Final = object()  # what Ref AWS::NoValue resolves to: the key is dropped
_PSEUDO: Final = (
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
)
_Resolve = Callable[[object], Any]


def stringify(value: object) -> Any:
    """Property values as CloudFormation hands them to a custom resource: scalars as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return {
            str(k): stringify(v) for k, v in value.items() if v is not None and v is not NO_VALUE
        }
    if isinstance(value, list | tuple):
        return [stringify(v) for v in value if v is not NO_VALUE]
    return value


@dataclass
class ResolveContext:
    stack_name: str
    stack_id: str
    region: str
    account: str
    parameters: Mapping[str, str | list[str]]
    exports: Mapping[str, str]
    ref: Callable[[str], str]
    get_att: Callable[[str, str], object]
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"


class Resolver:
    """Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue,
    Fn::If and the condition functions, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::ToJsonString."""

    def __init__(self, template: Mapping[str, Any], context: ResolveContext) -> None:
        self.template = template
        self.context = context
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            declared = self.template.get("Conditions") or {}
            if name not in declared:
                raise TemplateError(f"condition {name} is not declared")
            self._conditions[name] = self._truth(self.resolve(declared[name]), f"Condition {name}")
        return self._conditions[name]

    def resource_enabled(self, logical_id: str) -> bool:
        resource = (self.template.get("Resources") or {}).get(logical_id, {})
        condition = resource.get("Condition")
        return True if condition is None else self.condition(str(condition))

    @staticmethod
    def _truth(value: object, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise TemplateError(f"{where}: expected a boolean, got {value!r}")

    def resolve(self, value: object) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            key, arg = next(iter(value.items()))
            handler = self._functions().get(key)
            if handler is not None:
                return handler(arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": partial(_join, self.resolve),
            "Fn::Sub": self._sub,
            "Fn::Select": partial(_select, self.resolve),
            "Fn::Split": partial(_split, self.resolve),
            "Fn::ImportValue": self._import_value,
            "Fn::If": self._if,
            "Fn::Equals": partial(_equals, self.resolve),
            "Fn::And": lambda arg: all(self._truth(self.resolve(c), "Fn::And") for c in arg),
            "Fn::Or": lambda arg: any(self._truth(self.resolve(c), "Fn::Or") for c in arg),
            "Fn::Not": lambda arg: not self._truth(self.resolve(arg[0]), "Fn::Not"),
            "Condition": lambda arg: self.condition(str(arg)),
            "Fn::FindInMap": partial(_find_in_map, self.resolve, self.template),
            "Fn::Base64": lambda arg: base64.b64encode(str(self.resolve(arg)).encode()).decode(),
            "Fn::GetAZs": lambda arg: [f"{self.context.region}{s}" for s in "abc"],
            "Fn::ToJsonString": lambda arg: json.dumps(self.resolve(arg), separators=(",", ":")),
            "Fn::Length": lambda arg: len(self.resolve(arg)),
        }

    def pseudo(self, name: str) -> object:
        ctx = self.context
        values: dict[str, object] = {
            "AWS::Region": ctx.region,
            "AWS::AccountId": ctx.account,
            "AWS::StackName": ctx.stack_name,
            "AWS::StackId": ctx.stack_id,
            "AWS::Partition": ctx.partition,
            "AWS::URLSuffix": ctx.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        return values[name]

    def _ref(self, name: object) -> object:
        name = str(name)
        if name in _PSEUDO:
            return self.pseudo(name)
        if name in self.context.parameters:
            return self.context.parameters[name]
        if name in (self.template.get("Resources") or {}):
            return self.context.ref(name)
        raise TemplateError(f"Ref {name}: no parameter or resource of that name")

    def _get_att(self, arg: object) -> object:
        if isinstance(arg, str):
            logical_id, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical_id, attribute = str(arg[0]), str(self.resolve(arg[1]))
        else:
            raise TemplateError(f"Fn::GetAtt needs [LogicalId, Attribute], got {arg!r}")
        if logical_id not in (self.template.get("Resources") or {}):
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: no resource {logical_id}")
        return self.context.get_att(logical_id, attribute)

    def _sub(self, arg: object) -> str:
        if isinstance(arg, list):
            text, variables = str(arg[0]), self.resolve(arg[1] if len(arg) > 1 else {})
        else:
            text, variables = str(arg), {}

        def replace(match: re.Match[str]) -> str:
            bang, name = match.group(1), match.group(2)
            if bang:
                return "${" + name + "}"
            if name in variables:
                return str(stringify(variables[name]))
            if "." in name and name.split(".", 1)[0] not in (self.template.get("Parameters") or {}):
                return str(stringify(self._get_att(name)))
            value = self._ref(name)
            if isinstance(value, list):
                raise TemplateError(f"Fn::Sub ${{{name}}}: a list cannot be substituted")
            return str(stringify(value))

        return SUB_VARIABLE.sub(replace, text)

    def _import_value(self, arg: object) -> str:
        name = str(self.resolve(arg))
        if name not in self.context.exports:
            known = ", ".join(sorted(self.context.exports)) or "none"
            raise TemplateError(
                f"No export named {name} found (deploy the stack that exports it first, with "
                f"the same --state-dir); known exports: {known}"
            )
        return self.context.exports[name]

    def _if(self, arg: object) -> object:
        if not isinstance(arg, list) or len(arg) != 3:
            raise TemplateError(f"Fn::If needs [condition, then, else], got {arg!r}")
        return self.resolve(arg[1] if self.condition(str(arg[0])) else arg[2])


def _join(resolve: _Resolve, arg: object) -> str:
    if not isinstance(arg, list) or len(arg) != 2:
        raise TemplateError(f"Fn::Join needs [delimiter, [values]], got {arg!r}")
    items = resolve(arg[1])
    if not isinstance(items, list):
        raise TemplateError("Fn::Join: the second element must be a list")
    return str(arg[0]).join(str(stringify(item)) for item in items)


def _select(resolve: _Resolve, arg: object) -> object:
    if not isinstance(arg, list) or len(arg) != 2:
        raise TemplateError(f"Fn::Select needs [index, list], got {arg!r}")
    index = int(str(resolve(arg[0])))
    items = resolve(arg[1])
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise TemplateError(f"Fn::Select: index {index} is out of range")
    return items[index]


def _split(resolve: _Resolve, arg: object) -> list[str]:
    if not isinstance(arg, list) or len(arg) != 2:
        raise TemplateError(f"Fn::Split needs [delimiter, string], got {arg!r}")
    return str(resolve(arg[1])).split(str(arg[0]))


def _equals(resolve: _Resolve, arg: object) -> bool:
    if not isinstance(arg, list) or len(arg) != 2:
        raise TemplateError(f"Fn::Equals needs two values, got {arg!r}")
    left, right = (stringify(resolve(v)) for v in arg)
    return bool(left == right)


def _find_in_map(resolve: _Resolve, template: Mapping[str, Any], arg: object) -> object:
    if not isinstance(arg, list) or len(arg) < 3:
        raise TemplateError(f"Fn::FindInMap needs [map, key, key], got {arg!r}")
    mapping_name, first, second = (str(resolve(v)) for v in arg[:3])
    try:
        return (template.get("Mappings") or {})[mapping_name][first][second]
    except KeyError as error:
        raise TemplateError(f"Fn::FindInMap: {mapping_name}/{first}/{second} not found") from error
