"""Create, Update and Delete of a configured audience model resource through the real entry
point, against the offline harness's endpoint."""

from __future__ import annotations

from typing import Any

from cdk_cleanrooms_ml._handler import tags as tag_rules
from tests.handler.chains import failed, run_chain, succeeded
from tests.handler.model_support import (
    TRAINED_MODEL_ARN,
    configured_event,
    serve_models,
)
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, FUNCTION_ARN, STACK_NAME, invoke_handler

CREATE = "CreateConfiguredAudienceModel"
UPDATE = "UpdateConfiguredAudienceModel"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/audience-writer"


def props(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "AudienceModelArn": TRAINED_MODEL_ARN,
        "OutputS3Uri": "s3://audiences/out/",
        "OutputRoleArn": ROLE,
        "SharedAudienceMetrics": "ALL",
        "AudienceSizeConfig": {"Type": "PERCENTAGE", "Bins": ["5", "10"]},
        "Name": "offer",
    }
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def create(services: Services, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    event = configured_event("Create", properties or props())
    return succeeded(run_chain(services, event).answer)


def update(services: Services, arn: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
    event = configured_event("Update", new, physical_id=arn, old=old)
    return invoke_handler(event, services=services)


def test_create_answers_the_active_model_and_its_sizes(services: Services) -> None:
    models = serve_models(services, trained=True)

    response = create(services, props(Tags=[{"Key": "team", "Value": "growth"}]))

    [configured] = models.configured()
    assert response["PhysicalResourceId"] == configured["configuredAudienceModelArn"]
    assert response["Data"] == {
        "ConfiguredAudienceModelArn": configured["configuredAudienceModelArn"],
        "Name": "offer",
        "Status": "ACTIVE",
        "AudienceSizeBins": "PERCENTAGE:5,PERCENTAGE:10",
    }
    assert configured["sharedAudienceMetrics"] == ["ALL"]
    assert set(dict(configured["tags"])) == {"team", tag_rules.OWNER_TAG_KEY}


def test_a_create_delivered_twice_creates_one(services: Services) -> None:
    models = serve_models(services, trained=True)
    event = configured_event("Create", props())

    first = succeeded(run_chain(services, event).answer)
    second = run_chain(services, event)

    assert succeeded(second.answer)["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert CREATE not in second.operations
    assert len(models.configured()) == 1


def test_updatable_settings_change_in_place(services: Services) -> None:
    models = serve_models(services, trained=True)
    old = props(Description="first")
    arn = create(services, old)["PhysicalResourceId"]
    new = props(
        AudienceSizeConfig={"Type": "PERCENTAGE", "Bins": ["5", "10", "20"]},
        MinMatchingSeedSize="500",
        SharedAudienceMetrics="NONE",
        Description=None,
    )

    result = update(services, arn, old, new)

    response = succeeded(result)
    assert response["PhysicalResourceId"] == arn
    assert response["Data"]["AudienceSizeBins"] == "PERCENTAGE:5,PERCENTAGE:10,PERCENTAGE:20"
    [configured] = models.configured()
    assert configured["minMatchingSeedSize"] == 500
    assert configured["sharedAudienceMetrics"] == ["NONE"]
    assert "description" not in configured
    assert result.operations.count(UPDATE) == 1
    assert CREATE not in result.operations


def test_a_no_op_update_sends_no_update(services: Services) -> None:
    serve_models(services, trained=True)
    arn = create(services)["PhysicalResourceId"]

    result = update(services, arn, props(), props())

    assert succeeded(result)["PhysicalResourceId"] == arn
    assert UPDATE not in result.operations


def test_a_new_child_tag_policy_under_a_derived_name_is_a_new_model(services: Services) -> None:
    models = serve_models(services, trained=True)
    old = props(Name=None)
    arn = create(services, old)["PhysicalResourceId"]
    new = props(Name=None, ChildResourceTagOnCreatePolicy="FROM_PARENT_RESOURCE")

    response = succeeded(update(services, arn, old, new))

    assert response["PhysicalResourceId"] != arn
    assert len(models.configured()) == 2
    assert str(response["Data"]["Name"]).startswith(f"{STACK_NAME}-Configured-")


def test_a_new_child_tag_policy_under_a_custom_name_fails_clearly(services: Services) -> None:
    serve_models(services, trained=True)
    arn = create(services)["PhysicalResourceId"]
    new = props(ChildResourceTagOnCreatePolicy="NONE")

    response = failed(update(services, arn, props(), new))

    assert response["Reason"].startswith(
        "Name: cannot change configured audience model offer in place "
        "(ChildResourceTagOnCreatePolicy)"
    )


def test_a_model_of_that_name_made_elsewhere_is_never_claimed(services: Services) -> None:
    models = serve_models(services, trained=True)
    theirs = configured_event("Create", props())
    theirs["StackId"] = theirs["StackId"].replace(STACK_NAME, "OtherStack")
    succeeded(run_chain(services, theirs).answer)

    response = failed(invoke_handler(configured_event("Create", props()), services=services))

    assert "another stack or resource" in response["Reason"]
    assert len(models.configured()) == 1


def test_delete_deletes_it_and_a_second_delete_is_quiet(services: Services) -> None:
    models = serve_models(services, trained=True)
    arn = create(services)["PhysicalResourceId"]

    succeeded(run_chain(services, configured_event("Delete", props(), physical_id=arn)).answer)
    assert models.configured() == []
    again = run_chain(services, configured_event("Delete", props(), physical_id=arn))
    succeeded(again.answer)
    assert "DeleteConfiguredAudienceModel" not in again.operations


def test_an_audience_model_that_is_not_there_fails_with_the_services_reason(
    services: Services,
) -> None:
    serve_models(services, trained=True)
    missing = TRAINED_MODEL_ARN.replace("trained", "missing")

    response = failed(
        invoke_handler(
            configured_event("Create", props(AudienceModelArn=missing)), services=services
        )
    )

    assert "audience model not found" in response["Reason"]
