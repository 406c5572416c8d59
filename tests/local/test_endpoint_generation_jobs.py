"""Audience generation jobs on the embedded endpoint, through an unmodified boto3 client."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.models import (
    GENERATION_QUOTA_NAME,
    IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT,
    ExportDurations,
)
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from cdk_cleanrooms_ml.local.cleanroomsml.seed import parse_seed
from tests.clock import FakeClock
from tests.local.support import JOB_ARN

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
MODEL = "arn:aws:cleanrooms-ml:us-east-1:444455556666:configured-audience-model/shared-model"
OTHER_MODEL = "arn:aws:cleanrooms-ml:us-east-1:444455556666:configured-audience-model/quiet"
ROLE = "arn:aws:iam::111122223333:role/seed-reader"
COLLABORATION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SIZES = [{"type": "PERCENTAGE", "value": 5}, {"type": "ABSOLUTE", "value": 10000}]
SEED: dict[str, Any] = {
    "audienceGenerationJobs": [
        {"audienceGenerationJobArn": JOB_ARN, "offeredSizes": [{"type": "PERCENTAGE", "value": 10}]}
    ],
    "configuredAudienceModels": [
        {"configuredAudienceModelArn": MODEL, "offeredSizes": SIZES},
        # A model whose owner shares no metrics: its jobs report none.
        {"configuredAudienceModelArn": OTHER_MODEL},
    ],
    "generationJobDurations": {
        "pendingSeconds": 10,
        "inProgressSeconds": 20,
        "deletePendingSeconds": 5,
        "deleteInProgressSeconds": 5,
    },
}


@pytest.fixture
def endpoint(clock: FakeClock) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(
        seed=SEED, clock=clock, durations=ExportDurations(pending=1, in_progress=1)
    )


@pytest.fixture
def url(endpoint: CleanRoomsMlEndpoint) -> Iterator[str]:
    with serve_endpoint(endpoint) as served:
        yield served


def client(url: str) -> Any:
    return boto3.client(
        "cleanroomsml",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


def start(c: Any, name: str, model: str = MODEL, **extra: Any) -> str:
    arn: str = c.start_audience_generation_job(
        name=name,
        configuredAudienceModelArn=model,
        seedAudience={"roleArn": ROLE, "dataSource": {"s3Uri": "s3://seeds/seed.jsonl"}},
        **extra,
    )["audienceGenerationJobArn"]
    return arn


def status(c: Any, arn: str) -> str:
    result: str = c.get_audience_generation_job(audienceGenerationJobArn=arn)["status"]
    return result


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_started_job_moves_to_active_and_reports_what_was_asked(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    arn = start(
        c,
        "lookalikes",
        description="q4",
        includeSeedInOutput=True,
        collaborationId=COLLABORATION,
        tags={"team": "ads"},
    )
    assert arn.startswith("arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/")
    seen = []
    for advance in (0, 10, 20):
        clock.advance(advance)
        seen.append(status(c, arn))
    assert seen == ["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"]
    job = c.get_audience_generation_job(audienceGenerationJobArn=arn)
    assert job["name"] == "lookalikes"
    assert job["description"] == "q4"
    assert job["includeSeedInOutput"] is True
    assert job["collaborationId"] == COLLABORATION
    assert job["seedAudience"]["dataSource"] == {"s3Uri": "s3://seeds/seed.jsonl"}
    assert job["startedBy"] == "111122223333"
    assert job["tags"] == {"team": "ads"}
    assert "protectedQueryIdentifier" not in job  # an S3 seed runs no query
    sizes = [m["audienceSize"] for m in job["metrics"]["relevanceMetrics"]]
    assert sizes == SIZES
    assert endpoint.model_violations == []


def test_metrics_only_once_active_and_only_when_the_model_offers_sizes(
    url: str, clock: FakeClock
) -> None:
    c = client(url)
    shared, quiet = start(c, "shared"), start(c, "quiet", model=OTHER_MODEL)
    assert "metrics" not in c.get_audience_generation_job(audienceGenerationJobArn=shared)
    clock.advance(30)
    assert "metrics" in c.get_audience_generation_job(audienceGenerationJobArn=shared)
    job = c.get_audience_generation_job(audienceGenerationJobArn=quiet)
    assert job["status"] == "ACTIVE" and "metrics" not in job


def test_sql_seed_gets_a_protected_query(url: str) -> None:
    c = client(url)
    arn = c.start_audience_generation_job(
        name="from-sql",
        configuredAudienceModelArn=MODEL,
        seedAudience={
            "roleArn": ROLE,
            "sqlParameters": {"queryString": "SELECT user_id FROM seeds"},
            "sqlComputeConfiguration": {"worker": {"type": "CR.4X", "number": 4}},
        },
    )["audienceGenerationJobArn"]
    job = c.get_audience_generation_job(audienceGenerationJobArn=arn)
    assert job["protectedQueryIdentifier"]
    assert job["seedAudience"]["sqlComputeConfiguration"]["worker"]["number"] == 4


def test_export_from_a_started_job_once_active(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = start(c, "to-export")
    size = {"type": "ABSOLUTE", "value": 10000}
    with pytest.raises(ClientError) as early:
        c.start_audience_export_job(name="e", audienceGenerationJobArn=arn, audienceSize=size)
    assert code(early) == "ValidationException" and "CREATE_PENDING" in str(early.value)
    clock.advance(30)
    c.start_audience_export_job(name="e", audienceGenerationJobArn=arn, audienceSize=size)
    with pytest.raises(ClientError) as unoffered:
        c.start_audience_export_job(
            name="f", audienceGenerationJobArn=arn, audienceSize={"type": "PERCENTAGE", "value": 7}
        )
    assert "not offered" in str(unoffered.value)


def test_bad_requests_are_refused_by_the_model_check(url: str) -> None:
    c = client(url)
    with pytest.raises(ClientError) as bad_model:
        start(c, "x", model="arn:aws:cleanrooms-ml:us-east-1:1:configured-audience-model/m")
    assert code(bad_model) == "ValidationException"
    assert "configuredAudienceModelArn" in str(bad_model.value)
    with pytest.raises(ClientError) as long_name:
        start(c, "n" * 64)
    assert "name: 64 characters, at most 63 allowed" in str(long_name.value)
    with pytest.raises(ClientError) as unknown_model:
        start(c, "x", model=MODEL.replace("shared-model", "missing"))
    assert code(unknown_model) == "ResourceNotFoundException"
    assert c.list_audience_generation_jobs()["audienceGenerationJobs"][0]["name"] != "x"


def test_a_taken_name_is_a_conflict_until_the_job_is_gone(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = start(c, "once")
    with pytest.raises(ClientError) as taken:
        start(c, "once", model=OTHER_MODEL)
    assert code(taken) == "ConflictException"
    # A seeded job's name is taken too.
    with pytest.raises(ClientError) as seeded:
        start(c, "example-lookalikes")
    assert code(seeded) == "ConflictException"
    clock.advance(30)
    c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    clock.advance(10)
    assert start(c, "once") != arn


def test_quota_of_pending_or_in_progress_jobs(url: str, clock: FakeClock) -> None:
    c = client(url)
    for index in range(IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT):
        start(c, f"job-{index}")
    with pytest.raises(ClientError) as hit:
        start(c, "one-too-many")
    assert code(hit) == "ServiceQuotaExceededException"
    answer: dict[str, Any] = dict(hit.value.response)
    assert answer["quotaName"] == GENERATION_QUOTA_NAME
    assert answer["quotaValue"] == IN_FLIGHT_GENERATION_JOBS_PER_ACCOUNT
    # ACTIVE jobs do not count.
    clock.advance(30)
    start(c, "one-too-many")


def test_list_is_paginated_and_filtered(endpoint: CleanRoomsMlEndpoint, url: str) -> None:
    endpoint.page_size = 2
    c = client(url)
    arns = [start(c, f"p-{i}", collaborationId=COLLABORATION) for i in range(3)]
    quiet = start(c, "quiet", model=OTHER_MODEL)
    pages = c.get_paginator("list_audience_generation_jobs").paginate(
        configuredAudienceModelArn=MODEL
    )
    listed = [job for page in pages for job in page["audienceGenerationJobs"]]
    assert [job["audienceGenerationJobArn"] for job in listed] == arns
    assert listed[0]["status"] == "CREATE_PENDING"
    assert listed[0]["collaborationId"] == COLLABORATION
    by_collaboration = c.list_audience_generation_jobs(
        collaborationId=COLLABORATION, maxResults=10
    )["audienceGenerationJobs"]
    assert len(by_collaboration) == 3
    everything = c.list_audience_generation_jobs(maxResults=100)["audienceGenerationJobs"]
    assert {job["audienceGenerationJobArn"] for job in everything} == {*arns, quiet, JOB_ARN}
    first = c.list_audience_generation_jobs(configuredAudienceModelArn=MODEL)
    with pytest.raises(ClientError) as foreign:
        c.list_audience_generation_jobs(nextToken=first["nextToken"])
    assert code(foreign) == "ValidationException"


def test_delete_runs_then_the_job_and_its_exports_are_gone(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    arn = start(c, "short-lived")
    with pytest.raises(ClientError) as creating:
        c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    assert code(creating) == "ConflictException"
    clock.advance(30)
    size = {"type": "PERCENTAGE", "value": 5}
    c.start_audience_export_job(name="e", audienceGenerationJobArn=arn, audienceSize=size)
    c.start_audience_export_job(
        name="e", audienceGenerationJobArn=JOB_ARN, audienceSize={"type": "PERCENTAGE", "value": 10}
    )
    c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    seen = [status(c, arn)]
    c.delete_audience_generation_job(audienceGenerationJobArn=arn)  # a repeat changes nothing
    clock.advance(5)
    seen.append(status(c, arn))
    assert seen == ["DELETE_PENDING", "DELETE_IN_PROGRESS"]
    assert len(c.list_audience_export_jobs(audienceGenerationJobArn=arn)["audienceExportJobs"]) == 1
    clock.advance(5)
    with pytest.raises(ClientError) as gone:
        status(c, arn)
    assert code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as again:
        c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    assert code(again) == "ResourceNotFoundException"
    assert c.list_audience_export_jobs(audienceGenerationJobArn=arn)["audienceExportJobs"] == []
    assert [e["audienceGenerationJobArn"] for e in endpoint.exports()] == [JOB_ARN]
    listed = c.list_audience_generation_jobs()["audienceGenerationJobs"]
    assert arn not in {job["audienceGenerationJobArn"] for job in listed}
    assert endpoint.model_violations == []


def test_tags_on_the_job_arn(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = start(c, "tagged", tags={"team": "ads", "cost": "1"})
    c.tag_resource(resourceArn=arn, tags={"cost": "2", "stage": "prod"})
    c.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    expected = {"cost": "2", "stage": "prod"}
    assert c.list_tags_for_resource(resourceArn=arn)["tags"] == expected
    assert c.get_audience_generation_job(audienceGenerationJobArn=arn)["tags"] == expected
    missing = arn.rsplit("/", 1)[0] + "/no-such-job"
    calls: list[Callable[[], object]] = [
        lambda: c.tag_resource(resourceArn=missing, tags={"a": "b"}),
        lambda: c.untag_resource(resourceArn=missing, tagKeys=["a"]),
        lambda: c.list_tags_for_resource(resourceArn=missing),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert code(error) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as too_long:
        c.tag_resource(resourceArn=arn, tags={"k" * 129: "v"})
    assert code(too_long) == "ValidationException"


def test_create_failure_injected(
    url: str, clock: FakeClock, endpoint: CleanRoomsMlEndpoint
) -> None:
    c = client(url)
    endpoint.faults.fail_generation_job(
        name="doomed", status_code="INSUFFICIENT_SEED", message="Seed has 3 ids; 25 needed"
    )
    fine = start(c, "fine")
    doomed = start(c, "doomed")
    clock.advance(30)
    assert status(c, fine) == "ACTIVE"
    job = c.get_audience_generation_job(audienceGenerationJobArn=doomed)
    assert job["status"] == "CREATE_FAILED"
    assert job["statusDetails"] == {
        "statusCode": "INSUFFICIENT_SEED",
        "message": "Seed has 3 ids; 25 needed",
    }
    assert "metrics" not in job
    # A failed job can be deleted.
    c.delete_audience_generation_job(audienceGenerationJobArn=doomed)
    clock.advance(10)
    with pytest.raises(ClientError):
        status(c, doomed)


def test_delete_failure_injected_through_the_admin_api(url: str, clock: FakeClock) -> None:
    c = client(url)
    arn = start(c, "sticky")
    clock.advance(30)
    body = {"kind": "fail-generation-job-delete", "audienceGenerationJobArn": arn}
    admin = urllib.request.Request(
        f"{url}/_local/faults", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(admin) as answer:
        assert answer.status == 204
    c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    clock.advance(10)
    job = c.get_audience_generation_job(audienceGenerationJobArn=arn)
    assert job["status"] == "DELETE_FAILED"
    assert job["statusDetails"]["message"] == (
        "The audience generation job could not be deleted (injected)"
    )
    # The failure was used up: a second Delete goes through.
    c.delete_audience_generation_job(audienceGenerationJobArn=arn)
    clock.advance(10)
    with pytest.raises(ClientError) as gone:
        status(c, arn)
    assert code(gone) == "ResourceNotFoundException"


def test_create_failure_and_quota_through_the_admin_api(url: str, clock: FakeClock) -> None:
    c = client(url)
    for body in ({"kind": "fail-generation-job"}, {"kind": "generation-quota"}):
        admin = urllib.request.Request(
            f"{url}/_local/faults", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(admin) as answer:
            assert answer.status == 204
    with pytest.raises(ClientError) as quota:
        start(c, "refused")
    assert dict(quota.value.response)["quotaName"] == GENERATION_QUOTA_NAME
    arn = start(c, "fails")
    clock.advance(30)
    assert status(c, arn) == "CREATE_FAILED"


def test_state_round_trips_through_the_state_file(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "cleanroomsml.json"

    def endpoint() -> CleanRoomsMlEndpoint:
        return CleanRoomsMlEndpoint(seed=SEED, clock=clock, state_file=state)

    first = endpoint()
    with serve_endpoint(first) as url:
        c = client(url)
        kept = start(c, "kept", tags={"team": "ads"})
        clock.advance(30)
        c.start_audience_export_job(
            name="e", audienceGenerationJobArn=kept, audienceSize={"type": "PERCENTAGE", "value": 5}
        )
        c.delete_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
        clock.advance(10)
        before = c.get_audience_generation_job(audienceGenerationJobArn=kept)
    second = endpoint()
    with serve_endpoint(second) as url:
        c = client(url)
        after = c.get_audience_generation_job(audienceGenerationJobArn=kept)
        before.pop("ResponseMetadata")
        after.pop("ResponseMetadata")
        assert after == before
        # The deleted seeded job stays deleted; the name stays taken by the kept job.
        with pytest.raises(ClientError) as gone:
            status(c, JOB_ARN)
        assert code(gone) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as taken:
            start(c, "kept")
        assert code(taken) == "ConflictException"
        assert [e["name"] for e in second.exports(kept)] == ["e"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"configuredAudienceModels": {}}, "'configuredAudienceModels' must be a list"),
        ({"configuredAudienceModels": [{"offeredSizes": []}]}, "configuredAudienceModelArn: req"),
        (
            {"configuredAudienceModels": [{"configuredAudienceModelArn": MODEL, "sizes": []}]},
            "unknown key 'sizes'",
        ),
        ({"generationJobDurations": {"pendingSeconds": -1}}, "pendingSeconds: must be a number"),
        ({"generationJobDurations": {"deleteSeconds": 1}}, "unknown key 'deleteSeconds'"),
        ({"generationJobs": []}, "unknown key 'generationJobs'"),
    ],
)
def test_seed_keys_for_started_jobs_are_checked(extra: dict[str, Any], needle: str) -> None:
    with pytest.raises(SeedError) as error:
        parse_seed({"audienceGenerationJobs": [], **extra}, now=0.0)
    assert needle in str(error.value)


def test_a_seed_without_models_serves_jobs_on_its_seeded_jobs_models(clock: FakeClock) -> None:
    endpoint = CleanRoomsMlEndpoint(clock=clock)  # the default seed: one ACTIVE job
    model = endpoint.backend.generation_jobs[JOB_ARN].configured_audience_model_arn
    with serve_endpoint(endpoint) as url:
        c = client(url)
        arn = start(c, "on-the-example-model", model=model)
        clock.advance(3)
        job = c.get_audience_generation_job(audienceGenerationJobArn=arn)
    assert job["status"] == "ACTIVE"
    assert len(job["metrics"]["relevanceMetrics"]) == 7
