"""Statuses and timestamps every job model of the service shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

IN_FLIGHT: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
# What the export quotas count.
COUNTED: Final = (*IN_FLIGHT, "ACTIVE")
DELETING: Final = ("DELETE_PENDING", "DELETE_IN_PROGRESS")
# Not a service status: the deletion finished, so the job no longer exists.
GONE: Final = "GONE"


def iso(epoch: float) -> str:
    """``epoch`` as the service writes timestamps (UTC, milliseconds)."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch(value: object) -> float | None:
    """A timestamp of a request or the seed (ISO 8601, or epoch seconds) as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
