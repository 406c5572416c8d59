"""Generation jobs with a SQL seed, end to end through the handler against the offline endpoint:
a query on CR.8X workers with Spark properties, an analysis template with parameters, and the
ownership tag. The members the service added after the audience APIs' launch (botocore 1.34.77
knows none of ``sqlParameters`` or ``sqlComputeConfiguration``): they reach the service through
the models the handler ships, whatever botocore the runtime has (see
tests/local/test_old_botocore.py)."""

from __future__ import annotations

from typing import Any, Final

from cdk_cleanrooms_ml._handler import tags as tag_rules
from tests.handler.chains import run_chain, succeeded
from tests.handler.generation_support import (
    ROLE_ARN,
    START_JOB,
    job_event,
    job_properties,
    serve_jobs,
    tags_of,
)
from tests.handler.services import Services
from tests.handler.support import ACCOUNT

TEMPLATE_ARN: Final = (
    f"arn:aws:cleanrooms:us-east-1:{ACCOUNT}:membership/"
    "5e0c7a3d-2b4f-4c19-8a6e-0d1f2a3b4c5d/analysistemplate/7f3e2d1c-0b9a-4e8d-9c7b-6a5f4e3d2c1b"
)


def create(services: Services, seed: dict[str, Any], **props: Any) -> dict[str, Any]:
    event = job_event("Create", job_properties(SeedAudience=seed, **props))
    return succeeded(run_chain(services, event).answer)


def test_a_query_seed_on_cr_8x_workers_starts_the_job_the_model_describes(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=60.0)
    seed = {
        "RoleArn": ROLE_ARN,
        "SqlParameters": {"QueryString": "SELECT user_id FROM seeds WHERE q = 4"},
        "SqlComputeConfiguration": {
            "Worker": {
                "Type": "CR.8X",
                "Number": "16",
                "Properties": {"Spark": {"spark.sql.shuffle.partitions": "64"}},
            }
        },
    }

    response = create(services, seed)

    [start] = jobs.endpoint.calls_to(START_JOB)
    assert start.params["seedAudience"] == {
        "roleArn": ROLE_ARN,
        "sqlParameters": {"queryString": "SELECT user_id FROM seeds WHERE q = 4"},
        "sqlComputeConfiguration": {
            "worker": {
                "type": "CR.8X",
                "number": 16,
                "properties": {"spark": {"spark.sql.shuffle.partitions": "64"}},
            }
        },
    }
    assert response["Data"]["Status"] == "ACTIVE"


def test_an_analysis_template_seed_with_parameters_starts_the_job(services: Services) -> None:
    jobs = serve_jobs(services, create_s=60.0)
    seed = {
        "RoleArn": ROLE_ARN,
        "SqlParameters": {
            "AnalysisTemplateArn": TEMPLATE_ARN,
            "Parameters": {"quarter": "4", "region": "emea"},
        },
    }

    create(services, seed)

    [start] = jobs.endpoint.calls_to(START_JOB)
    assert start.params["seedAudience"]["sqlParameters"] == {
        "analysisTemplateArn": TEMPLATE_ARN,
        "parameters": {"quarter": "4", "region": "emea"},
    }


def test_a_sql_seeded_job_carries_the_ownership_tag(services: Services) -> None:
    jobs = serve_jobs(services, create_s=60.0)
    seed = {"RoleArn": ROLE_ARN, "SqlParameters": {"QueryString": "SELECT 1"}}

    response = create(services, seed, Tags=[{"Key": "team", "Value": "growth"}])

    tags = tags_of(jobs, response["PhysicalResourceId"])
    assert tags["team"] == "growth"
    assert tags[tag_rules.OWNER_TAG_KEY]  # which stack resource started it
