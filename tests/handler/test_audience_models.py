"""Create, Update and Delete of an audience model resource through the real entry point,
against the offline harness's endpoint on a fake clock (training takes hours there too)."""

from __future__ import annotations

import json
from typing import Any

from cdk_cleanrooms_ml._handler import tags as tag_rules
from tests.handler.chains import Chain, failed, run_chain, succeeded
from tests.handler.model_support import (
    CREATE_MODEL,
    DATASET_ARN,
    DELETE_MODEL,
    MODEL_LOGICAL_ID,
    model_event,
    model_properties,
    serve_models,
)
from tests.handler.services import Services
from tests.handler.signal_support import (
    create_with_signal,
    run_poller,
    signalled,
    signals,
)
from tests.handler.support import STACK_NAME, handle_url, invoke_handler

WINDOW = {
    "TrainingDataStartTime": "2024-01-01T00:00:00Z",
    "TrainingDataEndTime": "2024-06-30T00:00:00Z",
}


def create(services: Services, props: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the model: the first invocation, then the scheduled polls until one answers."""
    return succeeded(run_chain(services, model_event("Create", props or model_properties())).answer)


def delete(services: Services, physical_id: str, props: dict[str, Any] | None = None) -> Chain:
    return run_chain(
        services, model_event("Delete", props or model_properties(), physical_id=physical_id)
    )


def update(services: Services, arn: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
    return invoke_handler(model_event("Update", new, physical_id=arn, old=old), services=services)


def test_create_trains_the_model_and_answers_once_it_is_active(services: Services) -> None:
    models = serve_models(services, train_s=50 * 60.0)
    props = model_properties(Tags=[{"Key": "team", "Value": "growth"}], Description="q4", **WINDOW)

    chain = run_chain(services, model_event("Create", props))

    response = succeeded(chain.answer)
    [model] = models.models()
    assert model["status"] == "ACTIVE"
    assert response["PhysicalResourceId"] == model["audienceModelArn"]
    assert response["Data"] == {
        "AudienceModelArn": model["audienceModelArn"],
        "Name": "shoppers-model",
        "Status": "ACTIVE",
        "TrainingDatasetArn": DATASET_ARN,
    }
    assert chain.handed_over  # 50 minutes: the wait went on in scheduled polls
    [created] = models.endpoint.calls_to(CREATE_MODEL)
    assert created.params["trainingDataStartTime"] == "2024-01-01T00:00:00Z"
    assert created.params["description"] == "q4"
    assert set(created.params["tags"]) == {"team", tag_rules.OWNER_TAG_KEY}
    assert services.clock.now() - created.at >= 50 * 60.0


def test_hours_of_training_complete_the_resource_at_once_and_signal_when_active(
    services: Services,
) -> None:
    models = serve_models(services, train_s=8 * 3600.0)
    url = handle_url()
    props = model_properties(**signalled(url))
    started = services.clock.now()

    answer, poller = create_with_signal(services, event=model_event("Create", props))
    run_poller(services, poller)

    assert answer["Data"]["Status"] == "CREATE_PENDING"
    [signal] = signals(url)
    assert signal["Status"] == "SUCCESS"
    assert signal["UniqueId"] == "shoppers-model"
    assert json.loads(signal["Data"])["Status"] == "ACTIVE"
    assert services.clock.now() - started >= 8 * 3600.0
    assert models.creates() == 1


def test_training_that_fails_at_hour_five_signals_failure_with_the_reason(
    services: Services,
) -> None:
    models = serve_models(services, train_s=5 * 3600.0)
    models.endpoint.faults.fail_audience_model(status_code="TOO_FEW_USERS", message="1,000 needed")
    url = handle_url()

    _, poller = create_with_signal(
        services, event=model_event("Create", model_properties(**signalled(url)))
    )
    run_poller(services, poller)

    [signal] = signals(url)
    assert signal["Status"] == "FAILURE"
    assert "CREATE_FAILED (TOO_FEW_USERS: 1,000 needed)" in signal["Reason"]


def test_without_a_name_the_model_is_named_for_its_stack_resource(services: Services) -> None:
    models = serve_models(services, train_s=5.0)

    response = create(services, model_properties(Name=None))

    [model] = models.models()
    assert model["name"] == response["Data"]["Name"]
    assert str(model["name"]).startswith(f"{STACK_NAME}-{MODEL_LOGICAL_ID}-")


def test_without_waiting_the_resource_completes_once_training_starts(services: Services) -> None:
    models = serve_models(services)

    response = create(services, model_properties(WaitForCompletion="false"))

    assert response["Data"]["Status"] == "CREATE_PENDING"
    assert models.models()[0]["status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS")


def test_a_create_delivered_twice_creates_one_model(services: Services) -> None:
    models = serve_models(services, train_s=30.0)
    event = model_event("Create", model_properties())

    first = succeeded(run_chain(services, event).answer)
    second = run_chain(services, event)

    assert succeeded(second.answer)["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert CREATE_MODEL not in second.operations  # adopted
    assert models.creates() == 1


def test_a_lost_create_answer_is_adopted_on_conflict_never_a_second_model(
    services: Services,
) -> None:
    models = serve_models(services, train_s=30.0)
    models.endpoint.faults.lose_answers(1, operation=CREATE_MODEL)

    create(services)

    assert [call.error for call in models.endpoint.calls_to(CREATE_MODEL)] == [
        "InternalServiceException",
        "ConflictException",
    ]
    assert len(models.models()) == 1


def test_a_model_of_that_name_with_other_settings_fails_and_is_never_claimed(
    services: Services,
) -> None:
    models = serve_models(services, train_s=5.0)
    create(services, model_properties(Description="someone else's"))
    [theirs] = models.models()

    response = failed(invoke_handler(model_event("Create", model_properties()), services=services))

    assert response["Reason"].startswith("Name: an audience model named shoppers-model")
    assert "Description" in response["Reason"]
    assert response["PhysicalResourceId"] != theirs["audienceModelArn"]
    assert models.creates() == 1


def test_a_model_created_by_another_resource_is_never_adopted(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    theirs = model_event("Create", model_properties())
    theirs["StackId"] = theirs["StackId"].replace(STACK_NAME, "OtherStack")
    succeeded(run_chain(services, theirs).answer)

    response = failed(invoke_handler(model_event("Create", model_properties()), services=services))

    assert "another stack or resource" in response["Reason"]
    assert not response["PhysicalResourceId"].startswith("arn:")
    assert models.creates() == 1


def test_create_failed_answers_the_reason_under_the_model_arn_and_rollback_deletes_it(
    services: Services,
) -> None:
    models = serve_models(services, train_s=120.0, delete_s=30.0)
    models.endpoint.faults.fail_audience_model(status_code="TOO_FEW_USERS", message="1,000 needed")

    response = failed(run_chain(services, model_event("Create", model_properties())).answer)

    [model] = models.models()
    assert response["PhysicalResourceId"] == model["audienceModelArn"]
    assert "audience model shoppers-model failed" in response["Reason"]
    assert "CREATE_FAILED (TOO_FEW_USERS: 1,000 needed)" in response["Reason"]
    succeeded(delete(services, response["PhysicalResourceId"]).answer)
    assert models.models() == []


def test_delete_deletes_the_model_and_waits_until_it_is_gone(services: Services) -> None:
    models = serve_models(services, train_s=5.0, delete_s=90.0)
    arn = create(services)["PhysicalResourceId"]

    result = delete(services, arn)

    succeeded(result.answer)
    assert result.handed_over  # not answered while the model was still being deleted
    assert result.operations.count(DELETE_MODEL) == 1
    assert models.models() == []
    again = delete(services, arn)
    succeeded(again.answer)  # gone already
    assert DELETE_MODEL not in again.operations


def test_delete_failed_fails_with_the_services_reason(services: Services) -> None:
    models = serve_models(services, train_s=5.0, delete_s=30.0)
    arn = create(services)["PhysicalResourceId"]
    models.endpoint.faults.fail_audience_model_delete(message="a configured model uses it")

    response = failed(delete(services, arn).answer)

    assert "could not be deleted: DELETE_FAILED" in response["Reason"]
    assert "a configured model uses it" in response["Reason"]


def test_a_tag_change_is_applied_in_place(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    old = model_properties(Tags=[{"Key": "team", "Value": "growth"}, {"Key": "gone", "Value": "x"}])
    arn = create(services, old)["PhysicalResourceId"]
    new = model_properties(Tags=[{"Key": "team", "Value": "retention"}])

    result = update(services, arn, old, new)

    assert succeeded(result)["PhysicalResourceId"] == arn
    [model] = models.models()
    tags = dict(model["tags"])
    assert tags.pop(tag_rules.OWNER_TAG_KEY).endswith(f"/{MODEL_LOGICAL_ID}")
    assert tags == {"team": "retention"}
    assert CREATE_MODEL not in result.operations


def test_a_no_op_update_changes_nothing(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    props = model_properties(**WINDOW)
    arn = create(services, props)["PhysicalResourceId"]

    result = update(services, arn, props, props)

    assert succeeded(result)["PhysicalResourceId"] == arn
    assert result.operations == ["GetAudienceModel"]
    assert models.creates() == 1


def test_a_setting_change_with_a_derived_name_trains_a_new_model(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    old = model_properties(Name=None)
    arn = create(services, old)["PhysicalResourceId"]
    new = model_properties(Name=None, **WINDOW)

    response = succeeded(update(services, arn, old, new))

    assert response["PhysicalResourceId"] != arn  # CloudFormation deletes the old one
    assert len(models.models()) == 2


def test_a_setting_change_under_a_custom_name_fails_clearly(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    old = model_properties()
    arn = create(services, old)["PhysicalResourceId"]

    response = failed(update(services, arn, old, model_properties(**WINDOW)))

    assert response["Reason"].startswith(
        "Name: cannot change audience model shoppers-model in place (TrainingDataStartTime, "
        "TrainingDataEndTime)"
    )
    assert models.creates() == 1


def test_a_type_of_the_templates_own_naming_is_served_as_a_model(services: Services) -> None:
    models = serve_models(services, train_s=5.0)
    event = model_event("Create", model_properties())
    event["ResourceType"] = "Custom::ShoppersModel"

    response = succeeded(run_chain(services, event).answer)

    assert response["PhysicalResourceId"] == models.models()[0]["audienceModelArn"]
