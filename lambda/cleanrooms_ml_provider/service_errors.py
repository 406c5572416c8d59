"""The errors a request fails with, and Clean Rooms ML's errors turned into actionable reasons.

Every resource's calls map a botocore error the same way (:func:`mapped_errors`); what "not
found" names differs by resource and is passed in as :class:`Words`. What a quota means, and
whether it clears by itself, is told by the call and the error (:mod:`quotas`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError

from . import clients, quotas

# CloudFormation shows at most this much of a reason, and crhelper cuts longer ones from the
# FRONT, which would drop the part that says what went wrong. Reasons are cut here, at the end.
REASON_MAX: Final = 256

logger = logging.getLogger(__name__)


def short(reason: str, limit: int = REASON_MAX) -> str:
    """The reason cut to ``limit`` characters, keeping its beginning."""
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


class RequestError(Exception):
    """The request fails; ``str()`` is the reason CloudFormation shows."""


class JobFailed(Exception):  # noqa: N818 - carries a failure, with the id to answer it under
    """The request failed after a resource of ours existed: answer FAILED under its id."""

    def __init__(self, cause: Exception, physical_id: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.physical_id = physical_id


class ServiceError(Exception):
    """A service call failed; ``str()`` is the reason CloudFormation shows."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(short(reason))
        self.code = code


class ConflictError(ServiceError):
    """Start met a resource of that name: look again, and adopt it if it is ours."""


class NotFoundError(ServiceError):
    """The resource does not exist (or no longer does)."""


class SlotQuotaError(ServiceError):
    """Start hit the account's quota on in-flight work: wait for a slot."""

    def __init__(self, reason: str, code: str = "", label: str = "") -> None:
        super().__init__(reason, code)
        self.label = label  # "<quota name> = <value>"


def unavailable_reason(error: clients.Unavailable) -> str:
    """The reason when a call stayed throttled or unreachable until time ran out."""
    return (
        f"cleanrooms-ml:{error.action} stayed throttled or unreachable ({error.last}, "
        f"{error.attempts} attempts) until the time left ran out; retry the deployment later"
    )


@dataclass(frozen=True)
class Words:
    """What a resource's calls say of the errors whose meaning depends on the resource."""

    # The reason for ResourceNotFound on ``resource`` (an ARN the call named).
    not_found: Callable[[str], str]
    # The IAM prefix of the service called (an access-denied reason names the action with it).
    service: str = "cleanrooms-ml"


def error_reason(action: str, resource: str, error: ClientError, words: Words) -> str:
    """What CloudFormation shows for ``error`` of ``action`` on ``resource``."""
    code = clients.error_code(error)
    message = str(error.response.get("Error", {}).get("Message", "")).strip()
    if code == "AccessDeniedException":
        return f"access denied: the provider role needs {words.service}:{action} on {resource}" + (
            f" ({message})" if message else ""
        )
    if code == "ResourceNotFoundException":
        return words.not_found(resource)
    if code == "ServiceQuotaExceededException":
        reason = quotas.classify_error(action, error).reason()
        return reason + (f": {message}" if message else "")
    if code == "ValidationException":
        return f"Clean Rooms ML rejected {action}: {message or code}"
    if code == "ConflictException":
        return f"conflict on {action}: {message or code}"
    return f"{action} failed: {code}: {message}" if message else f"{action} failed: {code}"


@contextmanager
def mapped_errors(action: str, resource: str, words: Words) -> Iterator[None]:
    """botocore's errors of ``action`` as :class:`ServiceError` and its kinds."""
    try:
        yield
    except ClientError as error:
        code = clients.error_code(error)
        reason = error_reason(action, resource, error, words)
        if code == "ConflictException":
            raise ConflictError(reason, code) from error
        if code == "ResourceNotFoundException":
            raise NotFoundError(reason, code) from error
        if code == "ServiceQuotaExceededException":
            quota = quotas.classify_error(action, error)
            if quota.matched_by != "name":  # renamed, unnamed or new: the table may need it
                logger.warning("quota of %s told by %s: %s", action, quota.matched_by, reason)
            if quota.clears:
                raise SlotQuotaError(reason, code, quota.label()) from error
        raise ServiceError(reason, code) from error
    except BotoCoreError as error:
        raise ServiceError(f"{action} failed: {error}") from error
