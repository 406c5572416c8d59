"""One audience generation job and the status it shows at a given moment.

A seeded job has a fixed status (or turns ACTIVE at ``ready_at``); a started one moves
CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE (or CREATE_FAILED), and once deleted
DELETE_PENDING -> DELETE_IN_PROGRESS -> gone (or DELETE_FAILED).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

IN_FLIGHT: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
# Not a service status: the deletion finished, so the job no longer exists.
GONE: Final = "GONE"


def iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class GenerationJobDurations:
    """How long a started job stays in each create and delete status (seconds)."""

    pending: float = 1.0
    in_progress: float = 2.0
    delete_pending: float = 1.0
    delete_in_progress: float = 1.0


@dataclass
class GenerationJob:
    arn: str
    name: str
    configured_audience_model_arn: str
    offered_sizes: list[tuple[str, int]]
    status: str = "ACTIVE"
    description: str | None = None
    created_at: float = 0.0
    # For a job seeded (or made) CREATE_PENDING / CREATE_IN_PROGRESS: when it turns ACTIVE.
    ready_at: float | None = None
    status_details: dict[str, str] | None = None
    # Started jobs only: when CREATE_PENDING becomes CREATE_IN_PROGRESS, and an injected failure.
    in_progress_at: float | None = None
    create_failure: dict[str, str] | None = None
    seed_audience: dict[str, Any] | None = None
    include_seed_in_output: bool | None = None
    collaboration_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    protected_query_identifier: str | None = None
    started_by: str | None = None
    # Set by DeleteAudienceGenerationJob.
    delete_at: float | None = None
    delete_in_progress_at: float | None = None
    deleted_at: float | None = None
    delete_failure: dict[str, str] | None = None

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> GenerationJob:
        job = cls(**item)
        # JSON has no tuples; the size check compares tuples.
        job.offered_sizes = [(str(t), int(v)) for t, v in job.offered_sizes]
        return job

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

    def _details(self, status: str) -> dict[str, str] | None:
        if status == "CREATE_FAILED" and self.create_failure:
            return self.create_failure
        if status == "DELETE_FAILED" and self.delete_failure:
            return self.delete_failure
        return self.status_details if status != "ACTIVE" else None

    def summary(self, now: float, account_id: str) -> dict[str, object]:
        """The ListAudienceGenerationJobs item."""
        status, updated = self.status_at(now)
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            "updateTime": iso(updated),
            "audienceGenerationJobArn": self.arn,
            "name": self.name,
            "status": status,
            "configuredAudienceModelArn": self.configured_audience_model_arn,
            "startedBy": self.started_by or account_id,
        }
        if self.description is not None:
            item["description"] = self.description
        if self.collaboration_id is not None:
            item["collaborationId"] = self.collaboration_id
        return item

    def describe(self, now: float, account_id: str) -> dict[str, object]:
        """The GetAudienceGenerationJob answer."""
        result = self.summary(now, account_id)
        status = str(result["status"])
        details = self._details(status)
        if details:
            result["statusDetails"] = dict(details)
        for key, value in (
            ("seedAudience", self.seed_audience),
            ("includeSeedInOutput", self.include_seed_in_output),
            ("protectedQueryIdentifier", self.protected_query_identifier),
        ):
            if value is not None:
                result[key] = value
        if self.tags:
            result["tags"] = dict(self.tags)
        # A model that offers no sizes shares no metrics.
        if status == "ACTIVE" and self.offered_sizes:
            count = len(self.offered_sizes)
            result["metrics"] = {
                "relevanceMetrics": [
                    # Smaller audiences are the closer matches: a plausible, deterministic score.
                    {
                        "audienceSize": {"type": t, "value": v},
                        "score": round(9.0 - 8.0 * i / count, 2),
                    }
                    for i, (t, v) in enumerate(self.offered_sizes)
                ],
                "recallMetric": 0.42,
            }
        return result
