"""A wait handed over by the previous release is carried on to its end by today's handler.

A wait may last 12 hours, so an upgrade can land while one is in flight: the previous release
(``tests/fixtures/PREVIOUS_RELEASE``) handed it to its next invocation by invoking the function
with a payload of its own, and that invocation now runs today's code. The payloads here are
real ones, written by that release's handler (``tests/fixtures/regenerate.py``); only the URLs
are the test's. Given one, today's handler keeps waiting (its own scheduled polls from then on),
never starts the job or export again, and ends the wait: SUCCESS to CloudFormation (export,
job) or to the WaitCondition (signal) once the job or export is ACTIVE.
"""

from __future__ import annotations

import json
from typing import Any, Final

from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.clock import T0
from tests.fixtures import RESPONSE_URL, SIGNAL_URL, hand_over_file
from tests.handler.generation_support import START_JOB
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.response_url import cloudformation
from tests.handler.services import Services
from tests.handler.support import (
    ACCOUNT,
    FUNCTION_ARN,
    JOB_ARN,
    MODEL_ARN,
    STACK_ID,
    Invocation,
    handle_url,
    invoke_handler,
)

CONTINUATION: Final = "AudienceExportContinuation"
# In flight this long after the previous release's first invocation started (at T0).
ACTIVE_AFTER_S: Final = 1800.0
POLLS_MAX: Final = 100


def fixture_of(scenario: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(hand_over_file(scenario).read_text(encoding="utf-8"))
    return fixture


def old_payload(scenario: str, **urls: str) -> tuple[float, dict[str, Any]]:
    """When the previous release handed ``scenario``'s wait over, and its payload with the
    placeholders replaced by ``urls`` (placeholder -> URL)."""
    fixture = fixture_of(scenario)
    text = json.dumps(fixture["payload"])
    for placeholder, url in urls.items():
        text = text.replace(placeholder, url)
    payload: dict[str, Any] = json.loads(text)
    return float(fixture["handed_over_at"]), payload


def continue_wait(services: Services, event: dict[str, Any]) -> list[Invocation]:
    """Every invocation from the handed-over ``event`` until one schedules no further poll."""
    runs = []
    for _ in range(POLLS_MAX):
        services.expect_schedule()  # the slot for a hand-over, if this invocation makes one
        run = invoke_handler(event, services=services)
        runs.append(run)
        if "CreateSchedule" not in run.operations:
            services.discard_pending_schedules()
            return runs
        event = run.next_poll(services.clock)
    raise AssertionError(f"the wait was still going after {POLLS_MAX} invocations")


def serve_job_in_flight(services: Services, scenario: str) -> CleanRoomsMlEndpoint:
    """The endpoint with the job the previous release started at T0, with the tags it started
    it with (its ownership mark), ACTIVE at T0 + 30 min."""
    endpoint = CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [
                {
                    "audienceGenerationJobArn": JOB_ARN,
                    "name": "q4-lookalikes",
                    "configuredAudienceModelArn": MODEL_ARN,
                    "status": "CREATE_IN_PROGRESS",
                    "activeAfterSeconds": ACTIVE_AFTER_S,
                    "offeredSizes": [{"type": "ABSOLUTE", "value": 1000}],
                }
            ],
        },
        clock=services.clock.now,
        account_id=ACCOUNT,
    )
    endpoint.backend.tag_resource(JOB_ARN, fixture_of(scenario)["job_tags"])
    services.use_endpoint(LoopbackServer([endpoint]).start())
    return endpoint


def answer_to_old_payload(
    services: Services, scenario: str
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Today's handler continues the previous release's payload of ``scenario`` (at its time)
    until it answers: (ResponseURL, the payload, the SUCCESS answer)."""
    url = cloudformation().new_url()
    at, event = old_payload(scenario, **{RESPONSE_URL: url})
    services.clock.advance(at - services.clock.now())
    answer = continue_wait(services, event)[-1].response
    assert answer is not None
    assert answer["Status"] == "SUCCESS", answer.get("Reason")
    return url, event, answer


def test_the_payloads_are_the_previous_release_s_for_the_tests_stack() -> None:
    for scenario, phase in (("export", "export"), ("job", "job"), ("signal", "signal")):
        at, payload = old_payload(scenario)
        state = payload[CONTINUATION]
        assert state["Phase"] == phase
        assert state["Invocation"] == 2  # the first follow-up: its first invocation wrote it
        assert state["Started"] == T0 <= at
        assert payload["ResponseURL"] == RESPONSE_URL
        assert payload["StackId"] == STACK_ID
        assert payload["ServiceToken"] == FUNCTION_ARN
        # A job resource's job was started by that handler, which marked it as its own.
        assert bool(fixture_of(scenario)["job_tags"]) == (scenario != "export")


def test_an_export_wait_handed_over_by_the_previous_release_answers_success(
    services: Services,
) -> None:
    local = serve_cleanroomsml(services, export_active_after_s=ACTIVE_AFTER_S)
    # What the previous release's first invocation did at T0: start the export.
    local.client().start_audience_export_job(
        name="my-export",
        audienceGenerationJobArn=JOB_ARN,
        audienceSize={"type": "ABSOLUTE", "value": 1000},
    )
    url, event, answer = answer_to_old_payload(services, "export")

    assert answer["PhysicalResourceId"] == event[CONTINUATION]["PhysicalResourceId"]
    assert answer["Data"]["Status"] == "ACTIVE"
    assert len(cloudformation().recorded_for(url)) == 1  # answered once, at the end
    assert local.export_names() == ["my-export"]  # waited for, never started again
    assert services.clock.now() >= T0 + ACTIVE_AFTER_S


def test_a_job_wait_handed_over_by_the_previous_release_answers_success(
    services: Services,
) -> None:
    endpoint = serve_job_in_flight(services, "job")
    url, _, answer = answer_to_old_payload(services, "job")

    assert answer["PhysicalResourceId"] == JOB_ARN
    assert answer["Data"]["Status"] == "ACTIVE"
    assert len(cloudformation().recorded_for(url)) == 1
    assert endpoint.calls_to(START_JOB) == []  # the job the previous release started
    assert services.clock.now() >= T0 + ACTIVE_AFTER_S


def test_a_completion_signal_poller_of_the_previous_release_signals_success(
    services: Services,
) -> None:
    endpoint = serve_job_in_flight(services, "signal")
    response_url, signal_url = cloudformation().new_url(), handle_url()
    at, event = old_payload("signal", **{RESPONSE_URL: response_url, SIGNAL_URL: signal_url})
    services.clock.advance(at - services.clock.now())

    continue_wait(services, event)

    [signal] = [json.loads(body) for body in cloudformation().bodies_for(signal_url)]
    assert signal["Status"] == "SUCCESS", signal.get("Reason")
    assert json.loads(signal["Data"])["Status"] == "ACTIVE"
    # The Create was answered by the previous release: the poller never answers again.
    assert cloudformation().recorded_for(response_url) == []
    assert endpoint.calls_to(START_JOB) == []
    assert services.clock.now() >= T0 + ACTIVE_AFTER_S
