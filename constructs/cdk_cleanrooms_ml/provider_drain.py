"""The provider's drain: in a stack with its own provider, the provider outlives the background
deletions of that stack's generation jobs.

A job still being created cannot be deleted: when a stack is deleted (or rolled back) then, the
job's Delete is answered and the provider deletes the job in the background once the service
allows. The drain is a ``Custom::CleanRoomsMlProviderDrain`` resource of the provider that the
stack's jobs depend on, so CloudFormation deletes it after them and before the provider; its
Delete waits, in scheduled polls, until none of their background deletions is pending.
"""

from __future__ import annotations

from typing import Any, Final

import jsii
from aws_cdk import CfnResource, IStableAnyProducer, Lazy, Stack
from constructs import Construct

from cdk_cleanrooms_ml._handler.fields.common import KEY_SERVICE_TOKEN, KEY_TIMEOUT
from cdk_cleanrooms_ml._handler.fields.provider_drain import (
    DRAIN_RESOURCE_TYPE,
    KEY_BACKGROUND_DELETIONS,
)
from cdk_cleanrooms_ml._handler.rules import TIMEOUT_MAX_SECONDS

DRAIN_ID: Final = "Drain"


class ProviderDrain:
    """The drain resource of one provider, listing the stack's generation jobs."""

    def __init__(self, scope: Construct, service_token: str) -> None:
        self._jobs: list[CfnResource] = []
        self.resource = CfnResource(
            scope,
            DRAIN_ID,
            type=DRAIN_RESOURCE_TYPE,
            properties={
                KEY_SERVICE_TOKEN: service_token,
                # The longest a custom resource may take: each poll holds nothing.
                KEY_TIMEOUT: str(TIMEOUT_MAX_SECONDS),
                KEY_BACKGROUND_DELETIONS: Lazy.any(_LogicalIds(self._jobs)),
            },
        )

    def add(self, job: CfnResource) -> None:
        """``job`` is deleted before the drain, and the drain waits for its deletion."""
        self._jobs.append(job)
        job.add_resource_dependency(self.resource)


@jsii.implements(IStableAnyProducer)
class _LogicalIds:
    """The jobs' logical ids, as the template names them (known only at synth)."""

    def __init__(self, jobs: list[CfnResource]) -> None:
        self._jobs = jobs

    def produce(self) -> Any:
        return sorted({str(Stack.of(job).resolve(job.logical_id)) for job in self._jobs})
