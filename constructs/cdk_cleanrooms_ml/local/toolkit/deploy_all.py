"""``cdk deploy --all`` and ``cdk destroy --all``: every stack chosen, in dependency order, into
the CloudFormation of its account (the default account when the stack names none) and region.

Deploying publishes a stack's assets first (:mod:`.publishing`); the first stack that fails
(its assets, or its deployment) stops the run, as the CLI stops. Destroying goes in reverse
order, skips stacks never deployed, and reports the resources a policy kept (a bucket with
``DeletionPolicy: Retain`` outlives its stack).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..cloudformation.policies import Removal, retained_by
from ..cloudformation.results import StackResult
from ..s3.models import S3Backend
from .manifest import AssemblyStack
from .publishing import PublishError, publish

if TYPE_CHECKING:
    from ..cloudformation.driver import LocalCloudFormation

PUBLISH_FAILED = "PUBLISH_FAILED"


class Clouds(Protocol):
    """Every account and region's CloudFormation and S3."""

    def driver(self, account: str, region: str) -> LocalCloudFormation: ...

    def s3(self, account: str, region: str) -> S3Backend: ...


@dataclass(frozen=True)
class RetainedResource:
    """A resource its stack's deletion kept (its DeletionPolicy)."""

    account: str
    region: str
    stack_name: str
    logical_id: str
    type: str
    physical_id: str


@dataclass
class AssemblyResult:
    """Each stack's result, in the order they ran (the run stops at the first failure)."""

    results: list[StackResult] = field(default_factory=list)
    retained: list[RetainedResource] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return all(result.succeeded for result in self.results)

    @property
    def failed(self) -> StackResult | None:
        return next((r for r in self.results if not r.succeeded), None)

    def result(self, stack_name: str) -> StackResult:
        return next(r for r in self.results if r.stack_name == stack_name)


def environment(stack: AssemblyStack, account: str, region: str) -> tuple[str, str]:
    """The stack's account and region (``account`` / ``region`` where it names none)."""
    return stack.template.account or account, stack.template.region or region


def deploy_stacks(
    clouds: Clouds,
    stacks: Sequence[AssemblyStack],
    *,
    account: str,
    region: str,
    parameters: Mapping[str, Mapping[str, str]] | None = None,
) -> AssemblyResult:
    """Publish and deploy ``stacks`` in order (``parameters`` by stack name)."""
    run = AssemblyResult()
    for stack in stacks:
        where = environment(stack, account, region)
        try:
            publish(stack, clouds.s3, account=where[0], region=where[1])
        except PublishError as error:
            run.results.append(StackResult(stack.name, PUBLISH_FAILED, str(error)))
            break
        driver = clouds.driver(*where)
        given = (parameters or {}).get(stack.name)
        result = driver.deploy(stack.template, given, allow_simulated=True)
        run.results.append(result)
        if not result.succeeded:
            break
    return run


def destroy_stacks(
    clouds: Clouds, stacks: Sequence[AssemblyStack], *, account: str, region: str
) -> AssemblyResult:
    """Destroy the deployed ones of ``stacks``, last first."""
    run = AssemblyResult()
    for stack in reversed(stacks):
        where = environment(stack, account, region)
        driver = clouds.driver(*where)
        state = driver.store.load_stack(stack.name)
        if state is None:
            continue
        kept = [
            RetainedResource(*where, stack.name, r.logical_id, r.type, r.physical_id)
            for r in state.resources.values()
            if driver.makes(r.type) and retained_by(r, Removal.DELETED) is not None
        ]
        result = driver.destroy(stack.name)
        run.results.append(result)
        if not result.succeeded:
            break
        run.retained.extend(kept)
    return run
