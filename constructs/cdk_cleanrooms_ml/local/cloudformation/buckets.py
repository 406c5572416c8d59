"""``AWS::S3::Bucket``: a bucket made in the account's local S3 (:mod:`..s3`), and the bucket
policies stacks attach to them.

Made like a schedule group (:mod:`.schedule_groups`): created when the stack creates it (its
``BucketName``, else CloudFormation's generated lowercase ``<stack>-<logicalid>-<suffix>``),
deleted when the stack deletes it, rolls its creation back, drops it or replaces it (a new
``BucketName``) unless its DeletionPolicy (UpdateReplacePolicy) keeps it: then it stays in S3,
objects and all, and the progress says DELETE_SKIPPED. Deleting a bucket that still holds
objects fails, as S3 refuses it (``BucketNotEmpty``). Ref is the name, ``Fn::GetAtt .Arn``
``arn:aws:s3:::<name>`` (:mod:`.resources`). A driver without S3 simulates buckets.

Bucket policies (``AWS::S3::BucketPolicy``) stay simulated, their resolved properties kept;
:func:`bucket_policies` reads them from the stacks, as the bucket's policy.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Final

from ..s3.exceptions import S3Error
from ..state import StateStore
from .assembly import construct_label
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

S3_BUCKET: Final = "AWS::S3::Bucket"
S3_BUCKET_POLICY: Final = "AWS::S3::BucketPolicy"
_NAME_MAX: Final = 63
# A stack in these states holds no policies any more.
_GONE: Final = ("DELETE_COMPLETE",)


def _reason(error: S3Error) -> str:
    """S3's error as CloudFormation shows a handler's."""
    return (
        f'Resource handler returned message: "{error.message} (Service: S3, Status Code: '
        f'{409 if error.code != "NoSuchBucket" else 404}, Request ID: {uuid.uuid4().hex[:16]})"'
        f" (HandlerErrorCode: {error.code})"
    )


class Buckets(StackPart):
    """Deploys a stack's buckets into the driver's S3."""

    def prepare(self, logical_id: str) -> Step | None:
        """Keep an unchanged bucket; return the step that creates a new (or renamed) one."""
        from .steps import Step  # noqa: PLC0415 - steps imports this module

        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type != S3_BUCKET:
            old = None
        definition = self.stack.resources[logical_id]
        resource = ResourceState(
            logical_id,
            S3_BUCKET,
            self._name(logical_id, old),
            label=construct_label(self.stack, logical_id),
            deletion_policy=deletion_policy(definition, logical_id),
            update_replace_policy=update_replace_policy(definition, logical_id),
        )
        if self.driver.s3 is None or (old is not None and old.physical_id == resource.physical_id):
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
        if "BucketName" in props:
            try:
                return str(stringify(self.resources.resolver.resolve(props["BucketName"])))
            except TemplateError as error:
                raise ResourceFailedError(logical_id, str(error)) from error
        if old is not None:
            return old.physical_id
        name = simulated_name(self.stack.name, logical_id, self.state.stack_id, limit=_NAME_MAX)
        return name.lower()

    def _create(self, resource: ResourceState) -> Operation:
        operation = Operation(
            "Create", resource.logical_id, {}, FAILED, physical_id=resource.physical_id
        )
        s3 = self.driver.s3
        assert s3 is not None  # checked in prepare
        try:
            s3.create_bucket(resource.physical_id)
        except S3Error as error:
            operation.reason = (
                f"{resource.physical_id} already exists (locally: a bucket an earlier stack "
                f"retained; remove it from {s3.state_file} or use another state folder)"
                if error.code == "BucketAlreadyOwnedByYou"
                else _reason(error)
            )
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
        # A rollback deletes what was made; a completed replacement deletes the old bucket.
        change = Change.CREATED if old is None else Change.REPLACED
        journal.append(JournalEntry(resource.logical_id, change, old))


def _report(
    driver: LocalCloudFormation, stack_name: str, resource: ResourceState, status: str, reason: str
) -> None:
    driver.progress.report(
        ProgressEvent(
            stack_name, resource.logical_id, S3_BUCKET, status, reason, label=resource.label
        )
    )


def delete_bucket(
    driver: LocalCloudFormation, state: StackState, resource: ResourceState
) -> Operation | None:
    """Delete the bucket (one gone already is fine); None, or a failed Operation when S3
    refuses (the stack's deletion fails: the bucket stays)."""
    s3 = driver.s3
    if s3 is None:
        return None
    _report(driver, state.stack_name, resource, "DELETE_IN_PROGRESS", "")
    operation = Operation(
        "Delete", resource.logical_id, {}, SUCCESS, physical_id=resource.physical_id
    )
    try:
        if s3.has_bucket(resource.physical_id):
            s3.delete_bucket(resource.physical_id)
    except S3Error as error:
        operation.status, operation.reason = FAILED, _reason(error)
    status = "DELETE_COMPLETE" if operation.status == SUCCESS else "DELETE_FAILED"
    _report(driver, state.stack_name, resource, status, operation.reason)
    return None if operation.status == SUCCESS else operation


def bucket_policies(store: StateStore) -> dict[str, list[dict[str, Any]]]:
    """Every bucket policy local stacks attached: bucket name -> its statements."""
    found: dict[str, list[dict[str, Any]]] = {}
    for stack in store.stacks():
        if stack.status in _GONE:
            continue
        for resource in stack.resources.values():
            if resource.type != S3_BUCKET_POLICY:
                continue
            bucket = resource.properties.get("Bucket")
            document = resource.properties.get("PolicyDocument") or {}
            statements = document.get("Statement") if isinstance(document, dict) else None
            if isinstance(bucket, str) and isinstance(statements, list):
                found.setdefault(bucket, []).extend(s for s in statements if isinstance(s, dict))
    return found
