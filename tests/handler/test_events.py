"""Malformed and crafted events: no answer without a usable ResponseURL, else FAILED naming the
key; a crafted continuation never outlives the first start plus the ServiceTimeout."""

from __future__ import annotations

from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import index
from cdk_cleanrooms_ml._handler import names as naming
from tests.clock import T0
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.response_url import cloudformation
from tests.handler.services import Services
from tests.handler.support import (
    JOB_ARN,
    LambdaContext,
    cfn_event,
    invoke_handler,
    properties,
)

NAME = "my-export"
CONTINUATION = "AudienceExportContinuation"


def all_bodies() -> int:
    return cloudformation().total()


# --- events without a usable ResponseURL: no answer anywhere -----------------------------------


@pytest.mark.parametrize(
    "url",
    [None, 12, "", "not a url", "http://127.0.0.1/plain-http", "https://", "https://h/\nx"],
    ids=["missing", "number", "empty", "words", "http", "no-host", "newline"],
)
def test_no_usable_response_url_means_no_answer_and_no_previous_url(
    services: Services, url: Any
) -> None:
    # A warm container: the previous request's URL must not receive this one's answer.
    previous = cfn_event("Delete", properties(), physical_id="x")
    first = invoke_handler(previous, services=services)
    assert first.responses_sent == 1
    before = all_bodies()
    event = cfn_event("Create", properties())
    del event["StackId"]
    if url is None:
        del event["ResponseURL"]
    else:
        event["ResponseURL"] = url

    result = invoke_handler(event, services=services)

    assert result.response is None
    assert all_bodies() == before
    assert len(cloudformation().bodies_for(previous["ResponseURL"])) == 1
    assert result.operations == []


@pytest.mark.parametrize("event", [[], "Create", None, 42])
def test_an_event_that_is_not_an_object_is_logged_and_left(
    services: Services, event: Any, clock: Any
) -> None:
    before = all_bodies()
    index.handler(event, LambdaContext(clock, 60_000))
    assert all_bodies() == before


# --- a usable ResponseURL but bad keys: FAILED to that URL, naming the key ----------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"StackId": None}, "StackId: is required in the request"),
        ({"RequestId": None}, "RequestId: is required in the request"),
        ({"LogicalResourceId": None}, "LogicalResourceId: is required in the request"),
        ({"ResourceType": None}, "ResourceType: is required in the request"),
        ({"RequestType": None}, "RequestType: is required in the request"),
        ({"LogicalResourceId": 7}, "LogicalResourceId: 7 is not a non-empty string"),
        ({"StackId": ""}, 'StackId: "" is not a non-empty string'),
        ({"RequestType": "Foo"}, "RequestType: 'Foo' is not one of Create, Update, Delete"),
        ({"RequestType": "create"}, "RequestType: 'create' is not one of Create, Update, Delete"),
    ],
)
def test_bad_keys_fail_to_that_url_naming_the_key(
    services: Services, change: dict[str, Any], reason: str
) -> None:
    event = cfn_event("Create", properties())
    for key, value in change.items():
        if value is None:
            del event[key]
        else:
            event[key] = value

    result = invoke_handler(event, services=services)

    assert result.responses_sent == 1
    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == reason
    assert result.response["PhysicalResourceId"]  # never empty
    assert result.operations == []


@pytest.mark.parametrize("request_type", ["Update", "Delete"])
def test_update_and_delete_need_a_physical_id(services: Services, request_type: str) -> None:
    event = cfn_event(request_type, properties())

    result = invoke_handler(event, services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == (
        f"PhysicalResourceId: is required in a {request_type} request"
    )
    assert result.response["PhysicalResourceId"]


def test_a_5000_digit_size_names_the_field_and_range(services: Services) -> None:
    result = invoke_handler(
        cfn_event("Create", properties(size_value="9" * 5000)), services=services
    )

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"] == (
        "AudienceSize.Value: a 5,000-digit number is out of range (at most 18 digits)"
    )
    assert result.operations == []


def test_a_failed_create_gets_the_same_physical_id_when_delivered_twice(
    services: Services,
) -> None:
    event = cfn_event("Create", properties(size_value="lots"))

    first = invoke_handler(event, services=services)
    second = invoke_handler(event, services=services)

    assert first.response is not None
    assert second.response is not None
    assert first.response == second.response  # same answer, not just the same kind


# --- crafted continuations -------------------------------------------------------------------


def continued(state: dict[str, Any], **props: Any) -> dict[str, Any]:
    event = cfn_event("Create", properties(**props))
    event[CONTINUATION] = {
        "Phase": "export",
        "PhysicalResourceId": naming.physical_id(JOB_ARN, NAME),
        "Data": {},
        **state,
    }
    return event


def test_a_far_future_deadline_is_capped_at_the_start_plus_the_service_timeout(
    services: Services,
) -> None:
    serve_cleanroomsml(services, export_active_after_s=None)
    event = continued(
        {"Started": T0, "Deadline": T0 + 10**9, "Invocation": 2}, ServiceTimeout="600"
    )
    invocations = 0
    while True:
        invocations += 1
        services.expect_schedule()
        result = invoke_handler(event, services=services)
        if result.response is not None:
            break
        event = result.next_poll(services.clock)
        assert invocations < 20

    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith("timed out after 590 s")
    assert services.clock.now() <= T0 + 600
    # Polls a minute apart and more: far fewer than one a minute over the 10 minutes.
    assert invocations <= 6
    services.discard_pending_schedules()


@pytest.mark.parametrize(
    ("state", "fragment"),
    [
        (
            {"Started": T0 + 3600, "Deadline": T0 + 7000, "Invocation": 2},
            "Started lies in the future",
        ),
        ({"Started": T0, "Deadline": T0 + 3000, "Invocation": 1000}, "Invocation 1000 exceeds"),
        ({"Started": T0, "Deadline": T0 + 3000, "Invocation": "2"}, "Invocation must be"),
        ({"Started": T0, "Deadline": float("inf"), "Invocation": 2}, "Deadline must be a number"),
    ],
)
def test_crafted_continuations_fail_without_calls(
    services: Services, state: dict[str, Any], fragment: str
) -> None:
    result = invoke_handler(continued(state), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith("invalid continuation")
    assert fragment in result.response["Reason"]
    assert result.operations == []


def test_an_old_start_ends_at_once(services: Services) -> None:
    result = invoke_handler(
        continued({"Started": T0 - 5000, "Deadline": T0 + 10**6, "Invocation": 3}),
        services=services,
    )

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith("timed out after 5000 s")
    assert result.operations == []
