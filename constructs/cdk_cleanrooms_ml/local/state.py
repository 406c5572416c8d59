"""What the local "account" remembers between runs, as small JSON files in one directory.

``<state-dir>/stacks/<stack>.json``: deployed resources (physical ids, properties, Data), outputs.
``<state-dir>/exports.json``: the region's export table (name -> value, exporting stack).
``<state-dir>/functions.json``: Lambda functions deployed by local stacks, by ARN.
``<state-dir>/cleanroomsml.json``: the endpoint's export jobs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .runtime import LocalFunction


@dataclass
class ResourceState:
    logical_id: str
    type: str
    physical_id: str
    properties: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # The construct path without the stack (from aws:cdk:path), for people to read.
    label: str = ""


@dataclass
class StackState:
    stack_name: str
    stack_id: str
    status: str
    parameters: dict[str, Any] = field(default_factory=dict)
    # In the order they were deployed; deleted in reverse.
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackState:
        resources = {
            lid: ResourceState(**item) for lid, item in (data.get("resources") or {}).items()
        }
        return cls(
            stack_name=data["stack_name"],
            stack_id=data["stack_id"],
            status=data["status"],
            parameters=data.get("parameters") or {},
            resources=resources,
            outputs=data.get("outputs") or {},
            imports=data.get("imports") or [],
        )


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
    os.replace(tmp, path)


def _read_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


class StateStore:
    def __init__(self, directory: Path) -> None:
        # Absolute: handler processes run with the asset as their working directory.
        self.directory = directory.resolve()

    @property
    def endpoint_file(self) -> Path:
        return self.directory / "cleanroomsml.json"

    @property
    def work_dir(self) -> Path:
        return self.directory / "work"

    def _stack_file(self, name: str) -> Path:
        return self.directory / "stacks" / f"{name}.json"

    def load_stack(self, name: str) -> StackState | None:
        data = _read_json(self._stack_file(name), None)
        return None if data is None else StackState.from_json(data)

    def save_stack(self, state: StackState) -> None:
        _write_json(self._stack_file(state.stack_name), asdict(state))

    def delete_stack(self, name: str) -> None:
        self._stack_file(name).unlink(missing_ok=True)

    def stacks(self) -> list[StackState]:
        folder = self.directory / "stacks"
        if not folder.is_dir():
            return []
        found = (self.load_stack(path.stem) for path in sorted(folder.glob("*.json")))
        return [state for state in found if state is not None]

    # --- exports: name -> {"value": ..., "stack": ...} --------------------------------------

    def exports(self) -> dict[str, dict[str, str]]:
        exports: dict[str, dict[str, str]] = _read_json(self.directory / "exports.json", {})
        return exports

    def save_exports(self, exports: dict[str, dict[str, str]]) -> None:
        _write_json(self.directory / "exports.json", exports)

    # --- functions: arn -> LocalFunction fields + owning stack ------------------------------

    def functions(self) -> dict[str, tuple[str, LocalFunction]]:
        raw: dict[str, dict[str, Any]] = _read_json(self.directory / "functions.json", {})
        found: dict[str, tuple[str, LocalFunction]] = {}
        for arn, item in raw.items():
            fields = dict(item)
            stack = str(fields.pop("stack"))
            fields["code_dir"] = Path(fields["code_dir"])
            found[arn] = (stack, LocalFunction(**fields))
        return found

    def save_functions(self, functions: dict[str, tuple[str, LocalFunction]]) -> None:
        payload = {
            arn: {
                **asdict(function),
                "code_dir": str(function.code_dir),
                "stack": stack,
                "environment": dict(function.environment),
            }
            for arn, (stack, function) in functions.items()
        }
        _write_json(self.directory / "functions.json", payload)
