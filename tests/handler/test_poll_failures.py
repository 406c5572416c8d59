"""The WaitCondition's poller never goes silent: every way it can stop before delivering the
result signals FAILURE with the reason within one poll; an undelivered signal is retried by the
next poll; a duplicate delivery of a hand-over ends at once; and a chain lasts to the end of the
longest wait, whatever the invocations' durations and Scheduler's minute of precision."""

from __future__ import annotations

import json
import random
from typing import Any

import boto3
import pytest

from cdk_cleanrooms_ml._handler import clients, waiting
from cdk_cleanrooms_ml._handler import response as handler_response
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from tests.clock import FakeClock
from tests.handler.generation_support import job_event, job_properties, serve_jobs
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.response_url import HANG, cloudformation
from tests.handler.services import NO_RETRIES, Services
from tests.handler.support import (
    REGION,
    Invocation,
    cfn_event,
    handle_url,
    invoke_handler,
    properties,
)

HOUR = 3600.0
SEEDS = 50


def signalled(url: str, timeout_s: int) -> dict[str, str]:
    return {common_fields.KEY_SIGNAL_URL: url, common_fields.KEY_SIGNAL_TIMEOUT: str(timeout_s)}


def signals(url: str) -> list[dict[str, Any]]:
    return [json.loads(body) for body in cloudformation().bodies_for(url)]


def start(services: Services, props: dict[str, Any], *, export: bool = False) -> Invocation:
    """The Create (answered at once) whose hand-over starts the poller."""
    services.expect_schedule()
    event = cfn_event("Create", props) if export else job_event("Create", props)
    created = invoke_handler(event, services=services)
    assert created.response is not None and created.response["Status"] == "SUCCESS"
    return created


def poll(services: Services, previous: Invocation, *, schedule: bool = True) -> Invocation:
    """The next poll, at the time its schedule fires; ``schedule``: it may schedule another."""
    event = previous.next_poll(services.clock)
    if schedule:
        services.expect_schedule()
    run = invoke_handler(event, services=services)
    assert run.responses_sent == 1  # only the Create ever answered CloudFormation
    return run


def out_of_band(url: str) -> Any:
    return boto3.client(
        "cleanroomsml",
        region_name=REGION,
        endpoint_url=url,
        config=NO_RETRIES,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_a_job_deleted_out_of_band_while_in_progress_signals_failure(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5 * HOUR, delete_s=30.0)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 6 * 3600)))
    first = poll(services, created)
    arn = created.response["PhysicalResourceId"] if created.response else ""
    jobs.endpoint.faults.generation_job_in_progress(arn, seconds=0.0)
    out_of_band(jobs.url).delete_audience_generation_job(audienceGenerationJobArn=arn)

    last = poll(services, first, schedule=False)

    assert "CreateSchedule" not in last.operations  # the chain ended
    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "deleted" in signal["Reason"]


def test_a_job_deleted_as_it_became_active_signals_failure(services: Services) -> None:
    jobs = serve_jobs(services, create_s=200.0, delete_s=1.0)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 2 * 3600)))
    arn = created.response["PhysicalResourceId"] if created.response else ""
    services.clock.advance(300.0)  # ACTIVE now, and then deleted before the next poll
    out_of_band(jobs.url).delete_audience_generation_job(audienceGenerationJobArn=arn)
    services.clock.advance(120.0)

    last = poll(services, created, schedule=False)

    assert "CreateSchedule" not in last.operations
    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "deleted" in signal["Reason"]


def test_an_exports_job_gone_signals_failure(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=2 * HOUR)
    url = handle_url()
    created = start(services, properties(**signalled(url, 3 * 3600)), export=True)
    fake.faults.error("ResourceNotFoundException", operation="ListAudienceExportJobs", count=5)

    last = poll(services, created, schedule=False)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "was deleted" in signal["Reason"]
    assert "CreateSchedule" not in last.operations


def test_access_denied_on_get_signals_failure(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5 * HOUR)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 6 * 3600)))
    jobs.endpoint.faults.error(
        "AccessDeniedException", operation="GetAudienceGenerationJob", count=3
    )

    poll(services, created, schedule=False)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "AccessDenied" in signal["Reason"]


def test_a_denied_hand_over_signals_failure(services: Services) -> None:
    serve_jobs(services, create_s=5 * HOUR)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 6 * 3600)))
    services.expect_schedule_error("AccessDeniedException", 403)

    poll(services, created, schedule=False)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "scheduler:CreateSchedule" in signal["Reason"]
    assert "AccessDeniedException" in signal["Reason"]


def test_a_signal_put_that_hangs_then_fails_is_retried_by_the_next_poll(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_response, "PUT_ATTEMPT_S", 0.5)  # a hung PUT is given up
    serve_jobs(services, create_s=600.0)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 2 * 3600)))
    first = poll(services, created)
    # Every PUT attempt of one poll's signal fails (no answer within an attempt's time, then
    # 503s), then S3 recovers.
    cloudformation().script(url, [HANG] + [503] * 500)
    services.clock.advance(600.0)

    undelivered = poll(services, first)
    assert "CreateSchedule" in undelivered.operations  # handed to the next poll
    cloudformation().script(url, [])
    delivered = poll(services, undelivered, schedule=False)

    assert "GetAudienceGenerationJob" not in delivered.operations  # it only re-sends
    successes = [s for s in signals(url) if s["Status"] == "SUCCESS"]
    assert successes and json.loads(successes[-1]["Data"])["Status"] == "ACTIVE"


def test_a_duplicate_delivery_of_a_hand_over_ends_at_once(services: Services) -> None:
    serve_jobs(services, create_s=3 * HOUR)
    url = handle_url()
    created = start(services, job_properties(**signalled(url, 6 * 3600)))
    event = created.next_poll(services.clock)

    services.expect_schedule()
    once = invoke_handler(event, services=services)
    # Scheduler and Lambda deliver at least once: the same poll again finds its successor
    # scheduled already (the name is taken) and ends, instead of forking the chain.
    services.expect_schedule_error("ConflictException", 409)
    twice = invoke_handler(event, services=services)

    assert "CreateSchedule" in once.operations
    assert twice.operations.count("CreateSchedule") == 1
    assert signals(url) == []


def _chain(hours: int, seed: int) -> tuple[float, float, list[dict[str, Any]]]:
    """One whole poller chain: a job ACTIVE one minute before the end of a wait of ``hours``.

    Each invocation starts late by a cold start's duration, and Scheduler fires anywhere in
    the minute it was given. Returns (end of the wait, time of the signal, signals).
    """
    rng = random.Random(seed)
    clock = FakeClock(1_800_000_000.0 + rng.uniform(0, 60))
    services = Services(clock)
    try:
        serve_jobs(services, create_s=hours * HOUR - 60.0)
        url = handle_url()
        created = start(services, job_properties(**signalled(url, hours * 3600)))
        end = clock.now() + hours * HOUR
        run = created
        while not signals(url):
            clock.advance(max(0.0, run.scheduled_at() - clock.now()) + rng.uniform(0.0, 59.9))
            clock.advance(rng.uniform(0.05, 3.0))  # a cold start, before the handler runs
            event = run.continuation_event()
            services.expect_schedule()
            run = invoke_handler(event, services=services)
            if "CreateSchedule" not in run.operations:
                services.discard_pending_schedules()
                break
        return end, clock.now(), signals(url)
    finally:
        services.close()


@pytest.mark.slow
@pytest.mark.parametrize("hours", [2, 6, 9, 12])
def test_a_job_active_a_minute_before_the_end_is_signalled_in_every_run(hours: int) -> None:
    for seed in range(SEEDS):
        end, at, sent = _chain(hours, seed)
        assert [s["Status"] for s in sent] == ["SUCCESS"], (seed, sent)
        assert at <= end, (seed, at - end)


def test_a_short_service_timeout_reports_the_last_status_seen(services: Services) -> None:
    # Near the deadline there is no time left for another call: that is no news of the job,
    # so the reason keeps the status last read instead of "UNKNOWN".
    jobs = serve_jobs(services, create_s=120.0)
    created = invoke_handler(
        job_event("Create", job_properties(ServiceTimeout="20")), services=services
    )

    assert created.response is not None and created.response["Status"] == "FAILED"
    reason = created.response["Reason"]
    assert "last status CREATE_IN_PROGRESS" in reason, reason
    assert "UNKNOWN" not in reason
    [job] = jobs.jobs()  # answered under the job's ARN: the rollback's Delete deletes it
    assert created.response["PhysicalResourceId"] == job["audienceGenerationJobArn"]


def test_a_look_with_no_time_left_for_a_call_keeps_the_last_status() -> None:
    clock = FakeClock()
    budget = waiting.Budget.begin(clock, started=None, deadline=None, timeout_s=20, remaining_s=300)
    looks: list[str] = []

    def look() -> tuple[bool, str]:
        if not looks:
            looks.append("read")
            return False, "CREATE_IN_PROGRESS"
        looks.append("none")
        raise clients.Unavailable("GetAudienceGenerationJob", "no time left for an attempt", 0)

    with pytest.raises(waiting.DeadlineError) as ended:
        waiting.wait_until(
            budget,
            look,
            phase="job",
            last_status="not read yet",
            poll_first=True,
            timeout_reason=lambda elapsed, status: f"last status {status}",
        )

    assert "none" in looks
    assert str(ended.value) == "last status CREATE_IN_PROGRESS"
