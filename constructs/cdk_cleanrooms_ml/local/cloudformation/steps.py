"""What deploying one resource takes: nothing (simulated, unchanged) or a handler call.

A custom resource (or a training dataset, :mod:`.training_datasets`) new to the stack gets a
Create, one whose properties changed an Update; unchanged ones keep their state. Lambda
functions are registered with the emulator so a ServiceToken reaches them; schedule groups are
made in the embedded EventBridge Scheduler (:mod:`.schedule_groups`), buckets in the account's
S3 when the driver has one (:mod:`.buckets`). What each call changed goes into the deployment's
journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..awslambda.runtime import LocalFunction
from ..s3.exceptions import S3Error
from .assembly import (
    LAMBDA_FUNCTION,
    SCHEDULE_GROUP,
    StackTemplate,
    construct_label,
    function_code_dir,
    unpacked,
)
from .buckets import S3_BUCKET, S3_BUCKET_POLICY, Buckets
from .exceptions import ResourceFailedError, TemplateError
from .intrinsics import stringify
from .journal import Change, Journal, JournalEntry
from .policies import deletion_policy, update_replace_policy
from .progress import ProgressEvent
from .protocol import SUCCESS, Operation
from .resources import StackResources, simulated_name
from .schedule_groups import ScheduleGroups
from .ssm_parameters import SSM_PARAMETER
from .stack_part import StackPart
from .stacks import ResourceState, StackState
from .wait_conditions import WAIT_TYPES, WaitConditions

# Simulated types whose resolved properties are kept: SSM parameters are read by later stacks
# (``AWS::SSM::Parameter::Value`` parameters), policies by tests of what a stack grants, bucket
# policies by whoever reads a bucket of another account.
KEEPS_PROPERTIES = (SSM_PARAMETER, "AWS::IAM::Policy", S3_BUCKET_POLICY)

if TYPE_CHECKING:
    from .driver import LocalCloudFormation


@dataclass(frozen=True)
class Step:
    """A custom resource's operation: ``call`` runs in a worker, ``finish`` in the main thread.

    ``resource`` is how a Delete would address it while the call runs. A wait condition's wait
    is a step too; ``record`` False keeps it out of the operations sent to handlers.
    """

    logical_id: str
    resource: ResourceState
    call: Callable[[], Operation]
    finish: Callable[[Operation, Journal], None]
    record: bool = True


class StepPlanner(StackPart):
    """Turns each resource of the template into a :class:`Step`, or deploys it at once."""

    def __init__(
        self,
        driver: LocalCloudFormation,
        stack: StackTemplate,
        prev: StackState | None,
        resources: StackResources,
    ) -> None:
        super().__init__(driver, stack, prev, resources)
        # Functions of this stack that cannot run locally, and why.
        self.function_errors: dict[str, str] = {}
        self.waits = WaitConditions(driver, stack, prev, resources)
        self.schedule_groups = ScheduleGroups(driver, stack, prev, resources)
        self.buckets = Buckets(driver, stack, prev, resources)

    def prepare(self, logical_id: str) -> Step | None:
        """Deploy ``logical_id`` now, or return the step that runs its handler."""
        state = self.state
        if not self.resources.resolver.resource_enabled(logical_id):
            return None
        kind = str(self.stack.resources[logical_id].get("Type"))
        if kind in WAIT_TYPES:
            return self.waits.prepare(logical_id, kind)
        if kind == SCHEDULE_GROUP:
            return self.schedule_groups.prepare(logical_id)
        if kind == S3_BUCKET:
            return self.buckets.prepare(logical_id)
        if not self.driver.handles(kind):
            # Only simulated; the few types read later (SSM values, policies) keep their content.
            kept = self._properties(logical_id) if kind in KEEPS_PROPERTIES else {}
            state.resources[logical_id] = ResourceState(
                logical_id, kind, self.resources.physical(logical_id), kept
            )
            if kind == LAMBDA_FUNCTION:
                self._register_function(logical_id)
            return None
        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type != kind:
            old = None
        properties = self._properties(logical_id)
        label = construct_label(self.stack, logical_id)
        definition = self.stack.resources[logical_id]
        # Kept with the resource: a stack deletion has no template to read them from.
        new = ResourceState(
            logical_id,
            kind,
            "",
            properties,
            label=label,
            deletion_policy=deletion_policy(definition, logical_id),
            update_replace_policy=update_replace_policy(definition, logical_id),
        )
        if old is not None and old.properties == properties:
            # A changed policy needs no handler call, only CloudFormation's record.
            state.resources[logical_id] = replace(
                old,
                deletion_policy=new.deletion_policy,
                update_replace_policy=new.update_replace_policy,
            )
            return None
        if old is None:
            return self._create(new)
        if old.properties.get("ServiceToken") != properties.get("ServiceToken"):
            reason = "Modifying service token is not allowed."
            self.driver.progress.report(
                ProgressEvent(
                    state.stack_name, logical_id, kind, "UPDATE_FAILED", reason, label=label
                )
            )
            raise ResourceFailedError(logical_id, reason)
        return self._update(replace(new, physical_id=old.physical_id), old)

    def _create(self, resource: ResourceState) -> Step:
        state = self.state
        # Until the handler answers, the id a Delete would carry is a generated one.
        pending = replace(
            resource,
            physical_id=simulated_name(
                self.stack.name, resource.logical_id, state.stack_id, limit=128
            ),
        )
        return Step(
            resource.logical_id,
            pending,
            lambda: self.driver.run_operation(state, "Create", resource),
            lambda operation, journal: self._finish(resource, None, operation, journal),
        )

    def _update(self, resource: ResourceState, old: ResourceState) -> Step:
        state = self.state
        return Step(
            resource.logical_id,
            resource,
            lambda: self.driver.run_operation(
                state, "Update", resource, old_properties=old.properties
            ),
            lambda operation, journal: self._finish(resource, old, operation, journal),
        )

    def _finish(
        self,
        resource: ResourceState,
        old: ResourceState | None,
        operation: Operation,
        journal: Journal,
    ) -> None:
        """Record a Create's (``old`` None) or an Update's outcome; raise when it failed."""
        logical_id, state = resource.logical_id, self.state
        if operation.status != SUCCESS:
            if old is None:
                resource.physical_id = operation.physical_id or simulated_name(
                    self.stack.name, logical_id, operation.event["RequestId"], limit=128
                )
            state.resources[logical_id] = resource
            # An operation that never reached the handler changed nothing.
            if operation.invocations or operation.handler_ran:
                failed = Change.CREATE_FAILED if old is None else Change.UPDATE_FAILED
                journal.append(JournalEntry(logical_id, failed, old))
            raise ResourceFailedError(logical_id, operation.reason)
        state.resources[logical_id] = replace(
            resource, physical_id=operation.physical_id, data=operation.data
        )
        if old is None:
            change = Change.CREATED
        elif operation.physical_id != old.physical_id:
            change = Change.REPLACED
        else:
            change = Change.UPDATED
        journal.append(JournalEntry(logical_id, change, old))

    def _register_function(self, logical_id: str) -> None:
        definition = self.stack.resources[logical_id]
        resources = self.resources
        try:
            props = resources.resolver.resolve(definition.get("Properties") or {})
            code_dir = self._code_dir(logical_id, props.get("Code"))
            variables = (props.get("Environment") or {}).get("Variables") or {}
            name = resources.physical(logical_id)
            function = LocalFunction(
                function_name=name,
                handler=str(props["Handler"]),
                code_dir=code_dir,
                timeout_seconds=float(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                environment={str(k): str(stringify(v)) for k, v in variables.items()},
                region=resources.region,
                account=resources.account,
                logical_id=logical_id,
                runtime=str(props.get("Runtime", "")),
            )
        except (TemplateError, KeyError, ValueError) as error:
            self.function_errors[logical_id] = str(error)
            return
        self.driver.register_function(function, owner=self.stack.name)

    def _code_dir(self, logical_id: str, code: object) -> Path:
        """The function's code: read from S3 when the driver reads code there (a failed read
        fails the function, as Lambda's CreateFunction fails), else the synthesized asset."""
        reader = self.driver.code_objects
        if reader is None or not isinstance(code, dict) or "S3Key" not in code:
            return function_code_dir(self.stack, logical_id, code)
        bucket, key = str(stringify(code.get("S3Bucket"))), str(stringify(code["S3Key"]))
        try:
            found = reader.read_object(
                bucket, key, account=self.resources.account, region=self.resources.region
            )
        except S3Error as error:
            reason = (
                'Resource handler returned message: "Error occurred while GetObject. S3 Error '
                f"Code: {error.code}. S3 Error Message: {error.message} (Service: Lambda, "
                f'Status Code: 400)" (HandlerErrorCode: InvalidRequest)'
            )
            self.driver.progress.report(
                ProgressEvent(
                    self.state.stack_name,
                    logical_id,
                    LAMBDA_FUNCTION,
                    "CREATE_FAILED",
                    reason,
                    label=construct_label(self.stack, logical_id),
                )
            )
            raise ResourceFailedError(logical_id, reason) from error
        if found.path.is_dir():
            return found.path
        return unpacked(found.path)

    def _properties(self, logical_id: str) -> dict[str, Any]:
        definition = self.stack.resources[logical_id]
        try:
            resolved = self.resources.resolver.resolve(definition.get("Properties") or {})
        except TemplateError as error:
            raise ResourceFailedError(logical_id, str(error)) from error
        properties: dict[str, Any] = stringify(resolved)
        token = properties.get("ServiceToken")
        for function_id, problem in self.function_errors.items():
            if token == self.resources.get_att(function_id, "Arn"):
                raise ResourceFailedError(
                    logical_id, f"its provider {function_id} cannot run locally: {problem}"
                )
        return properties
