"""What a deploy or destroy reports: the stack's final status and every operation sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .protocol import Operation
from .stacks import ResourceState

_COMPLETE: Final = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "NO_CHANGES")


@dataclass
class StackResult:
    stack_name: str
    status: str
    reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    resources: dict[str, ResourceState] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status in _COMPLETE

    def operations_of(self, request_type: str) -> list[Operation]:
        return [op for op in self.operations if op.request_type == request_type]
