"""The embedded endpoint, through an unmodified boto3 client."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.models import EXPORTS_PER_GENERATION_JOB, ExportDurations
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from tests.clock import FakeClock
from tests.local.support import JOB_ARN

OTHER_JOB = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/other"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def seed(**job: Any) -> dict[str, Any]:
    base = {
        "audienceGenerationJobArn": JOB_ARN,
        "offeredSizes": [{"type": "PERCENTAGE", "value": 10}, {"type": "PERCENTAGE", "value": 20}],
    }
    other = {"audienceGenerationJobArn": OTHER_JOB, "offeredSizes": []}
    return {"audienceGenerationJobs": [{**base, **job}, other]}


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(
        seed=seed(), clock=clock, durations=ExportDurations(pending=10, in_progress=20)
    )


@pytest.fixture
def url(endpoint: CleanRoomsMlEndpoint) -> Iterator[str]:
    with serve_endpoint(endpoint) as served:
        yield served


def client(url: str, config: Config = NO_RETRIES) -> Any:
    return boto3.client(
        "cleanroomsml",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def start(c: Any, name: str, value: int = 20, job: str = JOB_ARN, **extra: Any) -> None:
    c.start_audience_export_job(
        name=name,
        audienceGenerationJobArn=job,
        audienceSize={"type": "PERCENTAGE", "value": value},
        **extra,
    )


def test_generation_job_reports_its_offered_sizes_as_relevance_metrics(url: str) -> None:
    job = client(url).get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
    assert job["status"] == "ACTIVE"
    sizes = [m["audienceSize"] for m in job["metrics"]["relevanceMetrics"]]
    assert sizes == [{"type": "PERCENTAGE", "value": 10}, {"type": "PERCENTAGE", "value": 20}]
    assert job["configuredAudienceModelArn"].endswith(
        ":configured-audience-model/example-lookalikes-model"
    )


def test_default_seed_is_the_example_job() -> None:
    endpoint = CleanRoomsMlEndpoint()
    job = endpoint.backend.generation_jobs[JOB_ARN]
    assert job.offered_sizes == [
        ("PERCENTAGE", 5),
        ("PERCENTAGE", 10),
        ("PERCENTAGE", 20),
        ("PERCENTAGE", 50),
        ("ABSOLUTE", 10000),
        ("ABSOLUTE", 50000),
        ("ABSOLUTE", 100000),
    ]
    assert endpoint.backend.durations == ExportDurations(pending=1.0, in_progress=2.0)


def test_export_moves_through_its_statuses_and_gets_an_output_location(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    start(c, "q4", description="top 20%")
    seen = []
    for advance in (0, 10, 20):
        clock.advance(advance)
        [job] = c.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN)["audienceExportJobs"]
        seen.append(job["status"])
    assert seen == ["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"]
    assert job["outputLocation"].startswith("s3://")
    assert job["description"] == "top 20%"
    assert job["audienceSize"] == {"type": "PERCENTAGE", "value": 20}
    assert endpoint.model_violations == []


def test_list_paginates_with_next_token_and_max_results(url: str, clock: FakeClock) -> None:
    c = client(url)
    for index in range(7):
        start(c, f"e{index}", 10 if index % 2 else 20)
        clock.advance(30)  # keep the account's in-flight quota out of the way
    start(c, "elsewhere", job=OTHER_JOB)
    first = c.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN, maxResults=3)
    assert [j["name"] for j in first["audienceExportJobs"]] == ["e0", "e1", "e2"]
    second = c.list_audience_export_jobs(
        audienceGenerationJobArn=JOB_ARN, maxResults=3, nextToken=first["nextToken"]
    )
    assert [j["name"] for j in second["audienceExportJobs"]] == ["e3", "e4", "e5"]
    pages = list(
        c.get_paginator("list_audience_export_jobs").paginate(
            audienceGenerationJobArn=JOB_ARN, PaginationConfig={"PageSize": 2}
        )
    )
    assert len(pages) == 4
    assert "nextToken" not in pages[-1]
    assert [j["name"] for p in pages for j in p["audienceExportJobs"]] == [
        f"e{i}" for i in range(7)
    ]
    # Without a filter: every export of the account, ten per page by default.
    everything = c.list_audience_export_jobs()
    assert len(everything["audienceExportJobs"]) == 8
    assert "nextToken" not in everything


def test_a_token_from_another_listing_is_rejected(url: str) -> None:
    c = client(url)
    for index in range(3):
        start(c, f"e{index}")
    token = c.list_audience_export_jobs(audienceGenerationJobArn=JOB_ARN, maxResults=1)["nextToken"]
    with pytest.raises(c.exceptions.ValidationException):
        c.list_audience_export_jobs(audienceGenerationJobArn=OTHER_JOB, nextToken=token)
    with pytest.raises(c.exceptions.ValidationException):
        c.list_audience_export_jobs(nextToken="garbage!")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"name": "bad\U0001f600name"}, "name: does not match the pattern"),
        ({"name": "x" * 64}, "name: 64 characters, at most 63 allowed"),
        ({"name": "   "}, "name: does not match the pattern"),
        ({"audienceSize": {"type": "PERCENTAGE", "value": 25}}, "PERCENTAGE 25 is not offered"),
        ({"audienceSize": {"type": "PERCENTAGE", "value": 20_000_001}}, "above the maximum"),
        ({"description": "d" * 256}, "description: 256 characters"),
        ({"audienceGenerationJobArn": "arn:aws:s3:::bucket/whatever-long"}, "does not match"),
    ],
)
def test_requests_are_checked_against_the_model(
    url: str, kwargs: dict[str, Any], needle: str
) -> None:
    c = client(url)
    request = {
        "name": "ok",
        "audienceGenerationJobArn": JOB_ARN,
        "audienceSize": {"type": "PERCENTAGE", "value": 20},
        **kwargs,
    }
    with pytest.raises(c.exceptions.ValidationException) as caught:
        c.start_audience_export_job(**request)
    assert needle in caught.value.response["Error"]["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_generation_job_is_resource_not_found(url: str) -> None:
    c = client(url)
    missing = JOB_ARN + "-missing"
    with pytest.raises(c.exceptions.ResourceNotFoundException) as caught:
        c.get_audience_generation_job(audienceGenerationJobArn=missing)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "ResourceNotFoundException"
    )
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        start(c, "x", job=missing)


def test_a_second_export_of_the_same_name_is_a_conflict(
    url: str, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    start(c, "same")
    with pytest.raises(c.exceptions.ConflictException) as caught:
        start(c, "same", 10)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert len(endpoint.exports(JOB_ARN)) == 1


def test_quota_of_active_exports_per_generation_job(url: str, clock: FakeClock) -> None:
    c = client(url)
    for index in range(EXPORTS_PER_GENERATION_JOB):
        start(c, f"e{index}")
        clock.advance(31)  # ACTIVE before the next, so only the per-job quota applies
    with pytest.raises(c.exceptions.ServiceQuotaExceededException) as caught:
        start(c, "one-too-many")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert error["quotaValue"] == 25.0
    assert "per audience generation job" in error["quotaName"]
    start(c, "on-another-job", job=OTHER_JOB)  # the quota is per generation job


def test_quota_of_in_flight_exports_per_account(url: str) -> None:
    c = client(url)
    for index in range(20):
        start(c, f"e{index}", job=JOB_ARN if index < 10 else OTHER_JOB)
    with pytest.raises(c.exceptions.ServiceQuotaExceededException) as caught:
        start(c, "twenty-first")
    assert caught.value.response["quotaValue"] == 20.0


def test_injected_throttling_is_parsed_and_absorbed_by_standard_retries(
    url: str, endpoint: CleanRoomsMlEndpoint
) -> None:
    endpoint.faults.throttle(1, operation="GetAudienceGenerationJob")
    with pytest.raises(client(url).exceptions.ThrottlingException) as caught:
        client(url).get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    endpoint.faults.throttle(2)
    retrying = client(url, Config(retries={"mode": "standard", "total_max_attempts": 5}))
    response = retrying.get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    statuses = [call.status for call in endpoint.calls_to("GetAudienceGenerationJob")]
    assert statuses == [429, 429, 429, 200]


def test_injected_server_errors_and_quota_hits(url: str, endpoint: CleanRoomsMlEndpoint) -> None:
    c = client(url)
    endpoint.faults.server_error(1, operation="ListAudienceExportJobs")
    with pytest.raises(c.exceptions.InternalServiceException) as caught:
        c.list_audience_export_jobs()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    endpoint.faults.quota_hit()
    with pytest.raises(c.exceptions.ServiceQuotaExceededException):
        start(c, "blocked")
    endpoint.faults.error("AccessDeniedException", operation="StartAudienceExportJob", message="no")
    with pytest.raises(c.exceptions.AccessDeniedException):
        start(c, "denied")
    start(c, "finally")
    assert [e["name"] for e in endpoint.exports()] == ["finally"]


def test_injected_export_failure_ends_create_failed(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    endpoint.faults.fail_export(name="doomed", status_code="INTERNAL_ERROR", message="disk full")
    start(c, "fine")
    start(c, "doomed")
    clock.advance(60)
    jobs = {j["name"]: j for j in c.list_audience_export_jobs()["audienceExportJobs"]}
    assert jobs["fine"]["status"] == "ACTIVE"
    assert jobs["doomed"]["status"] == "CREATE_FAILED"
    assert jobs["doomed"]["statusDetails"] == {
        "statusCode": "INTERNAL_ERROR",
        "message": "disk full",
    }
    assert "outputLocation" not in jobs["doomed"]


def test_generation_job_in_progress_refuses_exports_until_active(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    endpoint.faults.generation_job_in_progress(JOB_ARN, seconds=5)
    job = c.get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
    assert job["status"] == "CREATE_IN_PROGRESS"
    assert "metrics" not in job
    with pytest.raises(c.exceptions.ValidationException):
        start(c, "early")
    clock.advance(5)
    assert c.get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)["status"] == "ACTIVE"
    start(c, "on-time")


def test_botocore_own_validation_still_applies(url: str) -> None:
    with pytest.raises(ParamValidationError):
        client(url).list_audience_export_jobs(maxResults=0)


def test_admin_api_injects_faults_and_shows_state(url: str, endpoint: CleanRoomsMlEndpoint) -> None:
    def post(body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            f"{url}/_local/faults", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)

    assert post({"kind": "throttle", "count": 1, "operation": "ListAudienceExportJobs"}) == 204
    c = client(url)
    with pytest.raises(ClientError) as caught:
        c.list_audience_export_jobs()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    post({"kind": "fail-export", "name": "x"})
    start(c, "x")
    with urllib.request.urlopen(f"{url}/_local/state", timeout=5) as response:
        state = json.load(response)
    assert [e["name"] for e in state["exportJobs"]] == ["x"]
    assert [call["operation"] for call in state["calls"]] == [
        "ListAudienceExportJobs",
        "StartAudienceExportJob",
    ]
    assert endpoint.backend.export_jobs[0].failure is not None


def test_export_jobs_persist_in_the_state_file(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "endpoint.json"
    first = CleanRoomsMlEndpoint(seed=seed(), clock=clock, state_file=state)
    with serve_endpoint(first) as url:
        start(client(url), "kept")
    second = CleanRoomsMlEndpoint(seed=seed(), clock=clock, state_file=state)
    with serve_endpoint(second) as url:
        names = [j["name"] for j in client(url).list_audience_export_jobs()["audienceExportJobs"]]
    assert names == ["kept"]


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({"audienceGenerationJobs": {}}, "must be a list"),
        ({"audienceGenerationJobs": [{"audienceGenerationJobArn": "nope"}]}, "does not match"),
        (
            {
                "audienceGenerationJobs": [
                    {
                        "audienceGenerationJobArn": JOB_ARN,
                        "offeredSizes": [{"type": "X", "value": 1}],
                    }
                ]
            },
            "is not one of",
        ),
        ({"audienceGenerationJobs": [], "outputLocationPrefix": "http://x"}, "s3://"),
    ],
)
def test_bad_seeds_are_explained(bad: dict[str, Any], needle: str) -> None:
    with pytest.raises(SeedError, match=needle):
        CleanRoomsMlEndpoint(seed=bad)
