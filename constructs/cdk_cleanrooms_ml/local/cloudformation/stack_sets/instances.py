"""One stack instance: its stack, ``StackSet-<name>-<uuid>``, created, updated or deleted in
its account and region's cloud.

The stack is deployed from the StackSet's TemplateBody with the instance's parameters, by that
cloud's own driver: its Lambda functions read their code from S3 as that account (a bucket of
the administrator's readable by the organization, see :mod:`...s3.access`), its exports and SSM
parameters are that account and region's. A stack whose creation rolled back is deleted and
made again by the next operation, as StackSets do.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from ...organizations.models import Organization
from ..assembly import load_template_file
from ..exceptions import TemplateError
from .records import (
    CANCELLED,
    CURRENT,
    FAILED,
    INOPERABLE,
    OUTDATED,
    SUCCEEDED,
    InstanceOutcome,
    StackInstance,
)

if TYPE_CHECKING:
    from ..driver import LocalCloudFormation

# A stack in these states is deleted before the instance is deployed again.
_REMADE: Final = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED")


class Clouds(Protocol):
    """An organization's clouds, one per account and region."""

    @property
    def organization(self) -> Organization: ...

    def driver(self, account: str, region: str) -> LocalCloudFormation:
        """The CloudFormation of ``account`` in ``region`` (its cloud started if need be)."""
        ...


def stack_status(clouds: Clouds, instance: StackInstance) -> str:
    """The instance's stack status now ("" when it has none)."""
    if not instance.stack_name:
        return ""
    state = clouds.driver(instance.account, instance.region).store.load_stack(instance.stack_name)
    return state.status if state is not None else ""


def cancelled(instance: StackInstance, action: str) -> InstanceOutcome:
    """An instance the operation never reached (it stopped first)."""
    instance.status, instance.detailed_status = OUTDATED, CANCELLED
    instance.reason = "Cancelled since failure tolerance has exceeded"
    return InstanceOutcome(
        instance.account,
        instance.region,
        action,
        CANCELLED,
        instance.stack_name,
        reason=instance.reason,
    )


def deploy_instance(
    clouds: Clouds,
    stack_set_name: str,
    instance: StackInstance,
    template_file: Path,
    parameters: Mapping[str, str],
) -> InstanceOutcome:
    """Create or update the instance's stack; the instance records how it went."""
    driver = clouds.driver(instance.account, instance.region)
    action = "UPDATE" if instance.stack_name else "CREATE"
    name = instance.stack_name or f"StackSet-{stack_set_name}-{uuid.uuid4()}"
    outcome = InstanceOutcome(instance.account, instance.region, action, FAILED, name)
    try:
        previous = driver.store.load_stack(name)
        if previous is not None and previous.status in _REMADE:
            driver.destroy(name)
        stack = load_template_file(
            template_file, stack_name=name, region=instance.region, account=instance.account
        )
        result = driver.deploy(stack, dict(parameters))
    except TemplateError as error:
        # Refused before any resource was touched (a parameter, an import, the template).
        outcome.reason = str(error)
    else:
        outcome.stack_result, outcome.reason = result.status, result.reason
        if result.succeeded:
            outcome.detailed_status = SUCCEEDED
    state = driver.store.load_stack(name)
    instance.stack_name = name if state is not None else ""
    instance.stack_id = state.stack_id if state is not None else ""
    instance.stack_status = state.status if state is not None else ""
    outcome.stack_name = instance.stack_name
    succeeded = outcome.detailed_status == SUCCEEDED
    instance.status = CURRENT if succeeded else OUTDATED
    instance.detailed_status = outcome.detailed_status
    instance.reason = outcome.reason if not succeeded else ""
    instance.parameters = dict(parameters)
    return outcome


def delete_instance(clouds: Clouds, instance: StackInstance, *, retain: bool) -> InstanceOutcome:
    """Delete the instance's stack (``retain``: keep it, only the instance goes)."""
    outcome = InstanceOutcome(
        instance.account, instance.region, "DELETE", SUCCEEDED, instance.stack_name
    )
    if retain or not instance.stack_name:
        outcome.reason = "its stack is retained" if retain and instance.stack_name else ""
        return outcome
    driver = clouds.driver(instance.account, instance.region)
    if driver.store.load_stack(instance.stack_name) is None:
        outcome.stack_result = "DELETE_COMPLETE"
        return outcome
    result = driver.destroy(instance.stack_name)
    outcome.stack_result, outcome.reason = result.status, result.reason
    if not result.succeeded:
        outcome.detailed_status = FAILED
        instance.status, instance.detailed_status = INOPERABLE, FAILED
        instance.reason, instance.stack_status = result.reason, result.status
    return outcome
