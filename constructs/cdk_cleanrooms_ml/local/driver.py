"""CloudFormation's custom-resource lifecycle, run locally.

The driver deploys a stack's ``Custom::CleanRoomsMlAudienceExport`` resources the way
CloudFormation does: real-shaped Create / Update / Delete events with every property
stringified, sent to the provider Lambda asynchronously; it then waits (at most ServiceTimeout)
for the PUT on the ResponseURL and checks it. A new physical id on Update means replacement: the
old resource is deleted once the update is complete. A failed Create rolls the stack back
(deleting what was created, the failed resource included); a failed Update rolls back to the
old properties. Other resources (roles, log groups, the function itself) are not deployed
anywhere; they get stable simulated ids so Ref and Fn::GetAtt resolve.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .lambda_emulator import Invocation, LambdaEmulator
from .responses import ResponseCheck, ResponseRecorder, check_response
from .runtime import LocalFunction
from .state import ResourceState, StackState, StateStore
from .template import (
    LAMBDA_FUNCTION,
    RESOURCE_TYPE,
    ResolveContext,
    Resolver,
    StackTemplate,
    TemplateError,
    construct_label,
    dependency_order,
    function_code_dir,
    resolve_parameters,
    stringify,
)

DEFAULT_SERVICE_TIMEOUT: Final = 3600
SUCCESS: Final = "SUCCESS"
FAILED: Final = "FAILED"
_SETTLE_SECONDS: Final = 5.0
# Stack states CloudFormation only lets you delete.
_DELETE_ONLY: Final = ("ROLLBACK_FAILED", "DELETE_FAILED")
_COMPLETE: Final = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "NO_CHANGES")


@dataclass(frozen=True)
class DriverOptions:
    default_region: str = "us-east-1"
    default_account: str = "111122223333"
    # Waits shorter than ServiceTimeout (never longer): for tests and impatient people.
    max_wait: float | None = None
    # When the handler and all its continuations have ended without answering, CloudFormation
    # would wait out ServiceTimeout; the driver reports it after this many seconds instead.
    no_response_grace: float = 3.0


@dataclass(frozen=True)
class ProgressEvent:
    stack_name: str
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""
    elapsed: float | None = None
    label: str = ""


@dataclass
class Operation:
    """One event sent to the provider and what came back."""

    request_type: str
    logical_id: str
    event: dict[str, Any]
    status: str
    reason: str = ""
    physical_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    response: ResponseCheck | None = None
    invocations: list[Invocation] = field(default_factory=list)
    elapsed: float = 0.0


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


def _belongs(invocation: Invocation, request_id: str) -> bool:
    event = invocation.event
    return isinstance(event, dict) and event.get("RequestId") == request_id


class _ResourceFailedError(Exception):
    def __init__(self, logical_id: str, reason: str, operation: Operation | None = None) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.reason = reason
        self.operation = operation


class _TrackingExports(Mapping[str, str]):
    """The export table, remembering which names the stack imports."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = table
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> str:
        value = self._table[key]
        self.used.add(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def _suffix(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest().upper()
    return "".join(c for c in digest if c.isalnum())[:length]


def simulated_name(stack_name: str, logical_id: str, stack_id: str, limit: int = 64) -> str:
    """CloudFormation's generated name shape: ``<stack>-<LogicalId>-<SUFFIX>``, within ``limit``."""
    suffix = _suffix(stack_id, logical_id)
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


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
    ) -> None:
        self.store = store
        self.emulator = emulator
        self.recorder = recorder
        self.options = options or DriverOptions()
        self.on_progress = on_progress or (lambda event: None)
        self._functions = store.functions()
        for _, function in self._functions.values():
            emulator.register(function)

    # --- public API ------------------------------------------------------------------------

    def register_function(self, function: LocalFunction, *, owner: str = "") -> None:
        """Make ``function`` reachable by its ARN (e.g. a ServiceToken from a parameter)."""
        self.emulator.register(function)
        self._functions[function.arn] = (owner, function)
        self.store.save_functions(self._functions)

    def deploy(
        self, stack: StackTemplate, parameters: Mapping[str, str] | None = None
    ) -> StackResult:
        return _Deployment(self, stack, dict(parameters or {})).run()

    def destroy(self, stack_name: str) -> StackResult:
        state = self.store.load_stack(stack_name)
        if state is None:
            raise TemplateError(
                f"stack {stack_name} is not deployed locally (no state in {self.store.directory})"
            )
        importers = [
            other.stack_name
            for other in self.store.stacks()
            if other.stack_name != stack_name
            and set(other.imports)
            & {n for n, e in self.store.exports().items() if e["stack"] == stack_name}
        ]
        if importers:
            reason = f"its exports are imported by {', '.join(importers)}; destroy those first"
            self._progress(
                stack_name, stack_name, "AWS::CloudFormation::Stack", "DELETE_FAILED", reason
            )
            return StackResult(stack_name, "DELETE_FAILED", reason, resources=state.resources)
        result = StackResult(stack_name, "DELETE_COMPLETE", outputs={})
        started = time.monotonic()
        self._progress(stack_name, stack_name, "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS")
        remaining = dict(state.resources)
        for logical_id in reversed(list(state.resources)):
            resource = state.resources[logical_id]
            if resource.type != RESOURCE_TYPE:
                remaining.pop(logical_id)
                continue
            operation = self._delete(state, resource)
            result.operations.append(operation)
            if operation.status == SUCCESS:
                remaining.pop(logical_id)
        if any(r.type == RESOURCE_TYPE for r in remaining.values()):
            state.status = "DELETE_FAILED"
            state.resources = remaining
            self.store.save_stack(state)
            result.status, result.reason = "DELETE_FAILED", "some resources could not be deleted"
            result.resources = remaining
        else:
            self.store.delete_stack(stack_name)
            exports = {n: e for n, e in self.store.exports().items() if e["stack"] != stack_name}
            self.store.save_exports(exports)
            self._functions = {a: f for a, f in self._functions.items() if f[0] != stack_name}
            self.store.save_functions(self._functions)
        self._progress(
            stack_name,
            stack_name,
            "AWS::CloudFormation::Stack",
            result.status,
            result.reason,
            time.monotonic() - started,
        )
        return result

    def send_event(self, function: LocalFunction, event: dict[str, Any]) -> Operation:
        """Invoke the provider with ``event`` as CloudFormation does and wait for its answer.

        Sending the same event twice is what a Lambda retry of an invocation looks like.
        """
        request_id = str(event["RequestId"])
        logical_id = str(event["LogicalResourceId"])
        operation = Operation(str(event["RequestType"]), logical_id, event, FAILED)
        timeout_raw = (event.get("ResourceProperties") or {}).get("ServiceTimeout")
        try:
            timeout = DEFAULT_SERVICE_TIMEOUT if timeout_raw is None else int(str(timeout_raw))
        except ValueError:
            timeout = 0
        if not 1 <= timeout <= DEFAULT_SERVICE_TIMEOUT:
            operation.reason = (
                f"ServiceTimeout must be between 1 and 3600 seconds, got {timeout_raw!r}"
            )
            return operation
        wait = timeout if self.options.max_wait is None else min(timeout, self.options.max_wait)
        seen = len(self.recorder.for_request(request_id))
        started = time.monotonic()
        self.emulator.invoke_async(function, json.dumps(event).encode(), source="cloudformation")
        recorded, why = self._await(request_id, wait, seen)
        operation.elapsed = time.monotonic() - started
        if recorded is not None:
            # The answering invocation is usually still returning: let it end, briefly.
            self.emulator.wait_for(lambda inv: _belongs(inv, request_id), _SETTLE_SECONDS)
        operation.invocations = [
            inv for inv in self.emulator.invocations if _belongs(inv, request_id)
        ]
        if recorded is None:
            operation.reason = self._no_response_reason(why, wait, operation.invocations)
            return operation
        check = check_response(recorded, event)
        operation.response = check
        operation.physical_id = check.physical_id
        operation.data = check.data
        if check.problems:
            operation.reason = "Invalid custom resource response: " + "; ".join(check.problems)
            return operation
        operation.status = check.status
        operation.reason = check.reason
        return operation

    # --- helpers ---------------------------------------------------------------------------

    def _await(self, request_id: str, wait: float, seen: int) -> tuple[Any, str]:
        deadline = time.monotonic() + wait
        idle_since: float | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "timeout"
            recorded = self.recorder.wait_for(request_id, min(remaining, 0.2), skip=seen)
            if recorded is not None:
                return recorded, ""
            if not self.emulator.pending(lambda inv: _belongs(inv, request_id)):
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= self.options.no_response_grace:
                    return None, "idle"
            else:
                idle_since = None

    @staticmethod
    def _no_response_reason(why: str, wait: float, invocations: list[Invocation]) -> str:
        last = next((inv.result for inv in reversed(invocations) if inv.result), None)
        detail = ""
        if last is not None:
            detail = f"; last invocation: {last.status}"
            if last.error_message:
                detail += f" ({last.error_type or 'error'}: {last.error_message})"
            detail += f"; log: {last.log_path}"
        if why == "timeout":
            return (
                f"no response from the custom resource within ServiceTimeout ({wait:g} s){detail}"
            )
        return f"the handler ended without sending a response{detail}"

    def _progress(  # noqa: PLR0917 - one progress line's columns
        self,
        stack_name: str,
        logical_id: str,
        resource_type: str,
        status: str,
        reason: str = "",
        elapsed: float | None = None,
        *,
        label: str = "",
    ) -> None:
        self.on_progress(
            ProgressEvent(stack_name, logical_id, resource_type, status, reason, elapsed, label)
        )

    def function_for(self, service_token: object, logical_id: str) -> LocalFunction:
        if not isinstance(service_token, str) or not service_token:
            raise _ResourceFailedError(logical_id, "ServiceToken is missing or not a string")
        function = self.emulator.function(service_token)
        if function is None:
            raise _ResourceFailedError(
                logical_id,
                f"ServiceToken {service_token} is not a Lambda function deployed locally: "
                "deploy the provider stack first (or register the provider function)",
            )
        return function

    def event(
        self,
        state: StackState,
        request_type: str,
        resource: ResourceState,
        *,
        old_properties: dict[str, Any] | None = None,
        physical_id: str | None = None,
    ) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": resource.properties.get("ServiceToken"),
            "ResponseURL": self.recorder.url_for(request_id),
            "StackId": state.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": resource.logical_id,
            "ResourceType": resource.type,
            "ResourceProperties": resource.properties,
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = physical_id or resource.physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = old_properties
        return event

    def _run(
        self,
        state: StackState,
        request_type: str,
        resource: ResourceState,
        in_progress: str,
        *,
        old_properties: dict[str, Any] | None = None,
        physical_id: str | None = None,
    ) -> Operation:
        self._progress(
            state.stack_name, resource.logical_id, resource.type, in_progress, label=resource.label
        )
        try:
            function = self.function_for(
                resource.properties.get("ServiceToken"), resource.logical_id
            )
        except _ResourceFailedError as failure:
            event = self.event(
                state,
                request_type,
                resource,
                old_properties=old_properties,
                physical_id=physical_id,
            )
            operation = Operation(request_type, resource.logical_id, event, FAILED, failure.reason)
        else:
            event = self.event(
                state,
                request_type,
                resource,
                old_properties=old_properties,
                physical_id=physical_id,
            )
            operation = self.send_event(function, event)
        done = in_progress.replace(
            "_IN_PROGRESS", "_COMPLETE" if operation.status == SUCCESS else "_FAILED"
        )
        self._progress(
            state.stack_name,
            resource.logical_id,
            resource.type,
            done,
            "" if operation.status == SUCCESS else operation.reason,
            operation.elapsed,
            label=resource.label,
        )
        return operation

    def _delete(
        self, state: StackState, resource: ResourceState, physical_id: str | None = None
    ) -> Operation:
        return self._run(state, "Delete", resource, "DELETE_IN_PROGRESS", physical_id=physical_id)


class _Deployment:
    """One ``deploy``: create or update, then clean up, or roll back."""

    def __init__(
        self, driver: LocalCloudFormation, stack: StackTemplate, given: dict[str, str]
    ) -> None:
        self.driver = driver
        self.stack = stack
        self.prev = driver.store.load_stack(stack.name)
        if self.prev is not None and self.prev.status in _DELETE_ONLY:
            raise TemplateError(
                f"stack {stack.name} is in {self.prev.status} state and can only be destroyed "
                f"(python -m cdk_cleanrooms_ml.local destroy --stack {stack.name})"
            )
        options = driver.options
        self.region = stack.region or options.default_region
        self.account = stack.account or options.default_account
        if not stack.custom_resources() and not stack.template.get("Outputs"):
            raise TemplateError(
                f"stack {stack.name} has no {RESOURCE_TYPE} resources (and no outputs): "
                "nothing to deploy locally"
            )
        previous = {
            k: ",".join(v) if isinstance(v, list) else str(v)
            for k, v in (self.prev.parameters if self.prev else {}).items()
            if k in (stack.template.get("Parameters") or {})
        }
        self.parameters = resolve_parameters(stack.template, {**previous, **given})
        stack_id = (
            self.prev.stack_id
            if self.prev
            else f"arn:aws:cloudformation:{self.region}:{self.account}:stack/"
            f"{stack.name}/{uuid.uuid4()}"
        )
        self.state = StackState(
            stack_name=stack.name,
            stack_id=stack_id,
            status="CREATE_IN_PROGRESS" if self.prev is None else "UPDATE_IN_PROGRESS",
            parameters=dict(self.parameters),
        )
        self.exports = _TrackingExports({n: e["value"] for n, e in driver.store.exports().items()})
        self.resolver = Resolver(
            stack.template,
            ResolveContext(
                stack_name=stack.name,
                stack_id=stack_id,
                region=self.region,
                account=self.account,
                parameters=self.parameters,
                exports=self.exports,
                ref=self._ref,
                get_att=self._get_att,
            ),
        )
        self.result = StackResult(stack.name, "")
        self.function_errors: dict[str, str] = {}
        self.exports_out: dict[str, str] = {}

    # --- Ref / GetAtt of this stack's resources -------------------------------------------

    def _physical(self, logical_id: str) -> str:
        resource = self.state.resources.get(logical_id)
        if resource is not None:
            return resource.physical_id
        definition = self.stack.resources[logical_id]
        kind = str(definition.get("Type"))
        if kind == RESOURCE_TYPE:
            raise TemplateError(f"{logical_id} is not created yet")
        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type == kind:
            return old.physical_id
        props = definition.get("Properties") or {}
        for key in ("FunctionName", "RoleName", "LogGroupName", "PolicyName"):
            if key in props:
                return str(stringify(self.resolver.resolve(props[key])))
        return simulated_name(self.stack.name, logical_id, self.state.stack_id)

    def _ref(self, logical_id: str) -> str:
        return self._physical(logical_id)

    def _get_att(self, logical_id: str, attribute: str) -> object:
        definition = self.stack.resources[logical_id]
        kind = str(definition.get("Type"))
        if kind == RESOURCE_TYPE:
            resource = self.state.resources.get(logical_id)
            if resource is None:
                raise TemplateError(
                    f"Fn::GetAtt {logical_id}.{attribute}: {logical_id} is not created"
                )
            if attribute not in resource.data:
                raise TemplateError(
                    f"CustomResource attribute error: Vendor response doesn't contain {attribute} "
                    f"key in object {resource.physical_id}"
                )
            return resource.data[attribute]
        name = self._physical(logical_id)
        partition, region, account = "aws", self.region, self.account
        if attribute == "Arn":
            if kind == LAMBDA_FUNCTION:
                return f"arn:{partition}:lambda:{region}:{account}:function:{name}"
            if kind == "AWS::IAM::Role":
                return f"arn:{partition}:iam::{account}:role/{name}"
            if kind == "AWS::Logs::LogGroup":
                return f"arn:{partition}:logs:{region}:{account}:log-group:{name}:*"
            service = kind.split("::")[1].lower() if kind.count("::") == 2 else "local"
            return f"arn:{partition}:{service}:{region}:{account}:{logical_id.lower()}/{name}"
        return f"{name}.{attribute}"

    # --- the deployment --------------------------------------------------------------------

    def _function(self, logical_id: str) -> None:
        definition = self.stack.resources[logical_id]
        try:
            props = self.resolver.resolve(definition.get("Properties") or {})
            code_dir = function_code_dir(self.stack, logical_id, props.get("Code"))
            variables = (props.get("Environment") or {}).get("Variables") or {}
            name = self._physical(logical_id)
            function = LocalFunction(
                function_name=name,
                handler=str(props["Handler"]),
                code_dir=code_dir,
                timeout_seconds=float(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                environment={str(k): str(stringify(v)) for k, v in variables.items()},
                region=self.region,
                account=self.account,
                logical_id=logical_id,
                runtime=str(props.get("Runtime", "")),
            )
        except (TemplateError, KeyError, ValueError) as error:
            self.function_errors[logical_id] = str(error)
            return
        self.driver.register_function(function, owner=self.stack.name)

    def _properties(self, logical_id: str) -> dict[str, Any]:
        definition = self.stack.resources[logical_id]
        try:
            resolved = self.resolver.resolve(definition.get("Properties") or {})
        except TemplateError as error:
            raise _ResourceFailedError(logical_id, str(error)) from error
        properties: dict[str, Any] = stringify(resolved)
        token = properties.get("ServiceToken")
        for function_id, problem in self.function_errors.items():
            if token == self._get_att(function_id, "Arn"):
                raise _ResourceFailedError(
                    logical_id, f"its provider {function_id} cannot run locally: {problem}"
                )
        return properties

    def run(self) -> StackResult:
        driver, stack, state = self.driver, self.stack, self.state
        creating = self.prev is None
        verb = "CREATE" if creating else "UPDATE"
        started = time.monotonic()
        stack_type = "AWS::CloudFormation::Stack"
        driver._progress(stack.name, stack.name, stack_type, f"{verb}_IN_PROGRESS")
        # (logical id, what happened, the state before) for rollback and clean-up.
        done: list[tuple[str, str, ResourceState | None]] = []
        try:
            for logical_id in dependency_order(stack.template):
                if not self.resolver.resource_enabled(logical_id):
                    continue
                kind = str(stack.resources[logical_id].get("Type"))
                if kind != RESOURCE_TYPE:
                    state.resources[logical_id] = ResourceState(
                        logical_id, kind, self._physical(logical_id)
                    )
                    if kind == LAMBDA_FUNCTION:
                        self._function(logical_id)
                    continue
                self._custom_resource(logical_id, done)
            outputs = self._outputs()
        except (_ResourceFailedError, TemplateError) as failure:
            reason = failure.reason if isinstance(failure, _ResourceFailedError) else str(failure)
            return self._roll_back(done, reason, started)
        state.outputs = outputs
        state.imports = sorted(self.exports.used)
        changed = bool(done) or self.prev is None or outputs != self.prev.outputs
        # Clean-up: replaced resources and resources no longer in the template are deleted.
        cleanup = [(lid, old) for lid, what, old in done if what == "replaced" and old is not None]
        if self.prev is not None:
            cleanup += [
                (lid, old)
                for lid, old in reversed(self.prev.resources.items())
                if old.type == RESOURCE_TYPE and lid not in state.resources
            ]
        for _, old in cleanup:
            operation = driver._delete(self.prev or state, old)
            self.result.operations.append(operation)
            changed = True
        state.status = f"{verb}_COMPLETE"
        driver.store.save_stack(state)
        self._record_exports()
        self.result.status = state.status if changed else "NO_CHANGES"
        self.result.outputs = outputs
        self.result.resources = dict(state.resources)
        driver._progress(
            stack.name, stack.name, stack_type, self.result.status, "", time.monotonic() - started
        )
        return self.result

    def _custom_resource(
        self, logical_id: str, done: list[tuple[str, str, ResourceState | None]]
    ) -> None:
        driver, state = self.driver, self.state
        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type != RESOURCE_TYPE:
            old = None
        properties = self._properties(logical_id)
        label = construct_label(self.stack, logical_id)
        if old is not None and old.properties == properties:
            state.resources[logical_id] = old
            return
        if old is None:
            resource = ResourceState(logical_id, RESOURCE_TYPE, "", properties, label=label)
            operation = driver._run(state, "Create", resource, "CREATE_IN_PROGRESS")
            self.result.operations.append(operation)
            if operation.status != SUCCESS:
                resource.physical_id = operation.physical_id or simulated_name(
                    self.stack.name, logical_id, operation.event["RequestId"], limit=128
                )
                state.resources[logical_id] = resource
                # A Create that never reached the handler left nothing to delete.
                if operation.invocations:
                    done.append((logical_id, "create_failed", None))
                raise _ResourceFailedError(logical_id, operation.reason, operation)
            state.resources[logical_id] = ResourceState(
                logical_id, RESOURCE_TYPE, operation.physical_id, properties, operation.data, label
            )
            done.append((logical_id, "created", None))
            return
        if old.properties.get("ServiceToken") != properties.get("ServiceToken"):
            reason = "Modifying service token is not allowed."
            driver._progress(
                state.stack_name, logical_id, RESOURCE_TYPE, "UPDATE_FAILED", reason, label=label
            )
            raise _ResourceFailedError(logical_id, reason)
        resource = ResourceState(
            logical_id, RESOURCE_TYPE, old.physical_id, properties, label=label
        )
        operation = driver._run(
            state, "Update", resource, "UPDATE_IN_PROGRESS", old_properties=old.properties
        )
        self.result.operations.append(operation)
        if operation.status != SUCCESS:
            state.resources[logical_id] = resource
            if operation.invocations:
                done.append((logical_id, "update_failed", old))
            raise _ResourceFailedError(logical_id, operation.reason, operation)
        state.resources[logical_id] = ResourceState(
            logical_id, RESOURCE_TYPE, operation.physical_id, properties, operation.data
        )
        replaced = operation.physical_id != old.physical_id
        done.append((logical_id, "replaced" if replaced else "updated", old))

    def _outputs(self) -> dict[str, str]:
        outputs: dict[str, str] = {}
        declared: dict[str, Any] = self.stack.template.get("Outputs") or {}
        for name, output in declared.items():
            condition = output.get("Condition")
            if condition is not None and not self.resolver.condition(str(condition)):
                continue
            try:
                value = stringify(self.resolver.resolve(output.get("Value")))
            except TemplateError as error:
                raise TemplateError(f"output {name}: {error}") from error
            outputs[name] = ",".join(value) if isinstance(value, list) else str(value)
            export = output.get("Export")
            if export is not None:
                export_name = str(stringify(self.resolver.resolve(export.get("Name"))))
                owner = self.driver.store.exports().get(export_name, {}).get("stack")
                if owner not in (None, self.stack.name):
                    raise TemplateError(
                        f"Export with name {export_name} is already exported by stack {owner}"
                    )
                self.exports_out[export_name] = outputs[name]
        return outputs

    def _record_exports(self) -> None:
        table = {
            n: e for n, e in self.driver.store.exports().items() if e["stack"] != self.stack.name
        }
        for name, value in self.exports_out.items():
            table[name] = {"value": value, "stack": self.stack.name}
        self.driver.store.save_exports(table)

    def _roll_back(
        self, done: list[tuple[str, str, ResourceState | None]], reason: str, started: float
    ) -> StackResult:
        driver, state, stack = self.driver, self.state, self.stack
        stack_type = "AWS::CloudFormation::Stack"
        creating = self.prev is None
        prefix = "ROLLBACK" if creating else "UPDATE_ROLLBACK"
        driver._progress(stack.name, stack.name, stack_type, f"{prefix}_IN_PROGRESS", reason)
        rollback_failed = False
        for logical_id, what, old in reversed(done):
            current = state.resources.get(logical_id)
            operation: Operation | None = None
            if what in ("created", "create_failed", "replaced") and current is not None:
                # What this run made goes; a replaced resource's old one was never touched.
                operation = driver._delete(state, current)
            elif what in ("updated", "update_failed") and old is not None and current is not None:
                back = ResourceState(
                    logical_id, RESOURCE_TYPE, old.physical_id, old.properties, label=old.label
                )
                operation = driver._run(
                    state, "Update", back, "UPDATE_IN_PROGRESS", old_properties=current.properties
                )
            if operation is not None:
                self.result.operations.append(operation)
                rollback_failed = rollback_failed or operation.status != SUCCESS
        status = f"{prefix}_{'FAILED' if rollback_failed else 'COMPLETE'}"
        if creating:
            if rollback_failed:
                state.status = status
                driver.store.save_stack(state)
            else:
                driver.store.delete_stack(stack.name)
                self.driver._functions = {
                    a: f for a, f in self.driver._functions.items() if f[0] != stack.name
                }
                driver.store.save_functions(self.driver._functions)
        elif self.prev is not None:
            self.prev.status = status
            driver.store.save_stack(self.prev)
        self.result.status = status
        self.result.reason = reason
        self.result.resources = dict(self.prev.resources) if self.prev else {}
        driver._progress(stack.name, stack.name, stack_type, status, "", time.monotonic() - started)
        return self.result
