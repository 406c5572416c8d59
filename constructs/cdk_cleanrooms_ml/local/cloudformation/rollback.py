"""Undoing a failed deployment, as CloudFormation rolls a stack back.

A failed Create deletes what the run made (the failed resource included), unless its
DeletionPolicy is Retain; a failed Update sends each updated resource an Update back to its old
properties. A replaced resource's old one was never touched, so only the new one goes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .journal import Change, Journal
from .policies import Removal
from .protocol import SUCCESS, Operation
from .results import StackResult
from .stacks import ResourceState, StackState

if TYPE_CHECKING:
    from .driver import LocalCloudFormation


def roll_back(
    driver: LocalCloudFormation,
    state: StackState,
    prev: StackState | None,
    journal: Journal,
    result: StackResult,
    *,
    started: float,
) -> StackResult:
    """Undo ``journal`` (latest first) and record the stack's final status in ``result``."""
    creating = prev is None
    prefix = "ROLLBACK" if creating else "UPDATE_ROLLBACK"
    name = state.stack_name
    driver.progress.stack(name, f"{prefix}_IN_PROGRESS", result.reason)
    failed = False
    for entry in reversed(journal):
        operation = _undo(driver, state, entry.logical_id, entry.change, entry.old)
        if operation is not None:
            result.operations.append(operation)
            failed = failed or operation.status != SUCCESS
    status = f"{prefix}_{'FAILED' if failed else 'COMPLETE'}"
    if prev is not None:
        prev.status = status
        driver.store.save_stack(prev)
    else:
        # As CloudFormation: a stack whose creation rolled back stays, in ROLLBACK_COMPLETE
        # with nothing left (or ROLLBACK_FAILED with what remains), until it is destroyed.
        state.status = status
        if not failed:
            state.resources, state.outputs, state.imports = {}, {}, []
            driver.functions.forget_stack(name)
        driver.store.save_stack(state)
    result.status = status
    result.resources = dict(prev.resources) if prev else {}
    driver.progress.stack(name, status, "", time.monotonic() - started)
    return result


def _undo(
    driver: LocalCloudFormation,
    state: StackState,
    logical_id: str,
    change: Change,
    old: ResourceState | None,
) -> Operation | None:
    current = state.resources.get(logical_id)
    if current is None:
        return None
    if change.made_something:
        return driver.delete_resource(state, current, Removal.ROLLED_BACK)
    if old is None:
        return None
    back = ResourceState(logical_id, old.type, old.physical_id, old.properties, label=old.label)
    return driver.run_operation(state, "Update", back, old_properties=current.properties)
