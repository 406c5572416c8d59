"""What Clean Rooms ML reports of a job or an export: statuses, sizes and status details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

ACTIVE: Final = "ACTIVE"
CREATE_PENDING: Final = "CREATE_PENDING"
CREATE_FAILED: Final = "CREATE_FAILED"
DELETE_FAILED: Final = "DELETE_FAILED"
CREATING: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
DELETING: Final = ("DELETE_PENDING", "DELETE_IN_PROGRESS")
# Status reported when a no-op update cannot read the resource, or a look was throttled.
UNKNOWN: Final = "UNKNOWN"


@dataclass(frozen=True)
class Size:
    type: str
    value: int

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


def offered_sizes(response: Mapping[str, Any]) -> tuple[Size, ...]:
    """The sizes a GetAudienceGenerationJob response offers: its relevance metrics' sizes
    (none when the model owner shares no metrics)."""
    metrics = response.get("metrics") or {}
    return tuple(
        Size(str(metric["audienceSize"]["type"]), int(metric["audienceSize"]["value"]))
        for metric in metrics.get("relevanceMetrics", [])
    )


def status_details(response: Mapping[str, object]) -> tuple[str, str]:
    """(statusCode, message) of a job or export's statusDetails, empty when absent."""
    details = response.get("statusDetails")
    if not isinstance(details, Mapping):
        return "", ""
    return str(details.get("statusCode") or ""), str(details.get("message") or "")


def describe_status(status: str, code: str, message: str) -> str:
    """``STATUS (code: message)`` with the parts the service gave."""
    detail = ": ".join(part for part in (code, message) if part)
    return f"{status} ({detail})" if detail else status
