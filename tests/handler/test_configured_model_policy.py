"""Create, Update and Delete of a configured audience model's resource policy through the real
entry point, against the offline harness's endpoint: it never writes over a policy it did not
write."""

from __future__ import annotations

import json
from typing import Any, Final

import pytest

from cdk_cleanrooms_ml._handler.fields import configured_audience_model_policy as fields
from tests.handler.chains import failed, run_chain, succeeded
from tests.handler.model_support import LocalModels, make_configured_model, serve_models
from tests.handler.services import Services
from tests.handler.support import FUNCTION_ARN, cfn_event, invoke_handler

PUT: Final = "PutConfiguredAudienceModelPolicy"
DELETE: Final = "DeleteConfiguredAudienceModelPolicy"
SEED_OWNER: Final = "444455556666"


def policy(*accounts: str) -> str:
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "cleanrooms-ml:StartAudienceGenerationJob",
            "Resource": "*",
        }
        for account in accounts
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def props(model_arn: str, document: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "ConfiguredAudienceModelArn": model_arn,
        "PolicyDocument": document,
    }
    values.update(changes)
    return values


def event(request_type: str, properties: Any, **kwargs: Any) -> dict[str, Any]:
    made = cfn_event(request_type, properties, logical_id="ModelPolicy", **kwargs)
    made["ResourceType"] = fields.POLICY_RESOURCE_TYPE
    return made


def configured_model(models: LocalModels, name: str = "offer") -> str:
    return make_configured_model(models.endpoint, name)


def current(models: LocalModels, arn: str) -> str | None:
    found = models.endpoint.backend.configured_model(arn).policy
    return None if found is None else str(found)


def put_outside(models: LocalModels, arn: str, document: str) -> None:
    """Someone else writes the policy (e.g. the console)."""
    models.endpoint.backend.put_configured_audience_model_policy(
        {"configuredAudienceModelArn": arn, "configuredAudienceModelPolicy": document}
    )


@pytest.fixture
def models(services: Services) -> LocalModels:
    return serve_models(services, trained=True)


def create(services: Services, arn: str, document: str) -> dict[str, Any]:
    return succeeded(run_chain(services, event("Create", props(arn, document))).answer)


def test_create_puts_the_policy_only_where_there_is_none(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)

    response = create(services, arn, policy(SEED_OWNER))

    assert json.loads(current(models, arn) or "") == json.loads(policy(SEED_OWNER))
    assert response["PhysicalResourceId"] == f"{arn}#policy"
    assert response["Data"]["ConfiguredAudienceModelArn"] == arn
    assert len(response["Data"]["PolicyHash"]) == 64
    [put] = models.endpoint.calls_to(PUT)
    assert put.params["policyExistenceCondition"] == "POLICY_MUST_NOT_EXIST"


def test_create_over_a_policy_it_did_not_write_fails_and_leaves_it(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    put_outside(models, arn, policy("777788889999"))

    answer = failed(run_chain(services, event("Create", props(arn, policy(SEED_OWNER)))).answer)

    assert "already has a resource policy that this stack did not write" in answer["Reason"]
    assert arn in answer["Reason"]
    assert json.loads(current(models, arn) or "") == json.loads(policy("777788889999"))
    # The rollback's Delete leaves it too.
    rollback = event(
        "Delete", props(arn, policy(SEED_OWNER)), physical_id=answer["PhysicalResourceId"]
    )
    succeeded(invoke_handler(rollback, services=services))
    assert json.loads(current(models, arn) or "") == json.loads(policy("777788889999"))
    assert models.endpoint.calls_to(DELETE) == []


def test_a_retried_create_adopts_the_same_policy(services: Services, models: LocalModels) -> None:
    arn = configured_model(models)
    # The first Put went through but its answer was lost: the same text is there already.
    put_outside(models, arn, json.dumps(json.loads(policy(SEED_OWNER)), indent=2))

    response = create(services, arn, policy(SEED_OWNER))

    assert response["Data"]["ConfiguredAudienceModelArn"] == arn


def test_update_puts_over_its_own_policy_with_its_hash(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    old, new = props(arn, policy(SEED_OWNER)), props(arn, policy(SEED_OWNER, "777788889999"))

    response = succeeded(
        invoke_handler(
            event("Update", new, physical_id=first["PhysicalResourceId"], old_properties=old),
            services=services,
        )
    )

    assert json.loads(current(models, arn) or "") == json.loads(new["PolicyDocument"])
    assert response["PhysicalResourceId"] == first["PhysicalResourceId"]
    update_put = models.endpoint.calls_to(PUT)[-1]
    assert update_put.params["previousPolicyHash"] == first["Data"]["PolicyHash"]


def test_update_over_a_policy_changed_outside_fails_naming_the_drift(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    put_outside(models, arn, policy("111111111111"))
    old, new = props(arn, policy(SEED_OWNER)), props(arn, policy(SEED_OWNER, "777788889999"))

    answer = failed(
        invoke_handler(
            event("Update", new, physical_id=first["PhysicalResourceId"], old_properties=old),
            services=services,
        )
    )

    assert "was changed outside this stack" in answer["Reason"]
    assert "not overwritten" in answer["Reason"]
    assert json.loads(current(models, arn) or "") == json.loads(policy("111111111111"))
    assert len(models.endpoint.calls_to(PUT)) == 1  # only the Create's


def test_update_puts_back_a_policy_deleted_outside(services: Services, models: LocalModels) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    models.endpoint.backend.delete_configured_audience_model_policy(arn)
    old = new = props(arn, policy(SEED_OWNER))

    succeeded(
        invoke_handler(
            event("Update", new, physical_id=first["PhysicalResourceId"], old_properties=old),
            services=services,
        )
    )

    assert json.loads(current(models, arn) or "") == json.loads(policy(SEED_OWNER))


def test_moving_to_another_model_puts_a_new_policy_there(
    services: Services, models: LocalModels
) -> None:
    arn, other = configured_model(models), configured_model(models, "other-offer")
    first = create(services, arn, policy(SEED_OWNER))

    response = succeeded(
        invoke_handler(
            event(
                "Update",
                props(other, policy(SEED_OWNER)),
                physical_id=first["PhysicalResourceId"],
                old_properties=props(arn, policy(SEED_OWNER)),
            ),
            services=services,
        )
    )

    assert response["PhysicalResourceId"] == f"{other}#policy"
    assert current(models, other) is not None
    # CloudFormation then deletes the old one, with its own (old) properties.
    cleanup = event(
        "Delete", props(arn, policy(SEED_OWNER)), physical_id=first["PhysicalResourceId"]
    )
    succeeded(invoke_handler(cleanup, services=services))
    assert current(models, arn) is None
    assert current(models, other) is not None


def test_delete_removes_its_own_policy(services: Services, models: LocalModels) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))

    succeeded(
        invoke_handler(
            event(
                "Delete",
                props(arn, policy(SEED_OWNER)),
                physical_id=first["PhysicalResourceId"],
            ),
            services=services,
        )
    )

    assert current(models, arn) is None


def test_delete_leaves_a_policy_changed_outside(services: Services, models: LocalModels) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    put_outside(models, arn, policy("111111111111"))

    succeeded(
        invoke_handler(
            event(
                "Delete",
                props(arn, policy(SEED_OWNER)),
                physical_id=first["PhysicalResourceId"],
            ),
            services=services,
        )
    )

    assert json.loads(current(models, arn) or "") == json.loads(policy("111111111111"))


def test_delete_of_a_model_already_gone_succeeds(services: Services, models: LocalModels) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    models.endpoint.backend.delete_configured_audience_model(arn)

    succeeded(
        invoke_handler(
            event(
                "Delete",
                props(arn, policy(SEED_OWNER)),
                physical_id=first["PhysicalResourceId"],
            ),
            services=services,
        )
    )


@pytest.mark.parametrize(
    ("document", "rule"),
    [
        ("not json", "PolicyDocument: is not JSON"),
        ("[]", "PolicyDocument: must be a JSON object"),
        ('{"Version": "2012-10-17"}', "PolicyDocument: has no Statement"),
        ('{"Statement": [{"Effect": "Allow"}]}', "names no Principal"),
        ('{"Statement": ["x"]}', "PolicyDocument.Statement[0]: must be an object"),
        ("x" * 20_481, "PolicyDocument: 20481 characters"),
    ],
)
def test_a_bad_document_is_refused_before_any_call(
    services: Services, models: LocalModels, document: str, rule: str
) -> None:
    arn = configured_model(models)

    answer = failed(invoke_handler(event("Create", props(arn, document)), services=services))

    assert rule in answer["Reason"]
    assert models.endpoint.calls_to(PUT) == []


def test_the_rollback_of_a_refused_update_succeeds_and_writes_nothing(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    first = create(services, arn, policy(SEED_OWNER))
    put_outside(models, arn, policy("111111111111"))
    old, new = props(arn, policy(SEED_OWNER)), props(arn, policy(SEED_OWNER, "777788889999"))
    pid = first["PhysicalResourceId"]

    def send(before: dict[str, Any], after: dict[str, Any]) -> Any:
        return invoke_handler(
            event("Update", after, physical_id=pid, old_properties=before), services=services
        )

    failed(send(old, new))
    tags = models.endpoint.backend.configured_model(arn).tags
    assert "cdk-cleanrooms-ml:refused-policy" in tags
    # CloudFormation's rollback: back to the old properties; nothing written, the mark removed.
    succeeded(send(new, old))
    assert json.loads(current(models, arn) or "") == json.loads(policy("111111111111"))
    assert (
        "cdk-cleanrooms-ml:refused-policy" not in models.endpoint.backend.configured_model(arn).tags
    )
    # The same update tried again is refused again.
    assert "was changed outside this stack" in failed(send(old, new))["Reason"]
    assert len(models.endpoint.calls_to(PUT)) == 1


def test_access_denied_on_put_says_which_permission_and_looks_no_further(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    models.endpoint.faults.error("AccessDeniedException", operation=PUT)

    answer = failed(
        invoke_handler(event("Create", props(arn, policy(SEED_OWNER))), services=services)
    )

    assert "needs cleanrooms-ml:PutConfiguredAudienceModelPolicy" in answer["Reason"]
    assert models.endpoint.calls_to("GetConfiguredAudienceModelPolicy") == []


def test_a_retried_create_whose_first_answer_was_lost_adopts_its_policy(
    services: Services, models: LocalModels
) -> None:
    arn = configured_model(models)
    models.endpoint.faults.lose_answers(operation=PUT)

    response = create(services, arn, policy(SEED_OWNER))

    # The first Put was committed but answered 500; the retry met the condition, Get showed ours.
    assert len(models.endpoint.calls_to(PUT)) == 2
    assert response["Data"]["ConfiguredAudienceModelArn"] == arn
