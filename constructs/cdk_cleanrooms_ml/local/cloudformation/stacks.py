"""What CloudFormation knows of a deployed stack: its resources, outputs and imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ResourceState:
    logical_id: str
    type: str
    physical_id: str
    properties: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # The construct path without the stack (from aws:cdk:path), for people to read.
    label: str = ""
    # As the template last deployed says (see .policies); "" (older state files) means Delete.
    deletion_policy: str = ""
    update_replace_policy: str = ""


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
