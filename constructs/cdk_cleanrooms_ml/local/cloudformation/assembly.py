"""Reading synthesized stacks: a cloud assembly (``cdk.out``) or a plain template file.

A stack comes from a cloud assembly (manifest, template, asset manifest) or from a plain
template file (JSON or YAML with the short-form tags). Asset directories are found from the
``aws:asset:path`` metadata the CDK CLI writes or, when it is absent (a bare ``App().synth()``),
from the Lambda's ``Code.S3Key`` (``<hash>.zip`` -> ``asset.<hash>`` or ``asset.<hash>.zip``, a
ready-made archive unpacked beside it) through the asset manifest.
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .exceptions import TemplateError

LAMBDA_FUNCTION: Final = "AWS::Lambda::Function"
# Made in the embedded EventBridge Scheduler (see .schedule_groups), not only simulated.
SCHEDULE_GROUP: Final = "AWS::Scheduler::ScheduleGroup"
_UNKNOWN_ENV: Final = ("unknown-account", "unknown-region")


def is_custom_resource(kind: object) -> bool:
    """Whether CloudFormation sends resources of type ``kind`` to their ServiceToken."""
    return isinstance(kind, str) and (
        kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"
    )


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
        """Every custom resource (ours and any other ``Custom::`` type), by logical id."""
        return [lid for lid, res in self.resources.items() if is_custom_resource(res.get("Type"))]

    def lambda_functions(self) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") == LAMBDA_FUNCTION]


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
        packaging = source.get("packaging")
        if "path" not in source:
            continue
        # A folder CDK zips, or a ready-made .zip archive (the library's prebuilt asset).
        if packaging not in ("zip", None) and not (
            packaging == "file" and str(source["path"]).endswith(".zip")
        ):
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


def parse_template_text(text: str, where: str) -> dict[str, Any]:
    """A template's text (JSON, or YAML with the short-form tags) as an object; ``where`` names
    it in errors (a file, a StackSet's TemplateBody)."""
    template: object
    if text.lstrip().startswith("{"):
        try:
            template = json.loads(text)
        except ValueError as error:
            raise TemplateError(f"{where} is not valid JSON: {error}") from error
    else:
        yaml, loader = _yaml_loader()
        try:
            template = yaml.load(text, Loader=loader)
        except yaml.YAMLError as error:
            raise TemplateError(f"{where} is not a valid template: {error}") from error
    if not isinstance(template, dict):
        raise TemplateError(f"{where}: a template must be an object")
    return template


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
    template = parse_template_text(path.read_text(encoding="utf-8"), str(path))
    return StackTemplate(
        name=stack_name,
        template=template,
        base_dir=path.parent,
        source=path,
        region=region,
        account=account,
    )


def construct_label(stack: StackTemplate, logical_id: str) -> str:
    """``Q4Lookalikes`` for ``<stack>/Q4Lookalikes/Resource/Default`` (CLI-synthesized metadata)."""
    path = str((stack.resources[logical_id].get("Metadata") or {}).get("aws:cdk:path", ""))
    parts = path.split("/")[1:]
    while parts and parts[-1] in ("Default", "Resource"):
        parts.pop()
    return "/".join(parts)


def unpacked(archive: Path) -> Path:
    """A zip asset's files, as Lambda unpacks them: beside it, under its name without .zip.

    Assets are named by their content hash, so an existing folder is never stale. Unpacked into a
    temporary sibling first, so a crash never leaves half a folder under the final name.
    """
    target = archive.with_suffix("")
    if target.is_dir():
        return target
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=archive.parent))
    try:
        with zipfile.ZipFile(archive) as files:
            files.extractall(partial)
        partial.rename(target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not target.is_dir():  # another run unpacked it first: fine
            raise
    except zipfile.BadZipFile as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise TemplateError(f"{archive} is not a zip archive: {error}") from error
    return target


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
                candidates.append(stack.base_dir / f"asset.{key}")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
        if candidate.is_file() and candidate.suffix == ".zip":
            return unpacked(candidate)
    if not candidates:
        raise TemplateError(
            f"{logical_id}: no local code for this Lambda function (no aws:asset:path metadata "
            "and no Code.S3Key of a synthesized asset)"
        )
    raise TemplateError(
        f"{logical_id}: its asset directory {candidates[0]} is missing; synthesize the app again"
    )
