"""Publishing a stack's file assets before it deploys, as the CDK CLI does: each destination's
object put into its bucket in the stack's account (or the one its publishing role names) and
region. The bootstrap bucket exists in every account; any other must have been made by a
deployed stack, else publishing fails with ``NoSuchBucket`` and the stack is not deployed."""

from __future__ import annotations

from collections.abc import Callable

from ..s3.exceptions import S3Error
from ..s3.models import S3Backend
from .manifest import AssemblyStack, FileDestination


class PublishError(Exception):
    """An asset could not be published: the CLI stops before deploying its stack."""

    def __init__(self, asset: str, bucket: str, key: str, error: S3Error) -> None:
        super().__init__(
            f"Failed to publish asset {asset} (s3://{bucket}/{key}): {error.code}: {error.message}"
        )
        self.error = error


def _placeholders(text: str, account: str, region: str) -> str:
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )


def destination_of(
    destination: FileDestination, account: str, region: str
) -> tuple[str, str, str, str]:
    """``(account, region, bucket, key)`` of a destination of a stack in ``account``/``region``."""
    account = destination.account or account
    region = destination.region or region
    return (
        account,
        region,
        _placeholders(destination.bucket, account, region),
        _placeholders(destination.key, account, region),
    )


def publish(
    stack: AssemblyStack,
    s3: Callable[[str, str], S3Backend],
    *,
    account: str,
    region: str,
) -> None:
    """Put every file asset of ``stack`` (deployed in ``account``/``region``) into S3; a
    :class:`PublishError` for a destination bucket that does not exist (``NoSuchBucket``)."""
    for asset in stack.assets:
        for destination in asset.destinations:
            owner, where, bucket, key = destination_of(destination, account, region)
            try:
                s3(owner, where).put_object(bucket, key, asset.path)
            except S3Error as error:
                raise PublishError(asset.display_name, bucket, key, error) from error
