"""Generation job resources for handler tests: their events, and the endpoint that runs them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final

from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations, GenerationJobDurations
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, FUNCTION_ARN, MODEL_ARN, cfn_event

ROLE_ARN: Final = f"arn:aws:iam::{ACCOUNT}:role/seed-reader"
SEED_URI: Final = "s3://seed-bucket/seed.jsonl"
JOB_LOGICAL_ID: Final = "Lookalikes"
SIZES: Final = [("ABSOLUTE", 10000), ("PERCENTAGE", 20)]
START_JOB: Final = "StartAudienceGenerationJob"
GET_JOB: Final = "GetAudienceGenerationJob"
DELETE_JOB: Final = "DeleteAudienceGenerationJob"
LIST_JOBS: Final = "ListAudienceGenerationJobs"


def job_properties(**changes: Any) -> dict[str, Any]:
    """A generation job's ResourceProperties as CloudFormation sends them (strings), with
    ``changes`` on top (a value of None removes the key)."""
    props: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "ConfiguredAudienceModelArn": MODEL_ARN,
        "SeedAudience": {"RoleArn": ROLE_ARN, "DataSource": {"S3Uri": SEED_URI}},
        "Name": "q4-lookalikes",
    }
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = copy.deepcopy(value)
    return props


def job_event(
    request_type: str,
    props: Any,
    *,
    physical_id: str | None = None,
    old: Any = None,
) -> dict[str, Any]:
    event = cfn_event(
        request_type,
        props,
        physical_id=physical_id,
        old_properties=old,
        logical_id=JOB_LOGICAL_ID,
    )
    event["ResourceType"] = job_fields.GENERATION_JOB_RESOURCE_TYPE
    return event


@dataclass
class LocalJobs:
    """The harness's endpoint serving generation jobs on the test's clock."""

    endpoint: CleanRoomsMlEndpoint
    url: str

    def jobs(self) -> list[dict[str, Any]]:
        """Every job as ListAudienceGenerationJobs shows it, oldest first."""
        jobs = self.endpoint.backend.list_audience_generation_jobs(None, None)
        return [dict(job) for job in jobs]

    def names(self) -> list[str]:
        return [str(job["name"]) for job in self.jobs()]

    def starts(self) -> int:
        return len(self.endpoint.calls_to(START_JOB))


def serve_jobs(
    services: Services,
    *,
    create_s: float = 600.0,
    delete_s: float = 60.0,
) -> LocalJobs:
    """Serve the endpoint with the model ``MODEL_ARN`` (offering ``SIZES``); a job takes
    ``create_s`` to be ACTIVE (1 s of it CREATE_PENDING) and ``delete_s`` to be gone."""
    endpoint = CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [],
            "configuredAudienceModels": [
                {
                    "configuredAudienceModelArn": MODEL_ARN,
                    "offeredSizes": [{"type": t, "value": v} for t, v in SIZES],
                }
            ],
        },
        durations=ExportDurations(pending=1.0, in_progress=5.0),
        generation_durations=GenerationJobDurations(
            pending=1.0,
            in_progress=create_s - 1.0,
            delete_pending=1.0,
            delete_in_progress=delete_s - 1.0,
        ),
        clock=services.clock.now,
        account_id=ACCOUNT,
    )
    server = LoopbackServer([endpoint]).start()
    services.use_endpoint(server)
    return LocalJobs(endpoint, server.url)


def tags_of(jobs: LocalJobs, arn: str) -> dict[str, str]:
    tags = jobs.endpoint.backend.list_tags_for_resource(arn)["tags"]
    assert isinstance(tags, dict)
    return {str(key): str(value) for key, value in tags.items()}
