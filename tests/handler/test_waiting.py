"""Waiting for the export (and the generation job), with a fake clock: nothing here sleeps."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import names as naming
from cdk_cleanrooms_ml._handler import schedules, waiting
from tests.clock import T0
from tests.handler.chains import Chain, run_chain
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.services import Services, export_summary
from tests.handler.support import (
    FUNCTION_ARN,
    JOB_ARN,
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
    Invocation,
    cfn_event,
    derived_name,
    invoke_handler,
    properties,
)

NAME = "my-export"
CONTINUATION = "AudienceExportContinuation"
MINUTE = 60.0
# What EventBridge Scheduler accepts as a schedule name.
SCHEDULE_NAME = re.compile(r"[0-9a-zA-Z\-_.]{1,64}")


def list_times(result: Invocation | Chain) -> list[float]:
    return [call.at for call in result.calls if call.operation == "ListAudienceExportJobs"]


def started_at(invocation: Invocation) -> float:
    """When a scheduled poll ran: the time of its first call (the fake clock stands still
    between the schedule firing and that call)."""
    return invocation.calls[0].at


def poll_delay(n: int) -> float:
    """The delay of poll number ``n`` (2 = the first scheduled one): n - 1 minutes, at most 5.
    Scheduler fires a poll somewhere in the minute it names, so two looks are this far apart,
    give or take a minute."""
    return min(5, n - 1) * MINUTE


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


def lag_bound(chain: Chain, active_after_s: float) -> float:
    """How late ACTIVE may be seen. Seen in the first invocation's inline wait: the poll cap at
    that age (4 s, growing to 10 % of the request's age, at most 30 s), plus one interval's
    growth past it. Seen by scheduled poll n: its delay plus Scheduler's minute, the most two
    looks are apart then (a minute more each poll, at most 5), never a Lambda invocation's span.
    """
    if not chain.handed_over:
        return max(waiting.MIN_CAP_S, min(waiting.MAX_INTERVAL_S, 0.1 * active_after_s)) * 1.1
    n = int(chain.handed_over[-1].continuation_event()[CONTINUATION]["Invocation"])
    return poll_delay(n) + MINUTE


@pytest.mark.parametrize("active_after_s", [0.5, 3.0, 37.3, 120.0, 200.0])
def test_active_is_reported_soon_after_it_happens(
    services: Services, active_after_s: float
) -> None:
    fake = serve_cleanroomsml(services, export_active_after_s=active_after_s)

    chain = run_chain(services, cfn_event("Create", properties()))

    assert chain.response["Status"] == "SUCCESS"
    answered_at = list_times(chain)[-1]
    assert 0 <= answered_at - fake.active_since(NAME) <= lag_bound(chain, active_after_s)
    # Seen by the first look after ACTIVE: no poll in between missed it.
    assert all(at < fake.active_since(NAME) for at in list_times(chain)[:-1])


def test_long_waits_poll_less_often(services: Services) -> None:
    serve_cleanroomsml(services, export_active_after_s=1000.0)

    chain = run_chain(services, cfn_event("Create", properties()))

    assert chain.response["Status"] == "SUCCESS"
    polls = list_times(chain)[1:]  # after the lookup before Start
    # 4 s apart at most would be 250 polls: only the first FIRST_INLINE_S are polled that
    # often (jittered, the cap is 4 s for the first 40 s), then one look per scheduled poll.
    assert len(polls) < 20
    assert max(services.clock.sleeps) <= waiting.MIN_CAP_S
    # Scheduled polls (invocation n is chain.invocations[n - 1]): each a minute further from
    # the one before than the last, up to five, give or take Scheduler's minute.
    looks = [started_at(invocation) for invocation in chain.invocations[1:]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(looks)]
    assert gaps == sorted(gaps)
    for n, gap in enumerate(gaps, start=3):
        assert poll_delay(n) - MINUTE <= gap <= poll_delay(n) + MINUTE
    assert gaps[-1] >= schedules.MAX_DELAY_S - MINUTE


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
    # The job is ACTIVE within the first invocation's inline wait (FIRST_INLINE_S).
    fake = serve_cleanroomsml(services, job_active_after_s=12.0, export_active_after_s=10.0)

    chain = run_chain(services, cfn_event("Create", properties()))

    assert chain.response["Status"] == "SUCCESS"
    gets = [call for call in chain.calls if call.operation == "GetAudienceGenerationJob"]
    start = next(call for call in chain.calls if call.operation == "StartAudienceExportJob")
    assert len(gets) > 2
    # Started as soon as the job was seen ACTIVE: within a poll interval (4 s cap) plus jitter.
    assert T0 + 12 <= start.at <= T0 + 17
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

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout="120")))

    deadline = waiting.deadline_for(T0, 120)
    assert chain.response["Status"] == "FAILED"
    assert chain.response["Reason"] == (
        f"timed out after {round(deadline - T0)} s waiting for export {NAME} "
        "(last status CREATE_IN_PROGRESS); it keeps running in Clean Rooms ML"
    )
    # The deadline is within LAST_STRETCH_S: too near to schedule a poll, so the first
    # invocation waits for it inline.
    assert deadline - T0 <= schedules.LAST_STRETCH_S
    assert chain.handed_over == []
    # It looked until the deadline, not after it, and answered before CloudFormation gives up.
    assert list_times(chain)[-1] == deadline
    assert services.clock.now() < T0 + 120


def test_never_finishing_export_fails_at_the_deadline_across_invocations(
    services: Services,
) -> None:
    serve_cleanroomsml(services, export_active_after_s=None)

    chain = run_chain(services, cfn_event("Create", properties()))

    deadline = waiting.deadline_for(T0, 3600)
    assert chain.response["Status"] == "FAILED"
    assert chain.response["Reason"].startswith("timed out after 3590 s waiting for export")
    assert chain.response["Reason"].endswith("it keeps running in Clean Rooms ML")
    # Polls on whole minutes, 1, 2, 3, 4 minutes apart, then every 5 until the deadline (give
    # or take Scheduler's minute): about 3590 / 300 of them plus the ramp-up, never more.
    polls = [invocation.scheduled_at() for invocation in chain.handed_over]
    assert all(at % MINUTE == 0 for at in polls)
    gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
    assert min(gaps) >= schedules.FIRST_DELAY_S
    assert max(gaps) <= schedules.MAX_DELAY_S
    assert len(chain.handed_over) >= 3590 / (schedules.MAX_DELAY_S + MINUTE)
    assert len(chain.handed_over) <= 3590 / (schedules.MAX_DELAY_S - MINUTE) + 4
    # The last poll fires in time for a last look: within LAST_STRETCH_S of the deadline, it
    # waits inline until then and answers before CloudFormation gives up.
    assert 0 < deadline - polls[-1] <= schedules.LAST_STRETCH_S
    assert list_times(chain)[-1] == deadline
    assert services.clock.now() <= T0 + 3600


# Short ServiceTimeouts: longer than the first inline wait (FIRST_INLINE_S), shorter than a
# scheduled poll could be placed in (their deadline is within LAST_STRETCH_S).
@pytest.mark.parametrize("timeout_s", [30, 60, 120])
def test_generation_job_that_never_finishes_times_out_without_starting(
    services: Services, timeout_s: int
) -> None:
    serve_cleanroomsml(services, job_active_after_s=10_000)

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout=str(timeout_s))))

    deadline = waiting.deadline_for(T0, timeout_s)
    assert chain.response["Status"] == "FAILED"
    assert chain.response["Reason"].startswith(
        f"timed out after {round(deadline - T0)} s waiting for the audience generation job of "
        "export my-export"
    )
    assert "StartAudienceExportJob" not in chain.operations
    # Our reason, not CloudFormation's generic timeout, reaches the stack: answered by the
    # deadline, before CloudFormation's ServiceTimeout.
    assert services.clock.now() <= deadline < T0 + timeout_s


@pytest.mark.parametrize("logical_id", ["AudienceExport", "A" * 200])
def test_a_job_spanning_two_invocations_completes_through_the_continuation(
    services: Services, logical_id: str
) -> None:
    # ACTIVE after the first invocation's inline wait, before its first scheduled poll (the
    # next whole minute, at least MIN_LEAD_S after the hand-over: T0 + 60 s at the earliest).
    fake = serve_cleanroomsml(services, export_active_after_s=40.0)
    services.expect_schedule()
    event = cfn_event("Create", properties(name=None), logical_id=logical_id)

    first = invoke_handler(event, services=services, remaining_ms=300_000)

    # No answer from the first invocation: the follow-up gives it.
    assert first.response is None
    assert first.responses_sent == 0
    create = first.calls[-1]
    assert create.operation == "CreateSchedule"
    assert create.params["Target"]["Arn"] == FUNCTION_ARN
    assert create.params["Target"]["RoleArn"] == SCHEDULER_ROLE_ARN
    assert create.params["GroupName"] == SCHEDULE_GROUP
    assert create.params["ActionAfterCompletion"] == "DELETE"
    # Handed over once the first inline wait (FIRST_INLINE_S) was over, with the invocation's
    # reserve left for the hand-over and the response. The poll is on a whole minute
    # (Scheduler's precision), after the hand-over by MIN_LEAD_S at least and by about a
    # minute (FIRST_DELAY_S) at most; nothing runs in between.
    assert create.at <= T0 + waiting.FIRST_INLINE_S
    assert waiting.inline_margin_s(300) > 2 * waiting.CALL_S + waiting.RESPONSE_S
    assert first.scheduled_at() % MINUTE == 0
    assert (
        schedules.MIN_LEAD_S
        <= first.scheduled_at() - create.at
        <= schedules.FIRST_DELAY_S + schedules.MIN_LEAD_S
    )
    # A valid schedule name even for a 200-character logical id.
    assert SCHEDULE_NAME.fullmatch(first.schedule_name())
    follow_up = first.continuation_event()
    state = follow_up.pop(CONTINUATION)
    assert follow_up == event  # the original event, ResponseURL included, plus the state
    assert state["Phase"] == "export"
    assert state["Started"] == T0
    assert state["Deadline"] == waiting.deadline_for(T0, 3600)
    name = derived_name(logical_id=logical_id)
    assert state["PhysicalResourceId"] == naming.physical_id(JOB_ARN, name)
    # Scheduler's limit for a target's Input.
    assert len(create.params["Target"]["Input"]) <= 8192
    assert len(json.dumps(first.continuation_event())) < 8192

    second = invoke_handler(first.next_poll(services.clock), services=services)

    assert second.response is not None
    assert second.response["Status"] == "SUCCESS"
    assert second.response["PhysicalResourceId"] == naming.physical_id(JOB_ARN, name)
    assert second.response["Data"]["Name"] == name
    assert second.response["Data"]["OutputLocation"].startswith("s3://")
    assert second.operations.count("StartAudienceExportJob") == 0
    assert list_times(second)[-1] - fake.active_since(name) <= poll_delay(2) + MINUTE
    # The only call outside Clean Rooms ML: one scheduler:CreateSchedule. No rule, target or
    # permission is created per request.
    services_used = {(call.service, call.operation) for call in first.calls + second.calls}
    assert {s for s in services_used if s[0] != "cleanroomsml"} == {("scheduler", "CreateSchedule")}


def test_a_generation_job_wait_continues_in_a_follow_up_invocation(services: Services) -> None:
    # The job is ACTIVE only after the first invocation's inline wait.
    serve_cleanroomsml(services, job_active_after_s=100.0, export_active_after_s=5.0)

    chain = run_chain(services, cfn_event("Create", properties()))

    # The first invocation and the polls before the job was ACTIVE handed over the job wait;
    # the poll that saw it ACTIVE started the export and, having looked once, handed over the
    # export wait; a later one answered.
    starts = [i.operations.count("StartAudienceExportJob") for i in chain.invocations]
    assert starts.count(1) == 1 and sum(starts) == 1
    starter = starts.index(1)
    assert starter >= 1  # a scheduled poll, not the first invocation
    phases = [i.continuation_event()[CONTINUATION]["Phase"] for i in chain.handed_over]
    assert phases == ["generation"] * starter + ["export"] * (len(phases) - starter)
    assert chain.invocations[starter] in chain.handed_over
    assert chain.response["Status"] == "SUCCESS"


def test_update_wait_continues_too(services: Services) -> None:
    # ACTIVE after the first invocation's inline wait, before its first scheduled poll (T0 +
    # 60 s at the earliest), which answers.
    fake = serve_cleanroomsml(services, export_active_after_s=40.0)
    old_id = naming.physical_id(JOB_ARN, "old-name")
    event = cfn_event(
        "Update", properties(), physical_id=old_id, old_properties=properties(name="old-name")
    )

    chain = run_chain(services, event)

    [handed_over] = chain.handed_over
    follow_up = handed_over.continuation_event()
    assert follow_up[CONTINUATION]["Phase"] == "export"
    assert follow_up["RequestType"] == "Update"
    assert follow_up["OldResourceProperties"] == event["OldResourceProperties"]
    assert chain.response["Status"] == "SUCCESS"
    assert chain.response["PhysicalResourceId"] == naming.physical_id(JOB_ARN, NAME)
    assert set(fake.export_names()) == {NAME}


@pytest.mark.parametrize(("others", "pages"), [(0, 1), (24, 1), (149, 2)])
def test_each_poll_is_one_list_call_while_the_job_has_up_to_25_exports(
    services: Services, others: int, pages: int
) -> None:
    # ACTIVE well within the first invocation's inline wait: every poll follows a sleep.
    fake = serve_cleanroomsml(services, export_active_after_s=10.0)
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
    services.expect_schedule_error("AccessDeniedException", 403)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(
        "could not schedule the next poll: scheduler:CreateSchedule failed (AccessDeniedException)"
    )
    assert result.operations.count("CreateSchedule") == 1  # a permanent error: not retried


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
