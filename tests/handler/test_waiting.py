"""Waiting for the export (and the generation job), with a fake clock: nothing here sleeps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import rules, waiting
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.services import Services, export_summary
from tests.handler.support import (
    FUNCTION_ARN,
    JOB_ARN,
    T0,
    Invocation,
    cfn_event,
    derived_name,
    invoke_handler,
    properties,
)

NAME = "my-export"
CONTINUATION = "AudienceExportContinuation"


def list_times(result: Invocation) -> list[float]:
    return [call.at for call in result.calls if call.operation == "ListAudienceExportJobs"]


def run_to_response(
    services: Services, event: dict[str, Any], *, remaining_ms: int = 300_000, limit: int = 40
) -> tuple[Invocation, list[Invocation]]:
    """Run the event and every follow-up it hands over to, until CloudFormation gets an answer."""
    handed_over: list[Invocation] = []
    for _ in range(limit):
        services.expect_invoke()  # in case this invocation hands over
        result = invoke_handler(event, services=services, remaining_ms=remaining_ms)
        if result.response is not None:
            # The unused Invoke answer is consumed here so the fixture's check stays strict.
            assert "Invoke" not in result.operations
            services.lambda_.invoke(
                FunctionName=FUNCTION_ARN, InvocationType="Event", Payload=b"{}"
            )
            return result, handed_over
        assert result.responses_sent == 0
        handed_over.append(result)
        event = result.continuation_event()
        services.clock.advance(0.2)  # Lambda's async queue
    raise AssertionError("no response")


def test_active_after_k_polls_succeeds_with_output_location(services: Services) -> None:
    k = 7
    services.expect_get_job()
    services.expect_list([])
    services.expect_start(NAME)
    for _ in range(k - 1):
        services.expect_list([export_summary(NAME, "CREATE_IN_PROGRESS")])
    services.expect_list([export_summary(NAME, output_location="s3://bucket/out/")])

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["Data"]["Status"] == "ACTIVE"
    assert result.response["Data"]["OutputLocation"] == "s3://bucket/out/"
    sleeps = services.clock.sleeps
    assert len(sleeps) == k
    # Starts about 1 s in, jittered, and within the first 40 s never waits more than 4 s.
    assert 0.5 <= sleeps[0] <= 1.5
    assert max(sleeps) <= 4
    assert len(set(sleeps)) > 1  # jittered: many handlers polling together spread out


def lag_bound(active_after_s: float) -> float:
    """How late ACTIVE may be seen: the poll cap at that age (4 s, growing to 10 % of the
    request's age, at most 30 s), plus one interval's growth past it."""
    return max(waiting.MIN_CAP_S, min(waiting.MAX_INTERVAL_S, 0.1 * active_after_s)) * 1.1


@pytest.mark.parametrize("active_after_s", [0.5, 3.0, 37.3, 120.0, 200.0])
def test_active_is_reported_soon_after_it_happens(
    services: Services, active_after_s: float
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=active_after_s)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    answered_at = list_times(result)[-1]
    assert 0 <= answered_at - fake.active_since(NAME) <= lag_bound(active_after_s)


def test_long_waits_poll_less_often(services: Services) -> None:
    serve_cleanroomsml(services, export_active_after_s=200.0)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    polls = list_times(result)[1:]  # after the lookup before Start
    # 4 s apart at most would be 50 polls; the cap grows with the request's age.
    assert len(polls) < 40
    assert max(services.clock.sleeps) > 4
    assert max(services.clock.sleeps) <= waiting.MAX_INTERVAL_S


def test_create_failed_export_fails_with_the_service_message(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=12.0)
    fake.faults.fail_export(status_code="InsufficientSeed", message="seed has 3 rows")

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == (
        f"export {NAME} failed: CREATE_FAILED (InsufficientSeed: seed has 3 rows)"
    )


def test_generation_job_in_progress_is_waited_for_then_the_export_starts(
    services: Services,
) -> None:
    fake = serve_cleanroomsml(services, job_active_after_s=20.0, export_active_after_s=10.0)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    gets = [call for call in result.calls if call.operation == "GetAudienceGenerationJob"]
    start = next(call for call in result.calls if call.operation == "StartAudienceExportJob")
    assert len(gets) > 2
    assert T0 + 20 <= start.at <= T0 + 25  # started as soon as the job was seen ACTIVE
    assert fake.export(NAME)["audienceSize"] == {"type": "ABSOLUTE", "value": 1000}


def test_generation_job_failing_while_waited_for_fails_without_start(services: Services) -> None:
    services.expect_get_job("CREATE_PENDING")
    services.expect_get_job("CREATE_IN_PROGRESS")
    services.expect_get_job("CREATE_FAILED", status_details={"message": "bad seed"})

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert "the job is CREATE_FAILED (bad seed)" in result.response["Reason"]
    assert "StartAudienceExportJob" not in result.operations


def test_never_finishing_export_fails_at_the_deadline(services: Services) -> None:
    serve_cleanroomsml(services, export_active_after_s=None)

    result = invoke_handler(
        cfn_event("Create", properties(ServiceTimeout="120")), services=services
    )

    deadline = waiting.deadline_for(T0, 120)
    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == (
        f"timed out after {round(deadline - T0)} s waiting for export {NAME} "
        "(last status CREATE_IN_PROGRESS); it keeps running in Clean Rooms ML"
    )
    # It looked until the deadline, not after it, and answered before CloudFormation gives up.
    assert list_times(result)[-1] == deadline
    assert services.clock.now() < T0 + 120


def test_never_finishing_export_fails_at_the_deadline_across_invocations(
    services: Services,
) -> None:
    serve_cleanroomsml(services, export_active_after_s=None)

    result, handed_over = run_to_response(services, cfn_event("Create", properties()))

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith("timed out after 3590 s waiting for export")
    assert result.response["Reason"].endswith("it keeps running in Clean Rooms ML")
    # Five-minute invocations, each handing over with its margin to spare: about 15 of them.
    margin = waiting.inline_margin_s(300)
    assert len(handed_over) <= 3590 / (300 - margin - 5) + 1
    assert len(handed_over) >= 3590 / 300 - 1
    assert services.clock.now() <= T0 + 3600


def test_generation_job_that_never_finishes_times_out_without_starting(
    services: Services,
) -> None:
    serve_cleanroomsml(services, job_active_after_s=10_000)

    result = invoke_handler(cfn_event("Create", properties(ServiceTimeout="60")), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(
        "timed out after 54 s waiting for the audience generation job of export my-export"
    )
    assert "StartAudienceExportJob" not in result.operations


@pytest.mark.parametrize("logical_id", ["AudienceExport", "A" * 200])
def test_a_job_spanning_two_invocations_completes_through_the_continuation(
    services: Services, logical_id: str
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=400.0)
    services.expect_invoke()
    event = cfn_event("Create", properties(name=None), logical_id=logical_id)

    first = invoke_handler(event, services=services, remaining_ms=300_000)

    # No answer from the first invocation: the follow-up gives it.
    assert first.response is None
    assert first.responses_sent == 0
    invoke = first.calls[-1]
    assert invoke.operation == "Invoke"
    assert invoke.params["FunctionName"] == FUNCTION_ARN
    assert invoke.params["InvocationType"] == "Event"
    # Handed over with time to spare for a last poll, the hand-over and the response.
    assert invoke.at <= T0 + 300 - waiting.inline_margin_s(300) + waiting.CALL_S
    assert waiting.inline_margin_s(300) > 2 * waiting.CALL_S + waiting.RESPONSE_S
    follow_up = first.continuation_event()
    state = follow_up.pop(CONTINUATION)
    assert follow_up == event  # the original event, ResponseURL included, plus the state
    assert state["Phase"] == "export"
    assert state["Started"] == T0
    assert state["Deadline"] == waiting.deadline_for(T0, 3600)
    name = derived_name(logical_id=logical_id)
    assert state["PhysicalResourceId"] == rules.physical_id(JOB_ARN, name)
    assert len(json.dumps(first.continuation_event())) < 8192

    services.clock.advance(0.2)
    second = invoke_handler(first.continuation_event(), services=services)

    assert second.response is not None
    assert second.response["Status"] == "SUCCESS"
    assert second.response["PhysicalResourceId"] == rules.physical_id(JOB_ARN, name)
    assert second.response["Data"]["Name"] == name
    assert second.response["Data"]["OutputLocation"].startswith("s3://")
    assert second.operations.count("StartAudienceExportJob") == 0
    assert list_times(second)[-1] - fake.active_since(name) <= lag_bound(400.0)
    # The only calls outside Clean Rooms ML: one lambda:Invoke. No rule, target or permission.
    services_used = {(call.service, call.operation) for call in first.calls + second.calls}
    assert {s for s in services_used if s[0] != "cleanroomsml"} == {("lambda", "Invoke")}


def test_a_generation_job_wait_continues_in_a_follow_up_invocation(services: Services) -> None:
    serve_cleanroomsml(services, job_active_after_s=350.0, export_active_after_s=5.0)

    result, handed_over = run_to_response(services, cfn_event("Create", properties()))

    assert len(handed_over) == 1
    assert handed_over[0].continuation_event()[CONTINUATION]["Phase"] == "generation"
    assert "StartAudienceExportJob" not in handed_over[0].operations
    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.operations.count("StartAudienceExportJob") == 1


def test_update_wait_continues_too(services: Services) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=500.0)
    old_id = rules.physical_id(JOB_ARN, "old-name")

    result, handed_over = run_to_response(
        services,
        cfn_event(
            "Update", properties(), physical_id=old_id, old_properties=properties(name="old-name")
        ),
    )

    assert 1 <= len(handed_over) <= 2
    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["PhysicalResourceId"] == rules.physical_id(JOB_ARN, NAME)
    assert set(fake.export_names()) == {NAME}


@pytest.mark.parametrize(("others", "pages"), [(0, 1), (24, 1), (149, 2)])
def test_each_poll_is_one_list_call_while_the_job_has_up_to_25_exports(
    services: Services, others: int, pages: int
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=20.0)
    fake.add_existing(others)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    lists = [call for call in result.calls if call.operation == "ListAudienceExportJobs"]
    assert all(call.params["maxResults"] == 100 for call in lists)
    polls = len(services.clock.sleeps)
    # One lookup before Start (it reads every page: the name is not there) plus the polls,
    # which stop at the page that has the export.
    pages_per_poll = 1 if others + 1 <= 100 else 2
    assert len(lists) == pages + polls * pages_per_poll


def test_wait_for_completion_false_answers_with_the_status_seen(services: Services) -> None:
    services.expect_get_job()
    services.expect_list([export_summary(NAME, "CREATE_IN_PROGRESS")])

    result = invoke_handler(
        cfn_event("Create", properties(WaitForCompletion="false")), services=services
    )

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["Data"]["Status"] == "CREATE_IN_PROGRESS"
    assert result.response["Data"]["OutputLocation"] == ""
    assert services.clock.sleeps == []


def test_a_failed_hand_over_fails_the_request(services: Services) -> None:
    serve_cleanroomsml(services, export_active_after_s=None)
    services.lambda_stub.add_client_error(
        "invoke", service_error_code="AccessDeniedException", http_status_code=403
    )

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(
        "could not continue waiting in a follow-up invocation: lambda:InvokeFunction on "
        f"{FUNCTION_ARN} failed (AccessDeniedException)"
    )


@pytest.mark.parametrize(
    "state",
    [
        "soon",
        {"Phase": "sleeping", "Started": T0, "Deadline": T0 + 10, "PhysicalResourceId": "x"},
        {"Phase": "export", "Started": "T0", "Deadline": T0 + 10, "PhysicalResourceId": "x"},
        {"Phase": "export", "Started": T0, "Deadline": T0 + 10, "PhysicalResourceId": "other"},
    ],
)
def test_a_malformed_continuation_fails_without_calls(services: Services, state: Any) -> None:
    event = cfn_event("Create", properties())
    event[CONTINUATION] = state

    result = invoke_handler(event, services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith("invalid continuation")
    assert result.operations == []
