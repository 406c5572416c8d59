"""Shared pieces of the generation-job tests through the local driver: the seeded model, a seed,
and what the endpoint holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cdk_cleanrooms_ml._handler.tags import OWNER_TAG_KEY
from cdk_cleanrooms_ml.local.harness import LocalCloud

# Known to the default seed (the model of its example job), with the sizes it offers.
MODEL: Final = (
    "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/example-model"
)
OFFERED: Final = (
    "ABSOLUTE:10000,ABSOLUTE:50000,ABSOLUTE:100000,"
    "PERCENTAGE:5,PERCENTAGE:10,PERCENTAGE:20,PERCENTAGE:50"
)
SEED_ROLE: Final = "arn:aws:iam::111122223333:role/cleanrooms-ml-seed-reader"
SEED_URI: Final = "s3://seed-audiences/q4/seed.jsonl"
JOB_ARN_PREFIX: Final = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/"

# The plain template pipelines deploy for a job and an export of it.
GENERATION_EXAMPLE: Final = (
    Path(__file__).resolve().parents[2]
    / "examples"
    / "cloudformation"
    / "audience-generation-job.yaml"
)


@dataclass(frozen=True)
class JobView:
    """A generation job as the endpoint holds it at this moment."""

    arn: str
    name: str
    status: str
    tags: dict[str, str]  # the job's own tags, the provider's ownership tag left out
    description: str | None
    owner: str | None  # the ownership tag: which stack resource started it


def started_jobs(cloud: LocalCloud) -> list[JobView]:
    """The generation jobs started through the API that still exist (the seed's are left out),
    oldest first."""
    backend = cloud.endpoint.backend
    with backend.lock:
        backend.purge()
        now = backend.clock()
        jobs = sorted(backend.generation_jobs.values(), key=lambda j: j.created_at)
        return [
            JobView(
                j.arn,
                j.name,
                j.status_at(now)[0],
                {k: v for k, v in j.tags.items() if k != OWNER_TAG_KEY},
                j.description,
                j.tags.get(OWNER_TAG_KEY),
            )
            for j in jobs
            if j.started_by is not None
        ]


def generation_starts(cloud: LocalCloud) -> int:
    """StartAudienceGenerationJob calls answered with a job."""
    return sum(1 for c in cloud.endpoint.calls_to("StartAudienceGenerationJob") if c.status == 200)


def job_seed(create_s: float, *, delete_s: float = 35.0) -> dict[str, Any]:
    """A seed with the model ``MODEL`` (offering 20 %) and no job; a started job takes
    ``create_s`` to be ACTIVE (60 s of it pending) and ``delete_s`` to be gone."""
    return {
        "audienceGenerationJobs": [],
        "configuredAudienceModels": [
            {
                "configuredAudienceModelArn": MODEL,
                "offeredSizes": [{"type": "PERCENTAGE", "value": 20}],
            }
        ],
        "generationJobDurations": {
            "pendingSeconds": 60,
            "inProgressSeconds": create_s - 60,
            "deletePendingSeconds": 5,
            "deleteInProgressSeconds": delete_s - 5,
        },
    }
