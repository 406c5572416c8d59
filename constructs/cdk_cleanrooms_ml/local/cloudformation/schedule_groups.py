"""``AWS::Scheduler::ScheduleGroup``: a group made in the embedded EventBridge Scheduler.

The group is created when the stack creates it (its ``Name``, else CloudFormation's generated
``<stack>-<LogicalId>-<SUFFIX>``) and deleted, with every schedule in it, when the stack deletes
it, rolls its creation back, drops it from the template or replaces it (a new ``Name``). Ref is
the name, ``Fn::GetAtt .Arn`` its ARN (:mod:`.resources`). A driver without a scheduler keeps
simulating it like any other resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scheduler.exceptions import SchedulerError
from .assembly import SCHEDULE_GROUP, construct_label
from .exceptions import ResourceFailedError, TemplateError
from .intrinsics import stringify
from .journal import Change, Journal, JournalEntry
from .policies import deletion_policy, update_replace_policy
from .progress import ProgressEvent
from .protocol import FAILED, SUCCESS, Operation
from .resources import simulated_name
from .stack_part import StackPart
from .stacks import ResourceState, StackState

if TYPE_CHECKING:
    from .driver import LocalCloudFormation
    from .steps import Step


def _report(
    driver: LocalCloudFormation, stack_name: str, resource: ResourceState, status: str, reason: str
) -> None:
    driver.progress.report(
        ProgressEvent(
            stack_name, resource.logical_id, SCHEDULE_GROUP, status, reason, label=resource.label
        )
    )


class ScheduleGroups(StackPart):
    """Deploys a stack's schedule groups into the driver's scheduler."""

    def prepare(self, logical_id: str) -> Step | None:
        """Keep an unchanged group; return the step that creates a new (or renamed) one."""
        from .steps import Step  # noqa: PLC0415 - steps imports this module

        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type != SCHEDULE_GROUP:
            old = None
        definition = self.stack.resources[logical_id]
        resource = ResourceState(
            logical_id,
            SCHEDULE_GROUP,
            self._name(logical_id, old),
            label=construct_label(self.stack, logical_id),
            deletion_policy=deletion_policy(definition, logical_id),
            update_replace_policy=update_replace_policy(definition, logical_id),
        )
        if self.driver.scheduler is None or (
            old is not None and old.physical_id == resource.physical_id
        ):
            self.state.resources[logical_id] = resource
            return None
        return Step(
            logical_id,
            resource,
            lambda: self._create(resource),
            lambda operation, journal: self._finish(resource, old, operation, journal),
            record=False,
        )

    def _name(self, logical_id: str, old: ResourceState | None) -> str:
        props = self.stack.resources[logical_id].get("Properties") or {}
        if "Name" in props:
            try:
                return str(stringify(self.resources.resolver.resolve(props["Name"])))
            except TemplateError as error:
                raise ResourceFailedError(logical_id, str(error)) from error
        if old is not None:
            return old.physical_id
        return simulated_name(self.stack.name, logical_id, self.state.stack_id)

    def _create(self, resource: ResourceState) -> Operation:
        operation = Operation(
            "Create", resource.logical_id, {}, FAILED, physical_id=resource.physical_id
        )
        scheduler = self.driver.scheduler
        assert scheduler is not None  # checked in prepare
        try:
            scheduler.create_schedule_group(resource.physical_id)
        except SchedulerError as error:
            operation.reason = f"{error.code}: {error.message}"
            _report(self.driver, self.state.stack_name, resource, "CREATE_FAILED", operation.reason)
            return operation
        operation.status = SUCCESS
        return operation

    def _finish(
        self,
        resource: ResourceState,
        old: ResourceState | None,
        operation: Operation,
        journal: Journal,
    ) -> None:
        if operation.status != SUCCESS:
            raise ResourceFailedError(resource.logical_id, operation.reason)
        self.state.resources[resource.logical_id] = resource
        # A rollback deletes what was made; a completed replacement deletes the old group.
        change = Change.CREATED if old is None else Change.REPLACED
        journal.append(JournalEntry(resource.logical_id, change, old))


def delete_schedule_group(
    driver: LocalCloudFormation, state: StackState, resource: ResourceState
) -> None:
    """Delete the group and its schedules; one that is gone already is fine."""
    scheduler = driver.scheduler
    if scheduler is None:
        return
    try:
        scheduler.delete_schedule_group(resource.physical_id)
    except SchedulerError as error:
        if error.code != "ResourceNotFoundException":
            _report(
                driver,
                state.stack_name,
                resource,
                "DELETE_FAILED",
                f"{error.code}: {error.message}",
            )
