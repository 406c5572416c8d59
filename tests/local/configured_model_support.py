"""Shared pieces of the configured-audience-model endpoint tests: a seed, a served endpoint, and
how a test creates a configured model and starts a generation job on it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from tests.clock import FakeClock
from tests.local.owner_support import SEED as OWNER_SEED
from tests.local.owner_support import SEEDED_MODEL, client

OUTPUT_ROLE: Final = "arn:aws:iam::111122223333:role/cleanrooms-ml-output"
OUTPUT: Final[dict[str, Any]] = {
    "destination": {"s3Destination": {"s3Uri": "s3://audiences/out/"}},
    "roleArn": OUTPUT_ROLE,
}
SIZES: Final[dict[str, Any]] = {
    "audienceSizeType": "ABSOLUTE",
    "audienceSizeBins": [10000, 50000, 100000],
}
SEED_ROLE: Final = "arn:aws:iam::111122223333:role/seed-reader"
# Seeded beside the owner's dataset and ACTIVE model: a configured model that only generation
# jobs know (as before configured models could be created), offering 5 %.
SEEDED_CONFIGURED: Final = (
    "arn:aws:cleanrooms-ml:us-east-1:444455556666:configured-audience-model/seeded-offer"
)
SEED: Final[dict[str, Any]] = {
    **OWNER_SEED,
    "configuredAudienceModels": [
        {
            "configuredAudienceModelArn": SEEDED_CONFIGURED,
            "offeredSizes": [{"type": "PERCENTAGE", "value": 5}],
        }
    ],
    "generationJobDurations": {
        "pendingSeconds": 10,
        "inProgressSeconds": 20,
        "deletePendingSeconds": 5,
        "deleteInProgressSeconds": 5,
    },
}


@contextmanager
def served(clock: FakeClock, state_file: Path | None = None) -> Iterator[Any]:
    """A client of a fresh endpoint on ``SEED`` (its state in ``state_file``, when given)."""
    endpoint = CleanRoomsMlEndpoint(seed=SEED, clock=clock, state_file=state_file)
    with serve_endpoint(endpoint) as url:
        yield client(url)
    assert endpoint.model_violations == []


def create_configured(c: Any, name: str, model: str = SEEDED_MODEL, **extra: Any) -> str:
    """Create a configured model on ``model`` (sharing all metrics unless ``extra`` says)."""
    request: dict[str, Any] = {
        "name": name,
        "audienceModelArn": model,
        "outputConfig": OUTPUT,
        "sharedAudienceMetrics": ["ALL"],
        **extra,
    }
    arn: str = c.create_configured_audience_model(**request)["configuredAudienceModelArn"]
    return arn


def start_job(c: Any, name: str, configured_arn: str) -> str:
    arn: str = c.start_audience_generation_job(
        name=name,
        configuredAudienceModelArn=configured_arn,
        seedAudience={"roleArn": SEED_ROLE, "dataSource": {"s3Uri": "s3://seeds/seed.jsonl"}},
    )["audienceGenerationJobArn"]
    return arn


def relevance_sizes(c: Any, job_arn: str) -> list[tuple[str, int]]:
    """The sizes an ACTIVE job's metrics report ([] when it has none)."""
    job = c.get_audience_generation_job(audienceGenerationJobArn=job_arn)
    assert job["status"] == "ACTIVE"
    metrics = job.get("metrics", {}).get("relevanceMetrics", [])
    return [(m["audienceSize"]["type"], m["audienceSize"]["value"]) for m in metrics]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
