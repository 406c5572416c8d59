"""Reading an object as an account of an organization: in its own buckets, or in another
account's bucket whose policy lets it (a StackSet instance reading the code the management
account published)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .exceptions import ACCESS_DENIED, NO_SUCH_BUCKET, S3Error
from .models import S3Backend, S3Object
from .policies import Reader, allows_get_object


class Buckets(Protocol):
    """Every account's buckets, and what their policies say."""

    def accounts(self) -> Sequence[str]:
        """The accounts whose buckets may be read (an organization's)."""
        ...

    def s3(self, account: str, region: str) -> S3Backend: ...

    def bucket_policy(self, account: str, region: str, bucket: str) -> list[dict[str, Any]]:
        """The statements of ``bucket``'s policy ([] when it has none)."""
        ...

    def organization_of(self, account: str) -> str | None: ...


def read_object(buckets: Buckets, bucket: str, key: str, *, account: str, region: str) -> S3Object:
    """``s3://bucket/key`` in ``region``, read as ``account``; an :class:`S3Error` otherwise.

    The bucket's policy is checked before the key is looked up, so a reader the policy refuses
    learns nothing of the bucket's keys (``AccessDenied``, not ``NoSuchKey``).
    """
    owner = next((a for a in buckets.accounts() if buckets.s3(a, region).has_bucket(bucket)), None)
    if owner is None:
        raise S3Error(NO_SUCH_BUCKET, bucket)
    if owner != account:
        reader = Reader(account, buckets.organization_of(account))
        statements = buckets.bucket_policy(owner, region, bucket)
        if not allows_get_object(statements, reader, bucket, key):
            raise S3Error(ACCESS_DENIED, f"s3://{bucket}/{key} read by account {account}")
    return buckets.s3(owner, region).get_object(bucket, key)
