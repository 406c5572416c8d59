"""Deleting a stack: its custom resources and training datasets in reverse order (those
retained by their DeletionPolicy get no Delete; schedule groups go from the scheduler), then its
state.

A stack whose exports another stack imports is not deleted. ``force`` forgets the stack locally
even when a Delete fails or its state cannot be read (what it made may stay in the endpoint).
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from ..errors import StateError, StateLostError
from .exceptions import TemplateError
from .policies import Removal
from .progress import ProgressEvent
from .protocol import SUCCESS
from .results import StackResult
from .stacks import ResourceState, StackState

if TYPE_CHECKING:
    from .driver import LocalCloudFormation


class StackDeletion:
    """One ``destroy``."""

    def __init__(self, driver: LocalCloudFormation, stack_name: str, *, force: bool) -> None:
        self.driver = driver
        self.stack_name = stack_name
        self.force = force

    def _result(self, status: str, reason: str = "") -> StackResult:
        return StackResult(self.stack_name, status, reason)

    def run(self) -> StackResult:
        driver, name = self.driver, self.stack_name
        try:
            state = driver.store.load_stack(name)
        except StateError as error:
            if not self.force:
                raise
            # Unreadable: nothing can be sent to a handler; forget what is known of the stack.
            driver.progress.stack(name, "DELETE_IN_PROGRESS")
            driver.forget_stack(name)
            reason = f"its state could not be read and was removed: {error}"
            driver.progress.stack(name, "DELETE_COMPLETE", reason)
            return self._result("DELETE_COMPLETE", reason)
        if state is None:
            raise TemplateError(
                f"stack {name} is not deployed locally (no state in {driver.store.directory})"
            )
        importers = self._importers()
        if importers:
            reason = f"its exports are imported by {', '.join(importers)}; destroy those first"
            driver.progress.stack(name, "DELETE_FAILED", reason)
            result = self._result("DELETE_FAILED", reason)
            result.resources = state.resources
            return result
        started = time.monotonic()
        driver.progress.stack(name, "DELETE_IN_PROGRESS")
        result = self._result("DELETE_COMPLETE")
        remaining = self._delete_all(state, result)
        self._settle(state, remaining, result)
        driver.progress.stack(name, result.status, result.reason, time.monotonic() - started)
        return result

    def _importers(self) -> list[str]:
        """Other stacks that import one of this stack's exports."""
        store = self.driver.store
        own = {n for n, e in store.exports().items() if e["stack"] == self.stack_name}
        return [
            other.stack_name
            for other in store.stacks()
            if other.stack_name != self.stack_name and set(other.imports) & own
        ]

    def _settle(
        self, state: StackState, remaining: dict[str, ResourceState], result: StackResult
    ) -> None:
        """Forget the stack, or keep what could not be deleted."""
        driver = self.driver
        left = [lid for lid, r in remaining.items() if driver.makes(r.type)]
        if left and self.force:
            for logical_id in left:
                resource = remaining[logical_id]
                driver.progress.report(
                    ProgressEvent(
                        self.stack_name,
                        logical_id,
                        resource.type,
                        "DELETE_SKIPPED",
                        "its Delete failed; forgotten locally (--force)",
                        label=resource.label,
                    )
                )
            result.reason = f"forced: {len(left)} resource(s) left behind: {', '.join(left)}"
            driver.forget_stack(self.stack_name)
        elif left:
            state.status = "DELETE_FAILED"
            state.resources = remaining
            driver.store.save_stack(state)
            result.status, result.reason = (
                "DELETE_FAILED",
                "some resources could not be deleted (destroy --force forgets them locally)",
            )
            result.resources = remaining
        else:
            driver.forget_stack(self.stack_name)

    def _delete_all(self, state: StackState, result: StackResult) -> dict[str, ResourceState]:
        """Delete the stack's resources in reverse order; returns those still there."""
        driver = self.driver
        remaining = dict(state.resources)
        try:
            for logical_id in reversed(list(state.resources)):
                resource = state.resources[logical_id]
                if not driver.makes(resource.type):
                    remaining.pop(logical_id)
                    continue
                operation = driver.delete_resource(state, resource, Removal.DELETED)
                if operation is not None:
                    result.operations.append(operation)
                if operation is None or operation.status == SUCCESS:
                    remaining.pop(logical_id)
        except StateLostError:
            driver.cancel()
            raise
        except BaseException:
            # Interrupted: what is not deleted yet stays recorded, so destroy can finish later.
            driver.cancel()
            state.status, state.resources = "DELETE_FAILED", remaining
            with contextlib.suppress(StateError):
                driver.store.save_stack(state)
            raise
        return remaining
