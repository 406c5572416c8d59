"""DeletionPolicy and UpdateReplacePolicy: which removals send a Delete and which keep the resource.

``Retain`` keeps the resource on stack deletion, on removal from the template and on a rollback
of the run that made it (CloudFormation retains it then too); ``RetainExceptOnCreate`` keeps it
except on that rollback. ``UpdateReplacePolicy: Retain`` keeps the old resource of a replacement.
A kept resource gets no Delete request; its progress line says DELETE_SKIPPED. ``Snapshot``
applies to types that can be snapshotted; a custom resource is deleted as with ``Delete``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from .exceptions import TemplateError
from .stacks import ResourceState

DELETE: Final = "Delete"
RETAIN: Final = "Retain"
RETAIN_EXCEPT_ON_CREATE: Final = "RetainExceptOnCreate"
SNAPSHOT: Final = "Snapshot"
DELETION_POLICIES: Final = (DELETE, RETAIN, RETAIN_EXCEPT_ON_CREATE, SNAPSHOT)
UPDATE_REPLACE_POLICIES: Final = (DELETE, RETAIN, SNAPSHOT)


class Removal(Enum):
    """Why a resource leaves the stack."""

    # The stack is deleted, or the resource is no longer in the template.
    DELETED = "deleted"
    # The run that created it failed.
    ROLLED_BACK = "rolled back"
    # An update gave it a new physical id: this is the old one.
    REPLACED = "replaced"


def _policy(
    definition: Mapping[str, Any], logical_id: str, attribute: str, allowed: tuple[str, ...]
) -> str:
    value = definition.get(attribute, DELETE)
    if value not in allowed:
        raise TemplateError(
            f"{logical_id}: {attribute} {value!r} is not one of {', '.join(allowed)}"
        )
    return str(value)


def deletion_policy(definition: Mapping[str, Any], logical_id: str) -> str:
    """The resource's DeletionPolicy (Delete when absent)."""
    return _policy(definition, logical_id, "DeletionPolicy", DELETION_POLICIES)


def update_replace_policy(definition: Mapping[str, Any], logical_id: str) -> str:
    """The resource's UpdateReplacePolicy (Delete when absent)."""
    return _policy(definition, logical_id, "UpdateReplacePolicy", UPDATE_REPLACE_POLICIES)


def retained_by(resource: ResourceState, removal: Removal) -> str | None:
    """The policy that keeps ``resource`` (``"DeletionPolicy Retain"``), or None: delete it."""
    if removal is Removal.REPLACED:
        if resource.update_replace_policy == RETAIN:
            return f"UpdateReplacePolicy {RETAIN}"
        return None
    policy = resource.deletion_policy
    if policy == RETAIN or (policy == RETAIN_EXCEPT_ON_CREATE and removal is Removal.DELETED):
        return f"DeletionPolicy {policy}"
    return None


def policies_of(resource: ResourceState) -> tuple[str, str]:
    """``(DeletionPolicy, UpdateReplacePolicy)``; state written before they were kept says ""."""
    return resource.deletion_policy or DELETE, resource.update_replace_policy or DELETE
