"""CloudFormation's custom-resource lifecycle, run locally: the entry point.

:class:`LocalCloudFormation` deploys a stack's custom resources the way CloudFormation does
(:mod:`.deployment`, :mod:`.rollback`) and destroys stacks (:mod:`.deletion`); every event goes
to the provider Lambda through :mod:`.protocol`. Other resources (roles, log groups, the
function itself) are not deployed anywhere; they get stable simulated ids (:mod:`.resources`)
so Ref and Fn::GetAtt resolve. Schedule groups are made in the embedded scheduler
(:mod:`.schedule_groups`) and training datasets in the embedded Clean Rooms ML endpoint
(:mod:`.training_datasets`). Given :class:`~.services.DriverServices` (an organization's
clouds are), buckets are made in the account's S3 (:mod:`.buckets`), Lambda code is read from
S3, and StackSets deploy to the organization's accounts (:mod:`.stack_sets`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..awslambda.invocations import LambdaEmulator
from ..awslambda.runtime import LocalFunction
from ..clock import Clock, SystemClock
from ..recorder import ResponseRecorder
from ..scheduler.models import SchedulerBackend
from ..signals import WaitHandles
from ..state import StateStore
from .assembly import SCHEDULE_GROUP, StackTemplate, is_custom_resource
from .buckets import S3_BUCKET, delete_bucket
from .deletion import StackDeletion
from .deployment import Deployment
from .exceptions import ResourceFailedError
from .functions import FunctionRegistry
from .handled_types import STACK_SET, TRAINING_DATASET, is_handled
from .policies import Removal, retained_by
from .progress import Progress, ProgressEvent
from .protocol import FAILED, SUCCESS, CustomResourceCalls, Operation, build_event
from .results import StackResult
from .schedule_groups import delete_schedule_group
from .services import DriverServices
from .stacks import ResourceState, StackState
from .training_datasets import TrainingDatasets

__all__ = [
    "DriverOptions",
    "DriverServices",
    "LocalCloudFormation",
    "ProgressEvent",
    "StackResult",
]


@dataclass(frozen=True)
class DriverOptions:
    default_region: str = "us-east-1"
    default_account: str = "111122223333"
    # Waits shorter than ServiceTimeout (never longer): for tests and impatient people.
    max_wait: float | None = None
    # When the handler and all its continuations have ended without answering, CloudFormation
    # would wait out ServiceTimeout; the driver reports it after this many seconds instead.
    no_response_grace: float = 3.0


class LocalCloudFormation:
    """Deploys and destroys stacks against the local endpoint through the provider Lambda."""

    def __init__(
        self,
        *,
        store: StateStore,
        emulator: LambdaEmulator,
        recorder: ResponseRecorder,
        options: DriverOptions | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        clock: Clock | None = None,
        wait_handles: WaitHandles | None = None,
        scheduler: SchedulerBackend | None = None,
        cleanroomsml_url: str | None = None,
        services: DriverServices | None = None,
    ) -> None:
        self.store = store
        self.emulator = emulator
        self.recorder = recorder
        self.options = options or DriverOptions()
        # ServiceTimeout and wait conditions' Timeout count this clock's time (virtual or real).
        self.clock: Clock = clock or SystemClock()
        # Serves WaitConditionHandle URLs; without it a template with a handle cannot deploy.
        self.wait_handles = wait_handles
        # EventBridge Scheduler: where ScheduleGroups are made, and whose pending schedules
        # will still invoke a handler (so waiting goes on). None: groups are only simulated.
        self.scheduler = scheduler
        # The Clean Rooms ML endpoint training datasets are made in. None: only simulated.
        self.training_datasets = TrainingDatasets(cleanroomsml_url) if cleanroomsml_url else None
        services = services or DriverServices()
        self.s3 = services.s3
        self.code_objects = services.code_objects
        self.stack_sets = services.stack_sets
        # Set when the run is interrupted: waits end at once and nothing more is printed.
        self.cancelled = threading.Event()
        self.progress = Progress(on_progress, self.cancelled, self.clock.now)
        self.functions = FunctionRegistry(store, emulator)
        self.calls = CustomResourceCalls(
            emulator=emulator,
            recorder=recorder,
            lock=store.lock,
            cancelled=self.cancelled,
            max_wait=self.options.max_wait,
            no_response_grace=self.options.no_response_grace,
            clock=self.clock,
            scheduler=scheduler,
        )

    def cancel(self) -> None:
        """Stop waiting for responses (an interrupted run); later operations fail at once."""
        self.cancelled.set()

    def register_function(self, function: LocalFunction, *, owner: str = "") -> None:
        """Make ``function`` reachable by its ARN (e.g. a ServiceToken from a parameter)."""
        self.functions.register(function, owner=owner)

    def deploy(
        self,
        stack: StackTemplate,
        parameters: Mapping[str, str] | None = None,
        *,
        allow_simulated: bool = False,
    ) -> StackResult:
        """Create or update ``stack``. ``allow_simulated``: deploy it even when nothing in it
        goes through a handler (``cdk deploy --all`` deploys every stack of an app)."""
        return Deployment(self, stack, dict(parameters or {}), allow_simulated).run()

    def destroy(self, stack_name: str, *, force: bool = False) -> StackResult:
        """Delete a stack; with ``force`` its local state goes even when a Delete fails."""
        return StackDeletion(self, stack_name, force=force).run()

    def forget_stack(self, stack_name: str) -> None:
        """Remove a stack's state, its exports and its functions from the state folder."""
        self.store.delete_stack(stack_name)
        exports = {n: e for n, e in self.store.exports().items() if e["stack"] != stack_name}
        self.store.save_exports(exports)
        self.functions.forget_stack(stack_name)

    def send_event(self, function: LocalFunction, event: dict[str, Any]) -> Operation:
        """Invoke the provider with ``event`` as CloudFormation does and wait for its answer.

        Sending the same event twice is what a Lambda retry of an invocation looks like.
        """
        return self.calls.send(function, event)

    def run_operation(
        self,
        state: StackState,
        request_type: str,
        resource: ResourceState,
        *,
        old_properties: dict[str, Any] | None = None,
    ) -> Operation:
        """Send ``resource`` a Create, Update or Delete, reporting progress before and after."""
        verb = request_type.upper()
        self._report(state, resource, f"{verb}_IN_PROGRESS")
        if (
            resource.type == TRAINING_DATASET
            and self.training_datasets is not None
            and not self.cancelled.is_set()
        ):
            operation = self.training_datasets.run(
                request_type,
                resource,
                region=state.stack_id.split(":")[3],
                old_properties=old_properties,
            )
        elif (
            resource.type == STACK_SET
            and self.stack_sets is not None
            and not self.cancelled.is_set()
        ):
            operation = self.stack_sets.run(
                request_type, resource, stack=state, old_properties=old_properties
            )
        else:
            operation = self._send(state, request_type, resource, old_properties)
        succeeded = operation.status == SUCCESS
        status = f"{verb}_{'COMPLETE' if succeeded else 'FAILED'}"
        reason = "" if succeeded else operation.reason
        self._report(state, resource, status, reason, operation.elapsed)
        return operation

    def _send(
        self,
        state: StackState,
        request_type: str,
        resource: ResourceState,
        old_properties: dict[str, Any] | None,
    ) -> Operation:
        """Send the custom resource's event to its ServiceToken and wait for the answer."""
        event = build_event(
            self.recorder,
            state.stack_id,
            request_type,
            resource,
            old_properties=old_properties,
        )
        try:
            if self.cancelled.is_set():
                raise ResourceFailedError(resource.logical_id, "interrupted")
            token = resource.properties.get("ServiceToken")
            function = self.calls.function_for(token, resource.logical_id, resource.type)
        except ResourceFailedError as failure:
            return Operation(request_type, resource.logical_id, event, FAILED, failure.reason)
        return self.calls.send(function, event)

    def handles(self, kind: str) -> bool:
        """Whether resources of type ``kind`` go through a handler here (not only simulated)."""
        return (
            is_custom_resource(kind)
            or (kind == TRAINING_DATASET and self.training_datasets is not None)
            or (kind == STACK_SET and self.stack_sets is not None)
        )

    def makes(self, kind: str) -> bool:
        """Whether resources of type ``kind`` exist beyond the stack's record (so removing one
        from the stack deletes something, or reports why not)."""
        return (
            is_handled(kind)
            or kind == SCHEDULE_GROUP
            or (kind == S3_BUCKET and self.s3 is not None)
        )

    def delete_resource(
        self, state: StackState, resource: ResourceState, removal: Removal
    ) -> Operation | None:
        """Send ``resource`` a Delete, or keep it as its policy says (None: no request sent).

        A schedule group is deleted in the scheduler itself (no request is sent either), a
        bucket in S3, a training dataset in the Clean Rooms ML endpoint.
        """
        policy = retained_by(resource, removal)
        if policy is None and resource.type == SCHEDULE_GROUP:
            delete_schedule_group(self, state, resource)
            return None
        if policy is None and resource.type == S3_BUCKET:
            return delete_bucket(self, state, resource)
        if policy is None and not self.handles(resource.type):
            return None  # only ever simulated: nothing to delete
        if policy is None:
            return self.run_operation(state, "Delete", resource)
        self._report(state, resource, "DELETE_SKIPPED", f"kept by its {policy}")
        return None

    def _report(
        self,
        state: StackState,
        resource: ResourceState,
        status: str,
        reason: str = "",
        elapsed: float | None = None,
    ) -> None:
        self.progress.report(
            ProgressEvent(
                state.stack_name,
                resource.logical_id,
                resource.type,
                status,
                reason,
                elapsed,
                resource.label,
            )
        )
