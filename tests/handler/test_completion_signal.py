"""Waiting beyond one hour: the resource answers once started, and a chain of scheduled poller
invocations signals its WaitCondition: SUCCESS, or FAILURE with the reason — never silence."""

from __future__ import annotations

import json
import logging

import pytest

from cdk_cleanrooms_ml._handler.fields import common as common_fields
from tests.handler.generation_support import START_JOB, job_event, job_properties, serve_jobs
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.services import Services
from tests.handler.signal_support import (
    create_with_signal,
    run_poller,
    signalled,
    signals,
)
from tests.handler.support import cfn_event, handle_url, invoke_handler, properties

HOUR = 3600.0


def test_a_three_hour_job_completes_the_resource_at_once_and_signals_when_active(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jobs = serve_jobs(services, create_s=3 * HOUR)
    url = handle_url()
    started = services.clock.now()

    answer, poller = create_with_signal(services, job_properties(**signalled(url)))

    assert answer["Data"]["Status"] == "CREATE_PENDING"
    assert services.clock.now() - started < 60  # answered once started, not after 3 hours
    assert poller["AudienceExportContinuation"]["Phase"] == "signal"
    assert signals(url) == []
    runs = run_poller(services, poller)
    [signal] = signals(url)
    assert signal["Status"] == "SUCCESS"
    assert signal["UniqueId"] == "q4-lookalikes"
    data = json.loads(signal["Data"])
    assert data["Status"] == "ACTIVE"
    assert data["OfferedSizes"] == "ABSOLUTE:10000,PERCENTAGE:20"
    assert services.clock.now() - started >= 3 * HOUR
    # Bounded Lambda use: polls 1, 2, 3, 4, then 5 minutes apart: at most 15 per hour waited.
    assert len(runs) <= 15 * 3
    # Seen within one poll interval (5 minutes) and Scheduler's minute of precision.
    assert services.clock.now() - started <= 3 * HOUR + 360
    assert jobs.starts() == 1
    # The presigned URLs are secrets: neither they nor their signatures reach the log.
    secret = url.split("X-Amz-Signature=")[1]
    assert secret not in caplog.text
    assert url not in caplog.text
    # Nor the ResponseURL's, though every hand-over payload (logged at DEBUG) carries it.
    assert "X-Amz-Signature=" not in caplog.text


def test_create_failed_at_hour_two_signals_failure_with_the_reason_and_stops(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=2 * HOUR)
    jobs.endpoint.faults.fail_generation_job(status_code="SEED_TOO_SMALL", message="25 ids needed")
    url = handle_url()

    _, poller = create_with_signal(services, job_properties(**signalled(url)))
    runs = run_poller(services, poller)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "CREATE_FAILED (SEED_TOO_SMALL: 25 ids needed)" in signal["Reason"]
    assert "CreateSchedule" not in runs[-1].operations  # stopped: nothing left running


def test_a_deleted_job_signals_failure_and_stops_within_one_poll(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5 * HOUR, delete_s=10.0)  # gone within the Delete
    url = handle_url()
    answer, poller = create_with_signal(services, job_properties(**signalled(url)))
    # An hour in, the stack is deleted (or rolled back): its Delete deletes the job (made
    # deletable here: a job still being created cannot be).
    services.clock.advance(HOUR)
    jobs.endpoint.faults.generation_job_in_progress(answer["PhysicalResourceId"], seconds=0.0)
    for _ in range(3):  # its pending poll is deleted too (whichever slot it is in)
        services.expect_delete_schedule()
    deleted = invoke_handler(
        job_event(
            "Delete", job_properties(**signalled(url)), physical_id=answer["PhysicalResourceId"]
        ),
        services=services,
        remaining_ms=900_000,
    )
    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"

    runs = run_poller(services, poller)

    assert len(runs) == 1  # its first look finds the job gone
    [signal] = signals(url)  # the condition is told why, instead of timing out
    assert signal["Status"] == "FAILURE"
    assert "was deleted" in signal["Reason"] or "being deleted" in signal["Reason"]


def test_at_the_deadline_the_poller_signals_failure_with_the_last_status(
    services: Services,
) -> None:
    serve_jobs(services, create_s=5 * HOUR)
    url = handle_url()
    started = services.clock.now()

    _, poller = create_with_signal(services, job_properties(**signalled(url, 2 * 3600)))
    run_poller(services, poller)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "still CREATE_IN_PROGRESS when the wait" in signal["Reason"]
    assert 2 * HOUR - 120 <= services.clock.now() - started <= 2 * HOUR + 60


def test_an_export_of_a_long_job_signals_with_its_output_location(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=2 * HOUR)
    url = handle_url()
    services.expect_schedule()
    first = invoke_handler(cfn_event("Create", properties(**signalled(url))), services=services)
    assert first.response is not None and first.response["Status"] == "SUCCESS"
    assert first.response["Data"]["OutputLocation"] == ""

    run_poller(services, first.next_poll(services.clock))

    [signal] = signals(url)
    assert signal["Status"] == "SUCCESS"
    assert signal["UniqueId"] == "my-export"
    assert json.loads(signal["Data"])["OutputLocation"].startswith("s3://")
    assert fake.export_names() == ["my-export"]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        (
            {common_fields.KEY_SIGNAL_URL: "https://example.com/x"},
            common_fields.KEY_SIGNAL_TIMEOUT,
            "required",
        ),
        ({common_fields.KEY_SIGNAL_TIMEOUT: "7200"}, common_fields.KEY_SIGNAL_URL, "required"),
        (
            {
                common_fields.KEY_SIGNAL_URL: "http://secret.example/x?sig=abc",
                common_fields.KEY_SIGNAL_TIMEOUT: "7200",
            },
            common_fields.KEY_SIGNAL_URL,
            "not an https URL",
        ),
        (
            {
                common_fields.KEY_SIGNAL_URL: "https://secret.example/x",
                common_fields.KEY_SIGNAL_TIMEOUT: "43201",
            },
            common_fields.KEY_SIGNAL_TIMEOUT,
            "out of range",
        ),
        (
            {
                common_fields.KEY_SIGNAL_URL: "https://secret.example/x",
                common_fields.KEY_SIGNAL_TIMEOUT: "7200",
                common_fields.KEY_WAIT: "false",
            },
            common_fields.KEY_WAIT,
            "contradicts",
        ),
    ],
    ids=["no-timeout", "no-url", "http", "past-12-hours", "no-wait"],
)
def test_bad_signal_settings_fail_naming_the_field_and_never_echo_the_url(
    services: Services, changes: dict[str, str], field: str, rule: str
) -> None:
    result = invoke_handler(job_event("Create", job_properties(**changes)), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(f"{field}: ")
    assert rule in result.response["Reason"]
    assert "secret.example" not in result.response["Reason"]
    assert START_JOB not in result.operations


def test_an_update_to_a_new_handle_signals_it_and_one_to_the_same_handle_does_not(
    services: Services,
) -> None:
    # A changed wait length replaces only the WaitCondition and its handle: the job stays.
    serve_jobs(services, create_s=600.0)
    old_url, new_url = handle_url("OldHandle"), handle_url("NewHandle")
    old = job_properties(**signalled(old_url))
    answer, poller = create_with_signal(services, old)
    run_poller(services, poller)
    arn = answer["PhysicalResourceId"]
    assert [s["Status"] for s in signals(old_url)] == ["SUCCESS"]

    same = invoke_handler(job_event("Update", old, physical_id=arn, old=old), services=services)
    assert same.response is not None and same.response["Status"] == "SUCCESS"
    assert "CreateSchedule" not in same.operations  # signalled already: no poller

    new = job_properties(**signalled(new_url, 7200))
    services.expect_schedule()
    moved = invoke_handler(job_event("Update", new, physical_id=arn, old=old), services=services)
    assert moved.response is not None and moved.response["PhysicalResourceId"] == arn
    run_poller(services, moved.next_poll(services.clock))
    [signal] = signals(new_url)
    assert signal["Status"] == "SUCCESS"
    assert len(signals(old_url)) == 1


def test_a_poller_that_cannot_start_fails_the_create_under_the_jobs_arn(services: Services) -> None:
    # Answering SUCCESS with nobody left to signal would leave the WaitCondition to time out;
    # failing under the job's ARN lets the rollback delete the job.
    jobs = serve_jobs(services, create_s=3 * HOUR)
    services.expect_schedule_error("AccessDeniedException", 403)
    url = handle_url()

    result = invoke_handler(
        job_event("Create", job_properties(**signalled(url))), services=services
    )

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert "scheduler:CreateSchedule" in result.response["Reason"]
    [job] = jobs.jobs()
    assert result.response["PhysicalResourceId"] == job["audienceGenerationJobArn"]
    assert signals(url) == []
