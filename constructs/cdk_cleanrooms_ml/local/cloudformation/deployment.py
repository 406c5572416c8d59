"""One ``deploy``: create or update a stack's resources, then clean up, or roll back.

Resources start as soon as everything they depend on is complete, so independent custom
resources run in parallel, as CloudFormation does. A new physical id on Update means
replacement: the old resource is deleted once the update is complete, like resources no longer
in the template, unless a policy keeps it (:mod:`.policies`). Any failure rolls the stack back
(:mod:`.rollback`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from typing import TYPE_CHECKING, Final

from ..custom_types import either
from ..errors import StateError, StateLostError
from .assembly import StackTemplate
from .exceptions import ResourceFailedError, TemplateError
from .handled_types import is_handled
from .journal import Change, Journal
from .outputs import TrackingExports, record_exports, resolve_outputs
from .parameters import resolve_parameters
from .policies import Removal, deletion_policy, policies_of, update_replace_policy
from .resources import StackResources
from .results import StackResult
from .rollback import roll_back
from .scheduler import Scheduler
from .ssm_parameters import resolve_ssm_values, ssm_parameters
from .stacks import ResourceState, StackState
from .steps import StepPlanner
from .wait_conditions import check_wait_conditions

if TYPE_CHECKING:
    from .driver import LocalCloudFormation

# Stack states CloudFormation only lets you delete (a failed create leaves ROLLBACK_COMPLETE;
# an interrupted run ROLLBACK_FAILED or UPDATE_ROLLBACK_FAILED).
_DELETE_ONLY: Final = (
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "DELETE_FAILED",
    "UPDATE_ROLLBACK_FAILED",
)


def _previous_parameters(prev: StackState | None, stack: StackTemplate) -> dict[str, str]:
    declared = stack.template.get("Parameters") or {}
    return {
        k: ",".join(v) if isinstance(v, list) else str(v)
        for k, v in (prev.parameters if prev else {}).items()
        if k in declared
    }


class Deployment:
    """Creates or updates one stack."""

    def __init__(
        self,
        driver: LocalCloudFormation,
        stack: StackTemplate,
        given: dict[str, str],
        allow_simulated: bool = False,
    ) -> None:
        self.driver = driver
        self.stack = stack
        self.prev = prev = driver.store.load_stack(stack.name)
        if prev is not None and prev.status in _DELETE_ONLY:
            raise TemplateError(
                f"stack {stack.name} is in {prev.status} state and can only be destroyed "
                f"(python -m cdk_cleanrooms_ml.local destroy --stack {stack.name})"
            )
        region = stack.region or driver.options.default_region
        account = stack.account or driver.options.default_account
        handled = [r for r in stack.resources.values() if is_handled(r.get("Type"))]
        if not handled and not stack.template.get("Outputs") and not allow_simulated:
            raise TemplateError(
                f"stack {stack.name} has no {either()} resources (no other custom "
                "resources and no outputs either): nothing to deploy locally"
            )
        # Checked before anything runs, as CloudFormation validates the template first.
        for logical_id, definition in stack.resources.items():
            deletion_policy(definition, logical_id)
            update_replace_policy(definition, logical_id)
        check_wait_conditions(stack)
        # The stack keeps what was given (an SSM parameter's name); Ref reads the value.
        given_values = resolve_parameters(
            stack.template, {**_previous_parameters(prev, stack), **given}
        )
        parameters = resolve_ssm_values(stack.template, given_values, ssm_parameters(driver.store))
        self.state = StackState(
            stack_name=stack.name,
            stack_id=prev.stack_id
            if prev
            else f"arn:aws:cloudformation:{region}:{account}:stack/{stack.name}/{uuid.uuid4()}",
            status="CREATE_IN_PROGRESS" if prev is None else "UPDATE_IN_PROGRESS",
            parameters=dict(given_values),
        )
        self.exports = TrackingExports({n: e["value"] for n, e in driver.store.exports().items()})
        self.resources = StackResources(
            stack,
            self.state,
            prev,
            region=region,
            account=account,
            parameters=parameters,
            exports=self.exports,
        )
        self.scheduler = Scheduler(stack.template, StepPlanner(driver, stack, prev, self.resources))
        self.result = StackResult(stack.name, "")

    def run(self) -> StackResult:
        try:
            return self._run()
        except StateLostError:
            self.driver.cancel()
            raise
        except BaseException:
            # Ctrl-C, SIGTERM or a bug: record what may exist, so destroy can clean it up.
            self.driver.cancel()
            with contextlib.suppress(StateError):
                self._save_interrupted()
            raise

    def _save_interrupted(self) -> None:
        state, prev = self.state, self.prev
        for logical_id, resource in self.scheduler.in_flight.items():
            state.resources.setdefault(logical_id, resource)
        if prev is not None:
            # Not reached yet: still the old resources.
            for logical_id, old in prev.resources.items():
                state.resources.setdefault(logical_id, old)
        state.status = "ROLLBACK_FAILED" if prev is None else "UPDATE_ROLLBACK_FAILED"
        state.outputs = prev.outputs if prev else {}
        self.driver.store.save_stack(state)

    def _run(self) -> StackResult:
        driver, state, prev = self.driver, self.state, self.prev
        verb = "CREATE" if prev is None else "UPDATE"
        started = time.monotonic()
        driver.progress.stack(state.stack_name, f"{verb}_IN_PROGRESS")
        journal: Journal = []
        try:
            self.scheduler.run(journal, self.result.operations)
            outputs, exported = resolve_outputs(self.stack, self.resources.resolver, driver.store)
        except (ResourceFailedError, TemplateError) as failure:
            self.result.reason = (
                failure.reason if isinstance(failure, ResourceFailedError) else str(failure)
            )
            return roll_back(driver, state, prev, journal, self.result, started=started)
        state.outputs = outputs
        state.imports = sorted(self.exports.used)
        changed = (
            self._clean_up(journal)
            or prev is None
            or outputs != prev.outputs
            or self._policies_changed()
        )
        state.status = f"{verb}_COMPLETE"
        driver.store.save_stack(state)
        record_exports(driver.store, state.stack_name, exported)
        self.result.status = state.status if changed else "NO_CHANGES"
        self.result.outputs = outputs
        self.result.resources = dict(state.resources)
        driver.progress.stack(state.stack_name, self.result.status, "", time.monotonic() - started)
        return self.result

    def _clean_up(self, journal: Journal) -> bool:
        """Delete replaced resources and those no longer in the template (or keep them, as
        their policies say); whether anything changed at all."""
        state, prev = self.state, self.prev
        replaced = {e.logical_id for e in journal if e.change is Change.REPLACED}
        cleanup: list[tuple[ResourceState, Removal]] = []
        # Reverse deployment order: what refers to an old resource goes before it.
        for lid, old in reversed((prev.resources if prev else {}).items()):
            if lid in replaced:
                # The template being deployed says whether the old one is kept.
                policy = state.resources[lid].update_replace_policy
                cleanup.append(
                    (dataclasses.replace(old, update_replace_policy=policy), Removal.REPLACED)
                )
            elif lid not in state.resources and self.driver.makes(old.type):
                cleanup.append((old, Removal.DELETED))
        for old, removal in cleanup:
            operation = self.driver.delete_resource(prev or state, old, removal)
            if operation is not None:
                self.result.operations.append(operation)
        return bool(journal) or bool(cleanup)

    def _policies_changed(self) -> bool:
        """Whether a resource's DeletionPolicy or UpdateReplacePolicy alone changed."""
        before = self.prev.resources if self.prev else {}
        return any(
            policies_of(r) != policies_of(before[lid])
            for lid, r in self.state.resources.items()
            if lid in before and is_handled(r.type)
        )
