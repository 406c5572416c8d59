"""The AWS clients the handler uses, built lazily and replaceable.

Tests inject botocore-stubbed clients with :func:`use`; a local endpoint is reached through the
standard ``AWS_ENDPOINT_URL_CLEANROOMSML`` / ``AWS_ENDPOINT_URL_LAMBDA`` variables, which boto3
honours by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:  # the Lambda runtime has no stubs; they are only needed by mypy
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient
    from mypy_boto3_lambda import LambdaClient

# Standard retry mode with 10 attempts absorbs throttling bursts (backoff capped at 20 s).
# Short socket timeouts keep a hung call from eating the invocation's time budget.
MAX_ATTEMPTS = 10
CONFIG = Config(
    retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    connect_timeout=5,
    read_timeout=20,
)

_cleanroomsml: CleanRoomsMLClient | None = None
_lambda: LambdaClient | None = None


def cleanroomsml() -> CleanRoomsMLClient:
    global _cleanroomsml  # noqa: PLW0603 - a lazily built module-level client is the point
    if _cleanroomsml is None:
        _cleanroomsml = boto3.client("cleanroomsml", config=CONFIG)
    return _cleanroomsml


def lambda_() -> LambdaClient:
    global _lambda  # noqa: PLW0603
    if _lambda is None:
        _lambda = boto3.client("lambda", config=CONFIG)
    return _lambda


def use(
    *, cleanroomsml: CleanRoomsMLClient | None = None, lambda_: LambdaClient | None = None
) -> None:
    """Inject clients (tests, local harness); ``None`` leaves that client unchanged."""
    global _cleanroomsml, _lambda  # noqa: PLW0603
    if cleanroomsml is not None:
        _cleanroomsml = cleanroomsml
    if lambda_ is not None:
        _lambda = lambda_


def reset() -> None:
    """Forget all clients; the next getter call builds a fresh one."""
    global _cleanroomsml, _lambda  # noqa: PLW0603
    _cleanroomsml = None
    _lambda = None
