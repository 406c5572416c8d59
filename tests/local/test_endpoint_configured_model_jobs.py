"""Generation jobs on configured audience models created through the API: the sizes they offer,
and a configured model a job still uses, through an unmodified boto3 client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clock import FakeClock
from tests.local.configured_model_support import (
    SEEDED_CONFIGURED,
    SIZES,
    create_configured,
    relevance_sizes,
    served,
    start_job,
)
from tests.local.owner_support import ARN_PREFIX, code, inject

BINS = [("ABSOLUTE", 10000), ("ABSOLUTE", 50000), ("ABSOLUTE", 100000)]


def _export(c: Any, job: str, name: str, kind: str, value: int) -> None:
    c.start_audience_export_job(
        name=name, audienceGenerationJobArn=job, audienceSize={"type": kind, "value": value}
    )


def test_a_job_on_a_created_model_offers_its_bins(clock: FakeClock) -> None:
    with served(clock) as c:
        model = create_configured(c, "offer", audienceSizeConfig=SIZES)
        job = start_job(c, "on-created", model)
        listed = c.list_audience_generation_jobs(configuredAudienceModelArn=model)
        assert [j["audienceGenerationJobArn"] for j in listed["audienceGenerationJobs"]] == [job]
        clock.advance(30)
        assert relevance_sizes(c, job) == BINS
        with pytest.raises(ClientError) as unoffered:
            _export(c, job, "too-small", "ABSOLUTE", 20000)
        assert code(unoffered) == "ValidationException"
        assert "not offered" in str(unoffered.value)
        _export(c, job, "offered", "ABSOLUTE", 50000)
        exports = c.list_audience_export_jobs(audienceGenerationJobArn=job)["audienceExportJobs"]
        assert [e["name"] for e in exports] == ["offered"]


@pytest.mark.parametrize(
    "settings",
    [
        {"sharedAudienceMetrics": ["NONE"], "audienceSizeConfig": SIZES},
        {"sharedAudienceMetrics": ["ALL"]},
    ],
    ids=["metrics-not-shared", "no-size-config"],
)
def test_a_model_sharing_no_sizes_offers_none(clock: FakeClock, settings: dict[str, Any]) -> None:
    with served(clock) as c:
        model = create_configured(c, "quiet", **settings)
        job = start_job(c, "on-quiet", model)
        clock.advance(30)
        assert relevance_sizes(c, job) == []
        assert "metrics" not in c.get_audience_generation_job(audienceGenerationJobArn=job)


def test_a_job_keeps_the_sizes_its_model_offered_when_it_started(clock: FakeClock) -> None:
    with served(clock) as c:
        model = create_configured(c, "changing", audienceSizeConfig=SIZES)
        first = start_job(c, "before-update", model)
        c.update_configured_audience_model(
            configuredAudienceModelArn=model,
            audienceSizeConfig={"audienceSizeType": "PERCENTAGE", "audienceSizeBins": [5, 5, 20]},
        )
        second = start_job(c, "after-update", model)
        c.update_configured_audience_model(
            configuredAudienceModelArn=model, sharedAudienceMetrics=["NONE"]
        )
        third = start_job(c, "not-shared", model)
        clock.advance(30)
        assert relevance_sizes(c, first) == BINS
        assert relevance_sizes(c, second) == [("PERCENTAGE", 5), ("PERCENTAGE", 20)]
        assert relevance_sizes(c, third) == []


def test_seeded_configured_models_work_as_before(clock: FakeClock) -> None:
    with served(clock) as c:
        job = start_job(c, "on-seeded", SEEDED_CONFIGURED)
        clock.advance(30)
        assert relevance_sizes(c, job) == [("PERCENTAGE", 5)]
        # Known to generation jobs only: the configured-model API does not serve them.
        with pytest.raises(ClientError) as not_served:
            c.get_configured_audience_model(configuredAudienceModelArn=SEEDED_CONFIGURED)
        assert code(not_served) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as unknown:
            start_job(c, "on-missing", ARN_PREFIX + "configured-audience-model/missing")
        assert code(unknown) == "ResourceNotFoundException"


def test_a_model_a_job_uses_cannot_be_deleted_until_the_job_is_deleted(clock: FakeClock) -> None:
    with served(clock) as c:
        model = create_configured(c, "busy", audienceSizeConfig=SIZES)
        job = start_job(c, "user", model)
        for advance in (0, 30):  # creating, then ACTIVE
            clock.advance(advance)
            with pytest.raises(ClientError) as in_use:
                c.delete_configured_audience_model(configuredAudienceModelArn=model)
            assert code(in_use) == "ConflictException"
            assert "user" in str(in_use.value)
        c.delete_audience_generation_job(audienceGenerationJobArn=job)
        c.delete_configured_audience_model(configuredAudienceModelArn=model)
        with pytest.raises(ClientError) as gone:
            start_job(c, "too-late", model)
        assert code(gone) == "ResourceNotFoundException"


def test_a_job_whose_delete_failed_still_uses_the_model(clock: FakeClock) -> None:
    with served(clock) as c:
        model = create_configured(c, "stuck")
        job = start_job(c, "undeletable", model)
        clock.advance(30)
        inject(
            c.meta.endpoint_url,
            {"kind": "fail-generation-job-delete", "audienceGenerationJobArn": job},
        )
        c.delete_audience_generation_job(audienceGenerationJobArn=job)
        clock.advance(10)
        status = c.get_audience_generation_job(audienceGenerationJobArn=job)["status"]
        assert status == "DELETE_FAILED"
        with pytest.raises(ClientError) as in_use:
            c.delete_configured_audience_model(configuredAudienceModelArn=model)
        assert code(in_use) == "ConflictException"
        c.delete_audience_generation_job(audienceGenerationJobArn=job)  # a retry runs
        c.delete_configured_audience_model(configuredAudienceModelArn=model)
