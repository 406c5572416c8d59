"""The final-attributes reader: a long wait's attributes, from its WaitCondition's Data, as the
reader's own; it calls no service and makes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import completion
from cdk_cleanrooms_ml._handler.fields import final_attributes as reader_fields
from tests.handler.services import Services
from tests.handler.support import cfn_event, invoke_handler

KEY = reader_fields.KEY_WAIT_CONDITION_DATA
ATTRIBUTES = {
    "AudienceGenerationJobArn": "arn:aws:cleanrooms-ml:us-east-1:111122223333:"
    "audience-generation-job/1a2b3c4d-0000-4000-8000-000000000001",
    "Name": "lookalikes",
    "Status": "ACTIVE",
    "OfferedSizes": "ABSOLUTE:10000,PERCENTAGE:20",
    "ProtectedQueryIdentifier": "",
}
PHYSICAL_ID = "JobCompletionWaitFinalAttributes1A2B3C4D-final-attributes"


def wait_condition_data(signal: completion.Signal) -> str:
    """``Fn::GetAtt <WaitCondition>.Data`` once ``signal`` was received: a JSON object string
    of each signal's UniqueId and Data (CloudFormation's documented shape)."""
    body = signal.to_json()
    return json.dumps({body["UniqueId"]: body["Data"]})


def signalled(attributes: dict[str, str]) -> str:
    return wait_condition_data(
        completion.Signal(completion.SUCCESS, "lookalikes", attributes, "ACTIVE")
    )


def reader_event(
    request_type: str, data: Any, *, resource_type: str | None = None, **extra: Any
) -> dict[str, Any]:
    event = cfn_event(
        request_type,
        {"ServiceToken": "x", KEY: data, **extra},
        logical_id="JobCompletionWaitFinalAttributes1A2B3C4D",
        physical_id=None if request_type == "Create" else PHYSICAL_ID,
    )
    event["ResourceType"] = resource_type or reader_fields.FINAL_ATTRIBUTES_RESOURCE_TYPE
    return event


def test_create_answers_with_the_signalled_attributes_and_calls_nothing(
    services: Services,
) -> None:
    created = invoke_handler(reader_event("Create", signalled(ATTRIBUTES)), services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"
    assert created.response["PhysicalResourceId"] == PHYSICAL_ID
    assert created.response["Data"] == ATTRIBUTES
    assert created.calls == []


def test_update_keeps_its_id_and_answers_with_the_new_attributes(services: Services) -> None:
    # The work was replaced and waited for again: a new WaitCondition, new data.
    new = {**ATTRIBUTES, "Name": "lookalikes-2", "OfferedSizes": "PERCENTAGE:5"}
    updated = invoke_handler(reader_event("Update", signalled(new)), services=services)

    assert updated.response is not None and updated.response["Status"] == "SUCCESS"
    assert updated.response["PhysicalResourceId"] == PHYSICAL_ID
    assert updated.response["Data"] == new
    assert updated.calls == []


def test_data_given_as_objects_reads_the_same(services: Services) -> None:
    as_objects = {"lookalikes": dict(ATTRIBUTES)}
    created = invoke_handler(reader_event("Create", as_objects), services=services)

    assert created.response is not None and created.response["Data"] == ATTRIBUTES


@pytest.mark.parametrize("data", [signalled(ATTRIBUTES), "not json", None])
def test_delete_succeeds_and_calls_nothing(services: Services, data: Any) -> None:
    deleted = invoke_handler(reader_event("Delete", data), services=services)

    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"
    assert deleted.response["PhysicalResourceId"] == PHYSICAL_ID
    assert deleted.calls == []


def test_a_template_of_its_own_type_name_is_told_by_the_property(services: Services) -> None:
    event = reader_event("Create", signalled(ATTRIBUTES), resource_type="Custom::Sizes")

    created = invoke_handler(event, services=services)

    assert created.response is not None and created.response["Data"] == ATTRIBUTES


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        ("not json", "must be a JSON object string; it is not JSON"),
        ("[]", "must be a JSON object, not list"),
        (7, "must be a JSON object, not int"),
        ("{}", "holds 0 signals; a WaitCondition of this library receives exactly one"),
        (json.dumps({"a": "{}", "b": "{}"}), "holds 2 signals"),
        (json.dumps({"a": "oops"}), "its signal's data must be a JSON object string"),
        (json.dumps({"a": '"text"'}), "its signal's data must be a JSON object, not str"),
        (
            json.dumps({"a": json.dumps({"Status": 1})}),
            "its signal's data must map attribute names to strings",
        ),
    ],
    ids=[
        "not-json",
        "list",
        "number",
        "no-signal",
        "two-signals",
        "inner-not-json",
        "inner-string",
        "inner-number",
    ],
)
def test_bad_data_fails_naming_the_property(services: Services, data: Any, rule: str) -> None:
    created = invoke_handler(reader_event("Create", data), services=services)

    assert created.response is not None and created.response["Status"] == "FAILED"
    assert created.response["Reason"].startswith(f"{KEY}: {rule}")
    assert created.calls == []


def test_missing_data_and_unknown_keys_fail_naming_them(services: Services) -> None:
    event = reader_event("Create", None)
    del event["ResourceProperties"][KEY]
    missing = invoke_handler(event, services=services)
    unknown = invoke_handler(
        reader_event("Create", signalled(ATTRIBUTES), Extra="1"), services=services
    )

    assert missing.response is not None and missing.response["Status"] == "FAILED"
    assert missing.response["Reason"].startswith(f"{KEY}: ")
    assert unknown.response is not None and unknown.response["Status"] == "FAILED"
    assert "Extra" in unknown.response["Reason"]
    assert missing.calls == [] and unknown.calls == []
