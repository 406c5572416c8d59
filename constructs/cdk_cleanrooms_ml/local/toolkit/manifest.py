"""A cloud assembly's stacks as the CDK CLI sees them: each stack's template and environment,
the stacks it depends on (the manifest's ``dependencies``) and the file assets it publishes
(its asset manifest's ``files`` and their ``destinations``); stages' nested assemblies too."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cloudformation.assembly import StackTemplate, load_assembly
from ..cloudformation.exceptions import TemplateError


@dataclass(frozen=True)
class FileDestination:
    """Where one file asset goes; ``bucket`` and ``key`` may hold ``${AWS::AccountId}``,
    ``${AWS::Region}`` and ``${AWS::Partition}``; None: the stack's account / region."""

    bucket: str
    key: str
    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class FileAsset:
    display_name: str
    # The file (or folder, for a folder CDK zips) in the assembly.
    path: Path
    destinations: tuple[FileDestination, ...]


@dataclass(frozen=True)
class AssemblyStack:
    artifact_id: str
    display_name: str
    template: StackTemplate
    # Artifact ids of the stacks deployed before this one.
    dependencies: tuple[str, ...]
    assets: tuple[FileAsset, ...]

    @property
    def name(self) -> str:
        return self.template.name


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(f"{path} cannot be read: {error}") from error


def _account_of(role_arn: object) -> str | None:
    """The account of ``arn:${AWS::Partition}:iam::<account>:role/...`` when it is written."""
    parts = str(role_arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def _file_assets(path: Path, base_dir: Path) -> list[FileAsset]:
    manifest = _read(path)
    assets: list[FileAsset] = []
    for asset_id, asset in (manifest.get("files") or {}).items():
        source = asset.get("source") or {}
        if "path" not in source:
            continue  # built by a command (executable): nothing on disk to publish
        destinations = tuple(
            FileDestination(
                bucket=str(dest["bucketName"]),
                key=str(dest["objectKey"]),
                account=_account_of(dest.get("assumeRoleArn")),
                region=dest.get("region"),
            )
            for dest in (asset.get("destinations") or {}).values()
        )
        display = str(asset.get("displayName") or asset_id)
        assets.append(FileAsset(display, base_dir / str(source["path"]), destinations))
    return assets


def read_assembly(app_dir: Path) -> list[AssemblyStack]:
    """Every stack of the assembly (nested stages' too), in manifest order."""
    app_dir = app_dir.resolve()
    templates = load_assembly(app_dir)
    return _stacks(app_dir, templates)


def _stacks(app_dir: Path, templates: dict[str, StackTemplate]) -> list[AssemblyStack]:
    manifest = _read(app_dir / "manifest.json")
    artifacts: dict[str, Any] = manifest.get("artifacts") or {}
    found: list[AssemblyStack] = []
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly":
            inner = app_dir / str((artifact.get("properties") or {}).get("directoryName", ""))
            if inner != app_dir and inner.is_dir():
                found.extend(_stacks(inner, templates))
            continue
        if kind != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        name = str(props.get("stackName") or artifact.get("displayName") or artifact_id)
        dependencies = [str(d) for d in artifact.get("dependencies") or []]
        assets: list[FileAsset] = []
        for dependency in dependencies:
            dep = artifacts.get(dependency) or {}
            if dep.get("type") == "cdk:asset-manifest":
                assets.extend(_file_assets(app_dir / dep["properties"]["file"], app_dir))
        stack_deps = tuple(
            d
            for d in dependencies
            if (artifacts.get(d) or {}).get("type") == "aws:cloudformation:stack"
        )
        found.append(
            AssemblyStack(
                artifact_id,
                str(artifact.get("displayName") or artifact_id),
                templates[name],
                stack_deps,
                tuple(assets),
            )
        )
    return found


def _ordered(stacks: Sequence[AssemblyStack]) -> list[AssemblyStack]:
    """``stacks`` with each after the stacks it depends on (manifest order on ties)."""
    ids = {s.artifact_id for s in stacks}
    placed: list[AssemblyStack] = []
    done: set[str] = set()
    while len(placed) < len(stacks):
        ready = [
            s
            for s in stacks
            if s.artifact_id not in done and {d for d in s.dependencies if d in ids} <= done
        ]
        if not ready:
            raise TemplateError("the assembly's stacks depend on each other in a cycle")
        placed.extend(ready)
        done.update(s.artifact_id for s in ready)
    return placed


def selected_stacks(
    stacks: Sequence[AssemblyStack],
    patterns: Sequence[str] | None = None,
    *,
    exclusively: bool = False,
) -> list[AssemblyStack]:
    """The stacks to deploy, in dependency order: all (no ``patterns``), or those matching a
    pattern (stack name, artifact id or display path; ``*`` wildcards) with what they depend on
    unless ``exclusively`` (``cdk deploy --exclusively``)."""
    if not patterns:
        return _ordered(stacks)
    by_id = {s.artifact_id: s for s in stacks}
    chosen: dict[str, AssemblyStack] = {}
    for pattern in patterns:
        matched = [
            s
            for s in stacks
            if any(fnmatch.fnmatchcase(n, pattern) for n in (s.name, s.artifact_id, s.display_name))
        ]
        if not matched:
            raise TemplateError(f"No stack found matching {pattern!r}")
        chosen.update((s.artifact_id, s) for s in matched)
    pending = list(chosen.values())
    while pending and not exclusively:
        for dependency in pending.pop().dependencies:
            if dependency not in chosen and dependency in by_id:
                chosen[dependency] = by_id[dependency]
                pending.append(by_id[dependency])
    return _ordered([s for s in stacks if s.artifact_id in chosen])
