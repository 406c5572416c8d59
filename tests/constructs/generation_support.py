"""Shared values and helpers of the generation job construct tests."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment, Stack

from cdk_cleanrooms_ml import GENERATION_JOB_RESOURCE_TYPE, AudienceGenerationJob, SeedAudience
from tests.constructs.support import ACCOUNT, REGION, resources_of_type

MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/model-1"
OTHER_MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/model-2"
SEED_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/cleanrooms-ml-seed"
SEED_URI = "s3://seed-bucket/seeds/users.jsonl"
TEMPLATE_ARN = (
    f"arn:aws:cleanrooms:{REGION}:{ACCOUNT}:membership/0a1b2c3d-membership"
    "/analysistemplate/seed-template"
)
COLLABORATION_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
# The jobs pattern as Stack.format_arn renders it for a stack with a concrete env.
ACCOUNT_JOBS = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*",
        ],
    ]
}


def job_stack(app: App | None = None, name: str = "TestStack") -> Stack:
    """A stack with a concrete account and region (so the jobs pattern names them)."""
    return Stack(app or App(), name, env=Environment(account=ACCOUNT, region=REGION))


def s3_job(stack: Stack, construct_id: str = "Job", **props: Any) -> AudienceGenerationJob:
    """A job with an S3 seed and the seed role by ARN; ``props`` override or add."""
    values: dict[str, Any] = {
        "configured_audience_model_arn": MODEL_ARN,
        "seed_audience": SeedAudience.from_s3(SEED_URI, role=SEED_ROLE_ARN),
    }
    values.update(props)
    return AudienceGenerationJob(stack, construct_id, **values)


def job_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, GENERATION_JOB_RESOURCE_TYPE)


def only_job(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The logical id and resource of the template's one generation job."""
    [(logical_id, resource)] = job_resources(template).items()
    return logical_id, resource


def policy_resource(template: dict[str, Any], construct_id: str) -> tuple[str, dict[str, Any]]:
    """The one ``AWS::IAM::Policy`` whose logical id holds ``construct_id``."""
    found = [
        (logical_id, resource)
        for logical_id, resource in resources_of_type(template, "AWS::IAM::Policy").items()
        if construct_id in logical_id
    ]
    assert len(found) == 1, found
    return found[0]
