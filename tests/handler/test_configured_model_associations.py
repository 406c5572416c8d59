"""Create, Update and Delete of a configured audience model association through the real
entry point, against the offline harness's Clean Rooms endpoint (beside Clean Rooms ML's)."""

from __future__ import annotations

from typing import Any, Final

import pytest

from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml._handler.fields import configured_audience_model_association as fields
from cdk_cleanrooms_ml.local.cleanrooms.responses import CleanRoomsEndpoint
from cdk_cleanrooms_ml.local.cleanrooms.seed import DEFAULT_MEMBERSHIP_ID
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from tests.handler.chains import failed, run_chain, succeeded
from tests.handler.local_cleanroomsml import mount
from tests.handler.model_support import DATASET_ARN, TRAINED_MODEL_ARN, make_configured_model
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, FUNCTION_ARN, STACK_ID, cfn_event, invoke_handler

CREATE: Final = "CreateConfiguredAudienceModelAssociation"
UPDATE: Final = "UpdateConfiguredAudienceModelAssociation"
DELETE: Final = "DeleteConfiguredAudienceModelAssociation"


class Local:
    """Both endpoints, and two configured models to associate."""

    def __init__(self, services: Services) -> None:
        self.ml = CleanRoomsMlEndpoint(
            seed={
                "audienceGenerationJobs": [],
                "trainingDatasets": [{"trainingDatasetArn": DATASET_ARN}],
                "audienceModels": [
                    {"audienceModelArn": TRAINED_MODEL_ARN, "trainingDatasetArn": DATASET_ARN}
                ],
                "memberships": [{"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": COLLABORATION_ID}],
            },
            clock=services.clock.now,
            account_id=ACCOUNT,
        )
        self.cleanrooms: CleanRoomsEndpoint = mount(services, self.ml)[0]
        self.model = self.configured("offer")
        self.other = self.configured("other-offer")

    def configured(self, name: str) -> str:
        return make_configured_model(self.ml, name)

    def associations(self) -> list[dict[str, Any]]:
        backend = self.cleanrooms.backend
        return backend.list_configured_audience_model_associations(DEFAULT_MEMBERSHIP_ID)

    def tags(self, arn: str) -> dict[str, str]:
        return dict(self.cleanrooms.backend.list_tags_for_resource(arn)["tags"])


COLLABORATION_ID: Final = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


@pytest.fixture
def local(services: Services) -> Local:
    return Local(services)


def props(model: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "MembershipId": DEFAULT_MEMBERSHIP_ID,
        "ConfiguredAudienceModelArn": model,
        "ManageResourcePolicies": "false",
        "Name": "q4-offer",
    }
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def event(request_type: str, properties: Any, **kwargs: Any) -> dict[str, Any]:
    made = cfn_event(request_type, properties, logical_id="Association", **kwargs)
    made["ResourceType"] = fields.ASSOCIATION_RESOURCE_TYPE
    return made


def create(services: Services, properties: dict[str, Any]) -> dict[str, Any]:
    return succeeded(run_chain(services, event("Create", properties)).answer)


def update(services: Services, arn: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
    return invoke_handler(
        event("Update", new, physical_id=arn, old_properties=old), services=services
    )


def test_create_answers_the_association_and_tags_it_as_ours(
    services: Services, local: Local
) -> None:
    response = create(services, props(local.model, Tags=[{"Key": "team", "Value": "growth"}]))

    [made] = local.associations()
    assert response["PhysicalResourceId"] == made["arn"]
    assert response["Data"]["Name"] == "q4-offer"
    assert response["Data"]["CollaborationId"] == COLLABORATION_ID
    assert response["Data"]["ConfiguredAudienceModelAssociationId"] == made["id"]
    tags = local.tags(made["arn"])
    assert tags["team"] == "growth"
    assert tags[tag_rules.OWNER_TAG_KEY] == f"{STACK_ID}/Association"


def test_a_derived_name_comes_from_the_stack_and_the_logical_id(
    services: Services, local: Local
) -> None:
    response = create(services, props(local.model, Name=None))

    assert response["Data"]["Name"].startswith("ExportStack-Association-")


def test_a_no_op_update_calls_no_update(services: Services, local: Local) -> None:
    first = create(services, props(local.model))

    again = succeeded(
        update(services, first["PhysicalResourceId"], props(local.model), props(local.model))
    )

    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert local.cleanrooms.calls_to(UPDATE) == []


def test_name_description_and_tags_change_in_place(services: Services, local: Local) -> None:
    first = create(services, props(local.model, Tags=[{"Key": "team", "Value": "growth"}]))
    new = props(
        local.model,
        Name="q4-offer-renamed",
        Description="for q4",
        Tags=[{"Key": "team", "Value": "ads"}],
    )

    response = succeeded(update(services, first["PhysicalResourceId"], props(local.model), new))

    assert response["PhysicalResourceId"] == first["PhysicalResourceId"]
    [seen] = local.associations()
    assert (seen["name"], seen.get("description")) == ("q4-offer-renamed", "for q4")
    assert local.tags(seen["arn"])["team"] == "ads"
    assert len(local.cleanrooms.calls_to(CREATE)) == 1


def test_another_model_is_a_new_association(services: Services, local: Local) -> None:
    first = create(services, props(local.model, Name=None))

    response = succeeded(
        update(
            services,
            first["PhysicalResourceId"],
            props(local.model, Name=None),
            props(local.other, Name=None),
        )
    )

    assert response["PhysicalResourceId"] != first["PhysicalResourceId"]
    assert len(local.associations()) == 2  # CloudFormation then deletes the old one


def test_another_model_under_a_given_name_fails_asking_for_a_new_name(
    services: Services, local: Local
) -> None:
    first = create(services, props(local.model))

    answer = failed(
        update(services, first["PhysicalResourceId"], props(local.model), props(local.other))
    )

    assert "cannot change" in answer["Reason"]
    assert "ConfiguredAudienceModelArn" in answer["Reason"]


def test_a_retried_create_adopts_its_own_association(services: Services, local: Local) -> None:
    first = create(services, props(local.model))

    # CloudFormation's retry of the Create (the first answer was lost on its way).
    again = create(services, props(local.model))

    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert len(local.associations()) == 1


def test_an_association_of_that_name_made_elsewhere_is_not_adopted(
    services: Services, local: Local
) -> None:
    local.cleanrooms.backend.create_configured_audience_model_association(
        {
            "membershipIdentifier": DEFAULT_MEMBERSHIP_ID,
            "configuredAudienceModelArn": local.model,
            "configuredAudienceModelAssociationName": "q4-offer",
            "manageResourcePolicies": False,
        }
    )

    answer = failed(run_chain(services, event("Create", props(local.model))).answer)

    assert "started by another stack or resource" in answer["Reason"]


def test_an_unknown_membership_fails_naming_it(services: Services, local: Local) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    answer = failed(
        run_chain(services, event("Create", props(local.model, MembershipId=unknown))).answer
    )

    assert unknown in answer["Reason"]


def test_delete_deletes_it_and_a_second_delete_succeeds(services: Services, local: Local) -> None:
    first = create(services, props(local.model))
    gone = event("Delete", props(local.model), physical_id=first["PhysicalResourceId"])

    succeeded(run_chain(services, gone).answer)
    succeeded(run_chain(services, gone).answer)

    assert local.associations() == []


def test_a_create_whose_answer_was_lost_adopts_the_association_made(
    services: Services, local: Local
) -> None:
    # The service made it, but its answer never arrived (a 500 after the commit).
    local.ml.faults.lose_answers(operation=CREATE)

    response = create(services, props(local.model))

    [made] = local.associations()
    assert response["PhysicalResourceId"] == made["arn"]
    assert local.tags(made["arn"])[tag_rules.OWNER_TAG_KEY] == f"{STACK_ID}/Association"


def test_a_throttled_create_is_tried_again(services: Services, local: Local) -> None:
    local.ml.faults.throttle(3, operation=CREATE)

    response = create(services, props(local.model))

    [made] = local.associations()
    assert response["PhysicalResourceId"] == made["arn"]
    creates = [call for call in services.calls if call.operation == CREATE]
    assert len(creates) == 4  # three throttled, then made
