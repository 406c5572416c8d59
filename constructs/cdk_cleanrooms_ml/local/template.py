"""Reading synthesized stacks and resolving the intrinsic functions CloudFormation would.

A stack comes from a cloud assembly (``cdk.out``: manifest, template, asset manifest) or from a
plain template file (JSON or YAML with the short-form tags). Asset directories are found from the
``aws:asset:path`` metadata the CDK CLI writes or, when it is absent (a bare ``App().synth()``),
from the Lambda's ``Code.S3Key`` (``<hash>.zip`` -> ``asset.<hash>``) through the asset manifest.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceExport"
LAMBDA_FUNCTION: Final = "AWS::Lambda::Function"
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
_SUB_VARIABLE: Final = re.compile(r"\$\{(!?)([^}]*)\}")
_UNKNOWN_ENV: Final = ("unknown-account", "unknown-region")


class TemplateError(Exception):
    """The template (or the assembly around it) cannot be deployed locally; says why."""


@dataclass
class StackTemplate:
    """One stack's template and where its assets live."""

    name: str
    template: dict[str, Any]
    base_dir: Path
    source: Path
    assets_by_key: dict[str, Path] = field(default_factory=dict)
    region: str | None = None
    account: str | None = None

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources = self.template.get("Resources")
        if not isinstance(resources, dict) or not resources:
            raise TemplateError(f"{self.source}: the template has no Resources")
        return resources

    def custom_resources(self) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") == RESOURCE_TYPE]

    def lambda_functions(self) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") == LAMBDA_FUNCTION]


# --- loading -------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TemplateError(f"{path} not found") from error
    except ValueError as error:
        raise TemplateError(f"{path} is not valid JSON: {error}") from error


def _assets_by_key(assets_file: Path, base_dir: Path) -> dict[str, Path]:
    if not assets_file.exists():
        return {}
    manifest = _read_json(assets_file)
    found: dict[str, Path] = {}
    for asset in (manifest.get("files") or {}).values():
        source = asset.get("source", {})
        if source.get("packaging") not in ("zip", None) or "path" not in source:
            continue
        for destination in (asset.get("destinations") or {}).values():
            key = destination.get("objectKey")
            if key:
                found[str(key)] = base_dir / str(source["path"])
    return found


def load_assembly(app_dir: Path) -> dict[str, StackTemplate]:
    """Every stack of a cloud assembly, by stack name."""
    app_dir = app_dir.resolve()
    if not app_dir.is_dir():
        raise TemplateError(
            f"cloud assembly {app_dir} not found: synthesize the app first (cdk synth) "
            "or point --app-dir at its output"
        )
    manifest_path = app_dir / "manifest.json"
    if not manifest_path.exists():
        raise TemplateError(f"{app_dir} has no manifest.json: it is not a cloud assembly (cdk.out)")
    manifest = _read_json(manifest_path)
    stacks: dict[str, StackTemplate] = {}
    artifacts: dict[str, Any] = manifest.get("artifacts") or {}
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        template_path = app_dir / str(props.get("templateFile", f"{artifact_id}.template.json"))
        name = str(props.get("stackName") or artifact.get("displayName") or artifact_id)
        account, region = None, None
        env = str(artifact.get("environment", ""))
        if env.startswith("aws://"):
            account_part, _, region_part = env[len("aws://") :].partition("/")
            account = None if account_part in _UNKNOWN_ENV else account_part
            region = None if region_part in _UNKNOWN_ENV else region_part
        assets: dict[str, Path] = {}
        for dependency in artifact.get("dependencies") or []:
            dep = artifacts.get(dependency) or {}
            if dep.get("type") == "cdk:asset-manifest":
                assets.update(_assets_by_key(app_dir / dep["properties"]["file"], app_dir))
        template = _read_json(template_path)
        if not isinstance(template, dict):
            raise TemplateError(f"{template_path}: a template must be a JSON object")
        stacks[name] = StackTemplate(
            name=name,
            template=template,
            base_dir=app_dir,
            source=template_path,
            assets_by_key=assets,
            region=region,
            account=account,
        )
    for nested in (a for a in artifacts.values() if a.get("type") == "cdk:cloud-assembly"):
        inner = app_dir / str(nested.get("properties", {}).get("directoryName", ""))
        if inner != app_dir and inner.is_dir():
            stacks.update(load_assembly(inner))
    return stacks


def load_stack(app_dir: Path, stack_name: str | None = None) -> StackTemplate:
    stacks = load_assembly(app_dir)
    if not stacks:
        raise TemplateError(f"{app_dir} contains no stacks")
    if stack_name is None:
        if len(stacks) > 1:
            raise TemplateError(
                f"{app_dir} has {len(stacks)} stacks; choose one with --stack: "
                + ", ".join(sorted(stacks))
            )
        return next(iter(stacks.values()))
    if stack_name not in stacks:
        raise TemplateError(
            f"stack {stack_name!r} is not in {app_dir}; it has: {', '.join(sorted(stacks))}"
        )
    return stacks[stack_name]


def _yaml_loader() -> Any:
    try:
        # Optional (only YAML templates need it), and untyped.
        yaml: Any = importlib.import_module("yaml")
    except ImportError as error:
        raise TemplateError("reading a YAML template needs PyYAML (pip install pyyaml)") from error

    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})

    def construct(loader: Any, tag_suffix: str, node: Any) -> object:
        value: object
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag_suffix in ("Ref", "Condition"):
            return {tag_suffix: value}
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag_suffix}": value}

    loader.add_multi_constructor("!", construct)
    # Dates stay strings (AWSTemplateFormatVersion: 2010-09-09), as CloudFormation reads them.
    loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml, loader


def load_template_file(
    path: Path,
    *,
    stack_name: str,
    region: str | None = None,
    account: str | None = None,
) -> StackTemplate:
    """A plain CloudFormation template (JSON or YAML, short-form tags allowed)."""
    path = path.resolve()
    if not path.is_file():
        raise TemplateError(f"template {path} not found")
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        template = _read_json(path)
    else:
        yaml, loader = _yaml_loader()
        try:
            template = yaml.load(text, Loader=loader)
        except yaml.YAMLError as error:
            raise TemplateError(f"{path} is not a valid template: {error}") from error
    if not isinstance(template, dict):
        raise TemplateError(f"{path}: a template must be an object")
    return StackTemplate(
        name=stack_name,
        template=template,
        base_dir=path.parent,
        source=path,
        region=region,
        account=account,
    )


# --- parameters ----------------------------------------------------------------------------


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


# --- stringifying --------------------------------------------------------------------------


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


# --- dependencies --------------------------------------------------------------------------


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
                for bang, name in _SUB_VARIABLE.findall(str(text)):
                    if not bang and name.split(".", 1)[0] not in local:
                        found.add(name.split(".", 1)[0])
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependency_order(template: Mapping[str, Any]) -> list[str]:
    """Logical ids so each resource comes after what it refers to (template order on ties)."""
    resources: dict[str, Any] = template.get("Resources") or {}
    needs: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        refs = references(resource.get("Properties", {})) | set(depends)
        needs[logical_id] = {ref for ref in refs if ref in resources and ref != logical_id}
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


# --- intrinsic functions -------------------------------------------------------------------


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
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::ImportValue": self._import_value,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": lambda arg: all(self._truth(self.resolve(c), "Fn::And") for c in arg),
            "Fn::Or": lambda arg: any(self._truth(self.resolve(c), "Fn::Or") for c in arg),
            "Fn::Not": lambda arg: not self._truth(self.resolve(arg[0]), "Fn::Not"),
            "Condition": lambda arg: self.condition(str(arg)),
            "Fn::FindInMap": self._find_in_map,
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

    def _join(self, arg: object) -> str:
        if not isinstance(arg, list) or len(arg) != 2:
            raise TemplateError(f"Fn::Join needs [delimiter, [values]], got {arg!r}")
        items = self.resolve(arg[1])
        if not isinstance(items, list):
            raise TemplateError("Fn::Join: the second element must be a list")
        return str(arg[0]).join(str(stringify(item)) for item in items)

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

        return _SUB_VARIABLE.sub(replace, text)

    def _select(self, arg: object) -> object:
        if not isinstance(arg, list) or len(arg) != 2:
            raise TemplateError(f"Fn::Select needs [index, list], got {arg!r}")
        index = int(str(self.resolve(arg[0])))
        items = self.resolve(arg[1])
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise TemplateError(f"Fn::Select: index {index} is out of range")
        return items[index]

    def _split(self, arg: object) -> list[str]:
        if not isinstance(arg, list) or len(arg) != 2:
            raise TemplateError(f"Fn::Split needs [delimiter, string], got {arg!r}")
        return str(self.resolve(arg[1])).split(str(arg[0]))

    def _import_value(self, arg: object) -> str:
        name = str(self.resolve(arg))
        if name not in self.context.exports:
            known = ", ".join(sorted(self.context.exports)) or "none"
            raise TemplateError(
                f"No export named {name} found (deploy the stack that exports it locally first, "
                f"or pass --exports {name}=VALUE); known exports: {known}"
            )
        return self.context.exports[name]

    def _if(self, arg: object) -> object:
        if not isinstance(arg, list) or len(arg) != 3:
            raise TemplateError(f"Fn::If needs [condition, then, else], got {arg!r}")
        return self.resolve(arg[1] if self.condition(str(arg[0])) else arg[2])

    def _equals(self, arg: object) -> bool:
        if not isinstance(arg, list) or len(arg) != 2:
            raise TemplateError(f"Fn::Equals needs two values, got {arg!r}")
        left, right = (stringify(self.resolve(v)) for v in arg)
        return bool(left == right)

    def _find_in_map(self, arg: object) -> object:
        if not isinstance(arg, list) or len(arg) < 3:
            raise TemplateError(f"Fn::FindInMap needs [map, key, key], got {arg!r}")
        mapping_name, first, second = (str(self.resolve(v)) for v in arg[:3])
        try:
            return (self.template.get("Mappings") or {})[mapping_name][first][second]
        except KeyError as error:
            raise TemplateError(
                f"Fn::FindInMap: {mapping_name}/{first}/{second} not found"
            ) from error


def construct_label(stack: StackTemplate, logical_id: str) -> str:
    """``Q4Lookalikes`` for ``<stack>/Q4Lookalikes/Resource/Default`` (CLI-synthesized metadata)."""
    path = str((stack.resources[logical_id].get("Metadata") or {}).get("aws:cdk:path", ""))
    parts = path.split("/")[1:]
    while parts and parts[-1] in ("Default", "Resource"):
        parts.pop()
    return "/".join(parts)


# --- the provider Lambda -------------------------------------------------------------------


def function_code_dir(stack: StackTemplate, logical_id: str, code: object) -> Path:
    """The directory holding a function's code: asset metadata first, then Code.S3Key."""
    resource = stack.resources[logical_id]
    metadata = resource.get("Metadata") or {}
    candidates: list[Path] = []
    asset_path = metadata.get("aws:asset:path")
    if asset_path and metadata.get("aws:asset:property", "Code") == "Code":
        path = Path(str(asset_path))
        candidates.append(path if path.is_absolute() else stack.base_dir / path)
    if isinstance(code, dict):
        if "ZipFile" in code:
            raise TemplateError(
                f"{logical_id}: inline ZipFile code cannot run locally; use an asset"
            )
        key = code.get("S3Key")
        if isinstance(key, str):
            if key in stack.assets_by_key:
                candidates.append(stack.assets_by_key[key])
            if key.endswith(".zip"):
                candidates.append(stack.base_dir / f"asset.{key[: -len('.zip')]}")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    if not candidates:
        raise TemplateError(
            f"{logical_id}: no local code for this Lambda function (no aws:asset:path metadata "
            "and no Code.S3Key of a synthesized asset)"
        )
    raise TemplateError(
        f"{logical_id}: its asset directory {candidates[0]} is missing; synthesize the app again"
    )
