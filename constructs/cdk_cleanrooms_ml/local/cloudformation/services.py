"""What a driver may be given beyond one account's endpoint: the account's S3, a way to read
Lambda code from S3 (another account's bucket included), and a StackSet handler.

A :class:`~.driver.LocalCloudFormation` without them keeps simulating buckets and StackSets
and reads Lambda code from the synthesized assets, as a lone ``LocalCloud`` always has; a
``LocalOrganization`` gives every account and region's driver all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..s3.models import S3Backend, S3Object

if TYPE_CHECKING:
    from .protocol import Operation
    from .stacks import ResourceState, StackState


class CodeObjects(Protocol):
    """Reads ``s3://bucket/key`` in ``region`` as ``account`` (raises ``S3Error``)."""

    def read_object(self, bucket: str, key: str, *, account: str, region: str) -> S3Object: ...


class StackSetHandler(Protocol):
    """Runs ``AWS::CloudFormation::StackSet`` resources' Create, Update and Delete."""

    def run(
        self,
        request_type: str,
        resource: ResourceState,
        *,
        stack: StackState,
        old_properties: dict[str, Any] | None = None,
    ) -> Operation: ...


@dataclass(frozen=True)
class DriverServices:
    # Where AWS::S3::Bucket resources are made (None: only simulated).
    s3: S3Backend | None = None
    # Where a Lambda function's Code.S3Bucket / S3Key is read (None: the synthesized assets).
    code_objects: CodeObjects | None = None
    # Who runs StackSets (None: only simulated).
    stack_sets: StackSetHandler | None = None
