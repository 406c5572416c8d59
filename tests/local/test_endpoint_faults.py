"""The embedded endpoint's fault modes the load tests rely on, through a plain boto3 client."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanroomsml.models import (
    IN_FLIGHT_QUOTA_NAME,
    PER_JOB_QUOTA_NAME,
    ExportDurations,
)
from cdk_cleanrooms_ml.local.cleanroomsml.operations import LIST
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from tests.clock import FakeClock
from tests.local.support import JOB_ARN

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    seed = {"audienceGenerationJobs": [{"audienceGenerationJobArn": JOB_ARN}]}
    return CleanRoomsMlEndpoint(
        seed=seed, clock=clock, durations=ExportDurations(pending=10, in_progress=20)
    )


@pytest.fixture
def client(endpoint: CleanRoomsMlEndpoint) -> Iterator[Any]:
    with serve_endpoint(endpoint) as url:
        yield boto3.client(
            "cleanroomsml",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES,
        )


def start(client: Any, name: str) -> None:
    client.start_audience_export_job(
        name=name,
        audienceGenerationJobArn=JOB_ARN,
        audienceSize={"type": "PERCENTAGE", "value": 20},
    )


def modeled(error: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    """The error's response, with the members the service model adds (quotaName, ...)."""
    return dict(error.value.response)


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_rate_limit_is_a_token_bucket_per_operation(
    client: Any, endpoint: CleanRoomsMlEndpoint, clock: FakeClock
) -> None:
    endpoint.faults.rate_limit(5)
    for _ in range(5):
        client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    with pytest.raises(ClientError) as throttled:
        client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    assert code(throttled) == "ThrottlingException"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    # Another operation has its own bucket.
    client.get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
    clock.advance(0.2)  # one token back
    client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    with pytest.raises(ClientError):
        client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    endpoint.faults.rate_limit(0)
    client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)


def test_a_lost_answer_commits_the_start_and_answers_500(
    client: Any, endpoint: CleanRoomsMlEndpoint
) -> None:
    endpoint.faults.lose_answers(1)
    with pytest.raises(ClientError) as lost:
        start(client, "lost")
    assert lost.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert [e["name"] for e in endpoint.exports(JOB_ARN)] == ["lost"]
    with pytest.raises(ClientError) as again:
        start(client, "lost")
    assert code(again) == "ConflictException"


def test_the_two_quotas_are_told_apart_by_quota_name(
    client: Any, endpoint: CleanRoomsMlEndpoint
) -> None:
    endpoint.faults.in_flight_quota_hit()
    endpoint.faults.quota_hit()
    with pytest.raises(ClientError) as in_flight:
        start(client, "a")
    with pytest.raises(ClientError) as per_job:
        start(client, "b")
    assert modeled(in_flight)["quotaName"] == IN_FLIGHT_QUOTA_NAME
    assert modeled(in_flight)["quotaValue"] == 20
    assert modeled(per_job)["quotaName"] == PER_JOB_QUOTA_NAME
    assert modeled(per_job)["quotaValue"] == 25
    for n in range(20):
        start(client, f"e{n}")
    with pytest.raises(ClientError) as natural:
        start(client, "e20")
    assert modeled(natural)["quotaName"] == IN_FLIGHT_QUOTA_NAME


def test_admin_api_sets_the_new_faults(client: Any, endpoint: CleanRoomsMlEndpoint) -> None:
    base = client.meta.endpoint_url

    def post(body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            f"{base}/_local/faults", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request) as answer:
            return int(answer.status)

    assert post({"kind": "rate-limit", "perSecond": 1, "operation": LIST}) == 204
    assert post({"kind": "lose-answer"}) == 204
    assert post({"kind": "in-flight-quota"}) == 204
    client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    with pytest.raises(ClientError) as throttled:
        client.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)
    assert code(throttled) == "ThrottlingException"
    with pytest.raises(ClientError) as quota:
        start(client, "x")
    assert modeled(quota)["quotaName"] == IN_FLIGHT_QUOTA_NAME
    with pytest.raises(ClientError):
        start(client, "y")  # committed, answer lost
    assert [e["name"] for e in endpoint.exports(JOB_ARN)] == ["y"]
