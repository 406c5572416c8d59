"""``AWS::CloudFormation::StackSet``, run as CloudFormation's own handler runs it: the StackSet
and its instances across the organization's accounts and regions.

Create makes the StackSet (its ``StackSetId``, ``<name>:<uuid>``, is the physical id and
``Fn::GetAtt .StackSetId``) and an instance in every (account, region) its groups target; an
operation that fails (more failed accounts in a region than it tolerates) fails the resource,
and the stack's rollback deletes the StackSet with every instance made. Update applies the new
properties: the template and parameters to every instance, then deletes the instances of
targets no longer in a group and creates those of new ones (a new StackSetName or
PermissionModel makes a new StackSet instead). Delete deletes every instance, then the
StackSet. Auto-deployment (:meth:`StackSets.accounts_changed`) creates the instances of an
account that joins a targeted unit and deletes (or, RetainStacksOnAccountRemoval, keeps the
stacks of) one that leaves.

Only the administrator may: the management account (``CallAs: SELF``) or a delegated
administrator (``DELEGATED_ADMIN``) for a SERVICE_MANAGED StackSet.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..handled_types import STACK_SET
from ..protocol import FAILED as OPERATION_FAILED
from ..protocol import SUCCESS, Operation
from ..stacks import ResourceState, StackState
from .instances import Clouds, delete_instance, deploy_instance, stack_status
from .operations import Work, run_operation
from .properties import SERVICE_MANAGED, StackSetError, StackSetSpec, parse_spec
from .records import SUCCEEDED, OperationRecord, StackInstance, StackSetRecord, StackSetStore
from .targets import Target, region_order, targets

_HANDLER_ERROR_CODES: Final = {
    "ValidationError": "InvalidRequest",
    "InsufficientCapabilitiesException": "InvalidRequest",
    "NameAlreadyExistsException": "AlreadyExists",
    "StackSetNotFoundException": "NotFound",
    "OperationFailed": "InternalFailure",
}


def _reason(error: StackSetError) -> str:
    return (
        f'Resource handler returned message: "{error.message}" (RequestToken: {uuid.uuid4()}, '
        f"HandlerErrorCode: {_HANDLER_ERROR_CODES.get(error.code, 'GeneralServiceException')})"
    )


def _failed_operation(operation: OperationRecord) -> StackSetError:
    return StackSetError(
        "OperationFailed",
        f"Stack set operation [{operation.operation_id}] was unexpectedly stopped or failed"
        f" ({operation.reason})",
    )


class StackSets:
    """The StackSets administered from one account and region."""

    def __init__(self, clouds: Clouds, *, account: str, region: str) -> None:
        self.clouds = clouds
        self.account = account
        self.region = region
        self._records: StackSetStore | None = None
        # One operation at a time per StackSet administrator (OperationInProgressException).
        self._lock = threading.RLock()

    @property
    def records(self) -> StackSetStore:
        """The StackSets kept in this account and region's state (its cloud started)."""
        if self._records is None:
            self._records = StackSetStore(self.clouds.driver(self.account, self.region).store)
        return self._records

    # --- the resource handler -----------------------------------------------------------------

    def run(
        self,
        request_type: str,
        resource: ResourceState,
        *,
        stack: StackState,
        old_properties: dict[str, Any] | None = None,
    ) -> Operation:
        """Create, update or delete the StackSet ``resource`` of ``stack``."""
        event: dict[str, Any] = {
            "RequestType": request_type,
            "RequestId": str(uuid.uuid4()),
            "StackId": stack.stack_id,
            "LogicalResourceId": resource.logical_id,
            "ResourceType": STACK_SET,
            "ResourceProperties": resource.properties,
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = resource.physical_id
        operation = Operation(request_type, resource.logical_id, event, OPERATION_FAILED)
        started = time.monotonic()
        try:
            with self._lock:
                if request_type == "Create":
                    self._create(resource.properties, operation)
                elif request_type == "Update":
                    self._update(resource, operation)
                else:
                    self._delete(resource.physical_id, operation)
            operation.status = SUCCESS
        except StackSetError as error:
            operation.reason = _reason(error)
        operation.elapsed = time.monotonic() - started
        return operation

    def _create(self, properties: dict[str, Any], operation: Operation) -> None:
        spec = parse_spec(properties)
        self._check_administrator(spec)
        if self.records.load(spec.name) is not None:
            raise StackSetError(
                "NameAlreadyExistsException", f"StackSet {spec.name} already exists"
            )
        wanted = targets(spec, self.clouds.organization)
        record = StackSetRecord(spec.name, f"{spec.name}:{uuid.uuid4()}", dict(properties))
        self.records.save(record)
        # From here on the rollback deletes what was made (the StackSet, its instances).
        self._made(record, operation)
        self._apply(record, spec, wanted)

    def _update(self, resource: ResourceState, operation: Operation) -> None:
        spec = parse_spec(resource.properties)
        record = self._record_of(resource.physical_id)
        if record is None:
            raise StackSetError(
                "StackSetNotFoundException", f"StackSet {resource.physical_id} not found"
            )
        if spec.create_only() != parse_spec(record.properties).create_only():
            # Replaced: the driver deletes the old StackSet once the stack is complete.
            self._create(resource.properties, operation)
            return
        self._check_administrator(spec)
        wanted = targets(spec, self.clouds.organization)
        self._made(record, operation)
        record.properties = dict(resource.properties)
        self._apply(record, spec, wanted)

    def _delete(self, physical_id: str, operation: Operation) -> None:
        operation.physical_id = physical_id
        record = self._record_of(physical_id)
        if record is None:
            return  # never made, or gone already
        spec = parse_spec(record.properties)
        done = self._phase(record, spec, "DELETE", list(record.instances.values()), {})
        if done.status != SUCCEEDED:
            raise _failed_operation(done)
        self.records.delete(record.name)

    def _made(self, record: StackSetRecord, operation: Operation) -> None:
        operation.handler_ran = True
        operation.physical_id = record.stack_set_id
        operation.data = {"StackSetId": record.stack_set_id}

    def _record_of(self, physical_id: str) -> StackSetRecord | None:
        record = self.records.load(physical_id.split(":", 1)[0])
        return record if record is not None and record.stack_set_id == physical_id else None

    def _check_administrator(self, spec: StackSetSpec) -> None:
        if spec.call_as not in ("SELF", "DELEGATED_ADMIN"):
            raise StackSetError("ValidationError", f"#/CallAs: {spec.call_as!r}")
        if spec.permission_model != SERVICE_MANAGED:
            return
        organization = self.clouds.organization
        if spec.call_as == "SELF" and self.account != organization.management_account:
            raise StackSetError(
                "ValidationError",
                f"account {self.account} is not the management account of organization "
                f"{organization.id}: a SERVICE_MANAGED StackSet with CallAs SELF must be made"
                " there (or CallAs DELEGATED_ADMIN from a delegated administrator)",
            )
        if (
            spec.call_as == "DELEGATED_ADMIN"
            and self.account not in organization.delegated_administrators
        ):
            raise StackSetError(
                "ValidationError",
                f"Account {self.account} is not registered as a delegated administrator",
            )

    # --- operations ---------------------------------------------------------------------------

    def _apply(self, record: StackSetRecord, spec: StackSetSpec, wanted: dict[str, Target]) -> None:
        """Bring the instances to ``wanted``: update those kept, delete those dropped, create
        the new ones (each a StackSet operation; the first that fails fails the resource)."""
        kept = [i for key, i in record.instances.items() if key in wanted]
        dropped = [i for key, i in record.instances.items() if key not in wanted]
        new = [StackInstance(t.account, t.region) for key, t in wanted.items()]
        new = [i for i in new if i.key not in record.instances]
        for action, instances in (("UPDATE", kept), ("DELETE", dropped), ("CREATE", new)):
            if not instances:
                continue
            done = self._phase(record, spec, action, instances, wanted)
            if done.status != SUCCEEDED:
                raise _failed_operation(done)

    def _phase(
        self,
        record: StackSetRecord,
        spec: StackSetSpec,
        action: str,
        instances: list[StackInstance],
        wanted: Mapping[str, Target],
        *,
        retain: bool = False,
    ) -> OperationRecord:
        """One operation on ``instances``, recorded; deleted instances leave the record."""
        template = self.records.template_file(spec.name, spec.template_body)
        clouds = self.clouds

        def work(instance: StackInstance) -> Work:
            if action == "DELETE":
                return Work(
                    instance, action, lambda: delete_instance(clouds, instance, retain=retain)
                )
            parameters = wanted[instance.key].parameters
            return Work(
                instance,
                action,
                lambda: deploy_instance(clouds, spec.name, instance, template, parameters),
            )

        for instance in instances:
            record.instances[instance.key] = instance
        regions = region_order(spec, [i.region for i in instances])
        stop = clouds.driver(self.account, self.region).cancelled
        done = run_operation(action, [work(i) for i in instances], spec.preferences, regions, stop)
        if action == "DELETE":
            for outcome in done.outcomes:
                if outcome.detailed_status == SUCCEEDED:
                    record.instances.pop(f"{outcome.account}/{outcome.region}", None)
        record.add_operation(done)
        self.records.save(record)
        return done

    # --- auto-deployment and reading ----------------------------------------------------------

    def accounts_changed(self, accounts: Iterable[str]) -> list[OperationRecord]:
        """Auto-deployment after ``accounts`` joined, left or moved between units: every
        StackSet with it creates their missing instances and deletes those no longer targeted."""
        changed = set(accounts)
        done: list[OperationRecord] = []
        with self._lock:
            for name in self.records.names():
                record = self.records.load(name)
                if record is None:
                    continue
                spec = parse_spec(record.properties)
                if spec.permission_model != SERVICE_MANAGED or not spec.auto_deploy:
                    continue
                wanted = targets(spec, self.clouds.organization)
                new = [
                    StackInstance(t.account, t.region)
                    for key, t in wanted.items()
                    if t.account in changed and key not in record.instances
                ]
                gone = [
                    i
                    for key, i in record.instances.items()
                    if i.account in changed and key not in wanted
                ]
                if gone:
                    done.append(
                        self._phase(
                            record, spec, "DELETE", gone, wanted, retain=spec.retain_on_removal
                        )
                    )
                if new:
                    done.append(self._phase(record, spec, "CREATE", new, wanted))
        return done

    def names(self) -> list[str]:
        return self.records.names()

    def record(self, name: str) -> StackSetRecord | None:
        return self.records.load(name)

    def instances(self, name: str) -> list[StackInstance]:
        """The StackSet's instances, each with its stack's status as it is now."""
        record = self.records.load(name)
        if record is None:
            return []
        found = list(record.instances.values())
        for instance in found:
            instance.stack_status = stack_status(self.clouds, instance)
        return sorted(found, key=lambda i: (i.account, i.region))
