"""Throttling, 5xx, lost answers, conflicts and quotas: never a wrong answer to CloudFormation.

A fake clock drives every wait; the service is the offline harness's endpoint on that clock,
with its faults.
"""

from __future__ import annotations

from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import waiting
from tests.clock import T0
from tests.handler.chains import run_chain
from tests.handler.local_cleanroomsml import UNTIL_CLEARED, serve_cleanroomsml
from tests.handler.services import Services
from tests.handler.support import JOB_ARN, cfn_event, invoke_handler, properties

NAME = "my-export"
GET, LIST, START = "GetAudienceGenerationJob", "ListAudienceExportJobs", "StartAudienceExportJob"


def test_a_lost_start_answer_is_adopted_on_conflict(services: Services) -> None:
    # The service commits the export and answers 500; the retry meets ConflictException.
    fake = serve_cleanroomsml(services, export_active_after_s=5.0)
    fake.faults.lose_answers(1)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS", result.response["Reason"]
    assert result.response["Data"]["Status"] == "ACTIVE"
    assert result.operations.count(START) == 2  # the lost one, then the Conflict
    assert [call.error for call in fake.endpoint.calls_to(START)] == [
        "InternalServiceException",
        "ConflictException",
    ]
    assert fake.export_names() == [NAME]


def test_the_same_create_delivered_twice_gives_one_answer_kind_and_one_export(
    services: Services,
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=5.0)
    event = cfn_event("Create", properties())

    first = invoke_handler(event, services=services)
    second = invoke_handler(event, services=services)

    assert first.response is not None
    assert second.response is not None
    assert first.response["Status"] == second.response["Status"] == "SUCCESS"
    assert first.response["PhysicalResourceId"] == second.response["PhysicalResourceId"]
    assert fake.export_names() == [NAME]
    assert second.operations.count(START) == 0  # adopted


def test_a_conflict_with_other_settings_fails_naming_the_conflict(services: Services) -> None:
    other = serve_cleanroomsml(services, sizes=[("ABSOLUTE", 1000), ("ABSOLUTE", 5000)]).client()

    def another_request_starts_it_first(model: Any, **_: Any) -> None:
        # Between our lookup and our Start, someone starts the name with another size.
        if model.name == START:
            other.start_audience_export_job(
                name=NAME,
                audienceGenerationJobArn=JOB_ARN,
                audienceSize={"type": "ABSOLUTE", "value": 5000},
            )

    services.cleanroomsml.meta.events.register_first(
        "provide-client-params.cleanroomsml.*", another_request_starts_it_first
    )

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == (
        f"Name: export {NAME} already exists under this job with size ABSOLUTE 5000, "
        "not ABSOLUTE 1000; choose another name (or omit Name)"
    )
    assert result.operations == [GET, LIST, START, LIST]


def test_a_conflict_for_a_name_never_listed_fails_clearly(services: Services) -> None:
    fake = serve_cleanroomsml(services)
    fake.faults.error("ConflictException", count=5, operation=START)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    reason = result.response["Reason"]
    assert reason.startswith(
        f"Name: StartAudienceExportJob reports a conflict for export {NAME} (conflict on "
        "StartAudienceExportJob: injected ConflictException)"
    )
    assert result.operations.count(START) == 3


def test_throttled_polls_keep_waiting_and_never_fail_early(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=20.0)
    # Every poll after Start throttled for 200 s: the first invocation's inline polls and the
    # looks of the scheduled polls before then. Status unknown, not failed.
    services.clock.at(T0 + 0.1, lambda: fake.faults.throttle(UNTIL_CLEARED, operation=LIST))
    fake.clear_at(T0 + 200)

    chain = run_chain(services, cfn_event("Create", properties()))

    assert chain.response["Status"] == "SUCCESS", chain.response["Reason"]
    assert fake.export_names() == [NAME]
    # The throttled scheduled poll handed over again instead of failing.
    assert len(chain.handed_over) >= 2
    # Backed off while throttled: far fewer than one call per 4 s, and never past the cap.
    throttled = [c for c in chain.calls if c.operation == LIST and c.at < T0 + 200]
    assert len(throttled) < 200 / 4
    assert max(services.clock.sleeps) <= waiting.MAX_INTERVAL_S


def test_polls_throttled_until_the_deadline_say_the_status_was_unknown(
    services: Services,
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=None)
    fake.faults.throttle(UNTIL_CLEARED, operation=LIST)

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout="200")))

    assert chain.response["Status"] == "FAILED"
    reason = chain.response["Reason"]
    assert reason.startswith(("timed out after 190 s ", "timed out after 191 s "))
    assert "UNKNOWN: ListAudienceExportJobs ThrottlingException" in reason
    assert services.clock.now() < T0 + 200


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 429), ("InternalServiceException", 500)],
)
def test_throttling_and_5xx_on_every_call_are_retried(
    services: Services, code: str, status: int
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=3.0)
    for operation in (GET, LIST, START):
        fake.faults.error(code, count=3, operation=operation)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS", result.response["Reason"]
    assert fake.export_names() == [NAME]
    answered = [call for call in fake.endpoint.calls if call.error == code]
    assert [call.status for call in answered] == [status] * 9


def test_the_in_flight_quota_waits_for_a_slot(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=5.0)
    fake.faults.in_flight_quota_hit(UNTIL_CLEARED)
    fake.clear_at(T0 + 60)

    chain = run_chain(services, cfn_event("Create", properties()))

    assert chain.response["Status"] == "SUCCESS", chain.response["Reason"]
    starts = [c for c in chain.calls if c.operation == START]
    assert starts[-1].at >= T0 + 60
    assert len(starts) < 60 / 2  # backed off
    assert chain.operations.count(LIST) >= 2  # one lookup, then polls: not one per retry
    # The wait for a slot outlasted the first invocation: a scheduled poll went on with it.
    phase = chain.handed_over[0].continuation_event()["AudienceExportContinuation"]["Phase"]
    assert phase == "generation"
    assert START in chain.handed_over[0].operations  # refused there, retried in a later poll


def test_the_in_flight_quota_until_the_deadline_starts_nothing(services: Services) -> None:
    fake = serve_cleanroomsml(services)
    fake.faults.in_flight_quota_hit(UNTIL_CLEARED)

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout="120")))

    assert chain.response["Status"] == "FAILED"
    reason = chain.response["Reason"]
    assert reason.startswith(f"timed out after 110 s starting export {NAME}")
    assert "waiting for a free export slot" in reason
    assert "(quota Pending or in-progress audience export jobs per account = 20)" in reason
    assert reason.endswith("no export was started")
    assert "25" not in reason  # the other quota is not mentioned
    assert fake.export_names() == []


def test_the_per_job_quota_fails_at_once_naming_only_that_quota(services: Services) -> None:
    fake = serve_cleanroomsml(services)
    fake.faults.quota_hit(1)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    reason = result.response["Reason"]
    assert reason.startswith(
        "service quota exceeded: Active audience export jobs per audience generation job = 25 "
        "(at most 25 active exports per audience generation job; exports cannot be deleted"
    )
    assert "pending" not in reason
    assert "20" not in reason
    assert result.operations.count(START) == 1
    assert services.clock.sleeps == []


def test_start_is_never_sent_after_the_deadline(services: Services) -> None:
    # ServiceTimeout 2 s: the job read stays throttled past the deadline.
    fake = serve_cleanroomsml(services)
    fake.faults.throttle(UNTIL_CLEARED, operation=GET)
    fake.clear_at(T0 + 1000)

    result = invoke_handler(cfn_event("Create", properties(ServiceTimeout="2")), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert "no export was started" in result.response["Reason"]
    assert START not in result.operations
    deadline = waiting.deadline_for(T0, 2)
    assert all(call.at <= deadline for call in result.calls)


def test_a_start_that_would_land_after_the_deadline_is_not_sent(services: Services) -> None:
    fake = serve_cleanroomsml(services)
    deadline = waiting.deadline_for(T0, 30)
    fake.faults.throttle(UNTIL_CLEARED, operation=START)
    fake.clear_at(T0 + 1000)

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout="30")))

    assert chain.response["Status"] == "FAILED"
    assert chain.response["Reason"].startswith(f"timed out after 27 s starting export {NAME}")
    starts = [c for c in chain.calls if c.operation == START]
    assert starts
    assert all(call.at < deadline for call in starts)
    assert fake.export_names() == []


def test_each_call_is_bounded_by_the_invocation(services: Services) -> None:
    # 15 s left (less than FIRST_INLINE_S, so the invocation's own end binds): every Start
    # attempt throttled. Nothing may run into the response's reserve or crhelper's timer.
    fake = serve_cleanroomsml(services)
    fake.faults.throttle(UNTIL_CLEARED, operation=START)
    services.expect_schedule()

    result = invoke_handler(
        cfn_event("Create", properties()), services=services, remaining_ms=15_000
    )

    assert result.response is None  # handed over
    reserve = waiting.Reserve.for_invocation(15)
    schedule = [c for c in result.calls if c.operation == "CreateSchedule"]
    assert len(schedule) == 1
    assert result.operations.count(START) > 1  # retried while there was time
    assert all(call.at <= T0 + 15 - reserve.response_s - reserve.timer_s for call in result.calls)
    state = result.continuation_event()["AudienceExportContinuation"]
    assert state["Phase"] == "generation"
