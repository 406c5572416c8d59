"""What CloudFormation keeps of a StackSet in its administrator account and region: the
StackSet (its properties as last applied), its instances and its operations.

``<state-dir>/stack_sets/<name>.json`` of the administrator's cloud, and beside it
``<name>/<digest>.template``: each TemplateBody the instances were deployed from.

An instance's ``status`` is the API's: CURRENT (its stack is as the StackSet says), OUTDATED
(an operation on it failed or never reached it) or INOPERABLE (a delete failed); its
``detailed_status`` the last operation's outcome there (SUCCEEDED, FAILED, CANCELLED...); its
``stack_status`` the status of its stack when last seen ("" when no stack was made).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from ...errors import StateError
from ...jsonfile import write_json_atomic
from ...state import StateStore

CURRENT: Final = "CURRENT"
OUTDATED: Final = "OUTDATED"
INOPERABLE: Final = "INOPERABLE"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
CANCELLED: Final = "CANCELLED"
# Operations kept per StackSet (the latest; ListStackSetOperations shows more).
_KEPT_OPERATIONS: Final = 20


@dataclass
class StackInstance:
    account: str
    region: str
    stack_name: str = ""
    stack_id: str = ""
    status: str = OUTDATED
    detailed_status: str = "PENDING"
    reason: str = ""
    stack_status: str = ""
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.account}/{self.region}"


@dataclass
class InstanceOutcome:
    """What one operation did to one instance (ListStackSetOperationResults)."""

    account: str
    region: str
    action: str  # CREATE | UPDATE | DELETE
    detailed_status: str  # SUCCEEDED | FAILED | CANCELLED
    stack_name: str = ""
    # The instance stack's deployment: CREATE_COMPLETE, NO_CHANGES, ROLLBACK_COMPLETE, ...
    stack_result: str = ""
    reason: str = ""


@dataclass
class OperationRecord:
    operation_id: str
    action: str  # CREATE | UPDATE | DELETE | AUTO_DEPLOY
    status: str = "RUNNING"  # RUNNING | SUCCEEDED | FAILED
    reason: str = ""
    outcomes: list[InstanceOutcome] = field(default_factory=list)

    def failures(self) -> list[InstanceOutcome]:
        return [o for o in self.outcomes if o.detailed_status == FAILED]


@dataclass
class StackSetRecord:
    name: str
    stack_set_id: str
    # The resource's properties as last applied (StackSetSpec is read from them).
    properties: dict[str, Any]
    status: str = "ACTIVE"
    instances: dict[str, StackInstance] = field(default_factory=dict)
    operations: list[OperationRecord] = field(default_factory=list)

    def add_operation(self, operation: OperationRecord) -> None:
        self.operations = [*self.operations, operation][-_KEPT_OPERATIONS:]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackSetRecord:
        return cls(
            name=data["name"],
            stack_set_id=data["stack_set_id"],
            properties=data["properties"],
            status=data.get("status", "ACTIVE"),
            instances={k: StackInstance(**v) for k, v in (data.get("instances") or {}).items()},
            operations=[
                OperationRecord(
                    **{**op, "outcomes": [InstanceOutcome(**o) for o in op.get("outcomes", [])]}
                )
                for op in data.get("operations") or []
            ],
        )


class StackSetStore:
    """The StackSets of one administrator account and region."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self.directory = store.directory / "stack_sets"

    def _file(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(path.stem for path in self.directory.glob("*.json"))

    def load(self, name: str) -> StackSetRecord | None:
        path = self._file(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StateError(f"state file {path} cannot be read: {error}") from error
        try:
            return StackSetRecord.from_json(data)
        except (KeyError, TypeError) as error:
            raise StateError(f"state file {path} is not a StackSet's: {error!r}") from error

    def save(self, record: StackSetRecord) -> None:
        self._store.check_intact()
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self._file(record.name), asdict(record))

    def delete(self, name: str) -> None:
        self._store.check_intact()
        self._file(name).unlink(missing_ok=True)
        for template in (self.directory / name).glob("*.template"):
            template.unlink(missing_ok=True)

    def template_file(self, name: str, body: str) -> Path:
        """The file holding ``body`` (written once: named by its digest)."""
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
        path = self.directory / name / f"{digest}.template"
        if not path.exists():
            self._store.check_intact()
            path.parent.mkdir(parents=True, exist_ok=True)
            # Renamed into place: a run that dies midway never leaves half a template there.
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            partial.write_text(body, encoding="utf-8")
            os.replace(partial, path)
        return path
