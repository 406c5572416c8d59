"""The create and delete lifecycle that generation jobs and audience models share.

Created through the API, a resource moves CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE (or
CREATE_FAILED); once deleted DELETE_PENDING -> DELETE_IN_PROGRESS -> gone (or DELETE_FAILED).
A seeded one has a fixed status, or turns ACTIVE at ``ready_at``. The status is worked out
from the clock when asked, so nothing has to run in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .statuses import GONE, IN_FLIGHT

# Asked once a resource is made (or its deletion begun): the failure injected for it, if any.
FailureFor = Callable[[str], dict[str, str] | None]


@dataclass(frozen=True)
class LifecycleDurations:
    """How long a resource stays in each create and delete status (seconds)."""

    pending: float = 1.0
    in_progress: float = 2.0
    delete_pending: float = 1.0
    delete_in_progress: float = 1.0


# Keyword-only: the resources' own fields come first in their constructors.
@dataclass(kw_only=True)
class Lifecycle:
    status: str = "ACTIVE"
    created_at: float = 0.0
    # For one seeded (or made) CREATE_PENDING / CREATE_IN_PROGRESS: when it turns ACTIVE.
    ready_at: float | None = None
    status_details: dict[str, str] | None = None
    # Created through the API only: when CREATE_PENDING becomes CREATE_IN_PROGRESS, and an
    # injected failure.
    in_progress_at: float | None = None
    create_failure: dict[str, str] | None = None
    # Set once deleted.
    delete_at: float | None = None
    delete_in_progress_at: float | None = None
    deleted_at: float | None = None
    delete_failure: dict[str, str] | None = None

    def begin_create(
        self, now: float, durations: LifecycleDurations, failure: dict[str, str] | None
    ) -> None:
        self.status = "CREATE_PENDING"
        self.created_at = now
        self.in_progress_at = now + durations.pending
        self.ready_at = self.in_progress_at + durations.in_progress
        self.create_failure = failure

    def begin_delete(
        self, now: float, durations: LifecycleDurations, failure: dict[str, str] | None
    ) -> None:
        self.delete_at = now
        self.delete_in_progress_at = now + durations.delete_pending
        self.deleted_at = self.delete_in_progress_at + durations.delete_in_progress
        self.delete_failure = failure

    def status_at(self, now: float) -> tuple[str, float]:
        """The status at ``now`` and when it began."""
        if self.delete_at is not None:
            in_progress_at = self.delete_in_progress_at or self.delete_at
            done_at = self.deleted_at or in_progress_at
            if now < in_progress_at:
                return "DELETE_PENDING", self.delete_at
            if now < done_at:
                return "DELETE_IN_PROGRESS", in_progress_at
            return ("DELETE_FAILED" if self.delete_failure else GONE), done_at
        if self.ready_at is not None and self.status in IN_FLIGHT:
            if now >= self.ready_at:
                return ("CREATE_FAILED" if self.create_failure else "ACTIVE"), self.ready_at
            if self.in_progress_at is not None and now >= self.in_progress_at:
                return "CREATE_IN_PROGRESS", self.in_progress_at
        return self.status, self.created_at

    def details(self, status: str) -> dict[str, str] | None:
        """The statusDetails shown in ``status``."""
        if status == "CREATE_FAILED" and self.create_failure:
            return self.create_failure
        if status == "DELETE_FAILED" and self.delete_failure:
            return self.delete_failure
        return self.status_details if status != "ACTIVE" else None
