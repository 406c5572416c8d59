"""What a deployment changed, resource by resource: what a rollback or the clean-up undoes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .stacks import ResourceState


class Change(Enum):
    CREATED = "created"
    # The handler ran and failed: it may have made something a Delete must remove.
    CREATE_FAILED = "create_failed"
    UPDATED = "updated"
    UPDATE_FAILED = "update_failed"
    # Updated with a new physical id: the old resource is deleted once the stack is complete.
    REPLACED = "replaced"

    @property
    def made_something(self) -> bool:
        """Whether a rollback deletes the current resource (the old one was never touched)."""
        return self in (Change.CREATED, Change.CREATE_FAILED, Change.REPLACED)


@dataclass(frozen=True)
class JournalEntry:
    logical_id: str
    change: Change
    # The resource before an update; None for a create.
    old: ResourceState | None = None


Journal = list[JournalEntry]
