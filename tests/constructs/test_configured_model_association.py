"""``ConfiguredAudienceModelAssociation`` at synth: its resource, grants and rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import (
    ASSOCIATION_RESOURCE_TYPE,
    CleanRoomsMlProvider,
    ConfiguredAudienceModel,
    ConfiguredAudienceModelAssociation,
    SharedAudienceMetrics,
    ValidationError,
)
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import ACCOUNT, REGION, job_stack, policy_resource
from tests.constructs.support import resources_of_type, template_of

MEMBERSHIP = "0f1e2d3c-4b5a-4697-8877-665544332211"
CONFIGURED_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/offer"


def associate(stack: Any, **props: Any) -> ConfiguredAudienceModelAssociation:
    values: dict[str, Any] = {
        "membership_id": MEMBERSHIP,
        "configured_audience_model_arn": CONFIGURED_ARN,
        "manage_resource_policies": False,
    }
    values.update(props)
    return ConfiguredAudienceModelAssociation(stack, "Association", **values)


def test_the_resource_carries_the_settings_and_tags() -> None:
    stack = job_stack()
    built = associate(stack, name="q4-offer", description="for the q4 collaboration")
    Tags.of(built).add("team", "growth")

    [resource] = resources_of_type(template_of(stack), ASSOCIATION_RESOURCE_TYPE).values()
    properties = resource["Properties"]
    properties.pop("ServiceToken")
    assert properties == {
        "MembershipId": MEMBERSHIP,
        "ConfiguredAudienceModelArn": CONFIGURED_ARN,
        "ManageResourcePolicies": "false",
        "Name": "q4-offer",
        "Description": "for the q4 collaboration",
        "Tags": [{"Key": "team", "Value": "growth"}],
    }


def test_the_provider_may_act_on_exactly_this_membership_and_model() -> None:
    stack = job_stack()
    configured = ConfiguredAudienceModel(
        stack,
        "Configured",
        audience_model_arn=f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-model/m",
        output_location="s3://audiences/out/",
        output_role=f"arn:aws:iam::{ACCOUNT}:role/writer",
        shared_audience_metrics=SharedAudienceMetrics.ALL,
    )
    associate(stack, configured_audience_model_arn=configured.configured_audience_model_arn)
    template = template_of(stack)

    policy_id, policy = policy_resource(template, "ConfiguredAudienceModelAssociationsPolicy")
    membership, associations, model = policy["Properties"]["PolicyDocument"]["Statement"]
    membership_arn = f"arn:aws:cleanrooms:{REGION}:{ACCOUNT}:membership/{MEMBERSHIP}"
    assert membership["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, membership_arn[7:]]]
    }
    assert "cleanrooms:CreateConfiguredAudienceModelAssociation" in membership["Action"]
    pattern = associations["Resource"]["Fn::Join"][1][-1]
    assert pattern.endswith(f"membership/{MEMBERSHIP}/configuredaudiencemodelassociation/*")
    assert "cleanrooms:DeleteConfiguredAudienceModelAssociation" in associations["Action"]
    [configured_id] = resources_of_type(template, "Custom::CleanRoomsMlConfiguredAudienceModel")
    assert model["Resource"] == {"Fn::GetAtt": [configured_id, "ConfiguredAudienceModelArn"]}
    assert "cleanrooms-ml:PutConfiguredAudienceModelPolicy" in model["Action"]
    [resource] = resources_of_type(template, ASSOCIATION_RESOURCE_TYPE).values()
    assert policy_id in resource["DependsOn"]
    assert_lint_clean(template)


@pytest.mark.parametrize(
    ("props", "field", "rule"),
    [
        ({"membership_id": "not-a-uuid"}, "membership_id", "is not a membership id"),
        ({"membership_id": MEMBERSHIP.upper()}, "membership_id", "lower-case UUID"),
        (
            {"configured_audience_model_arn": "arn:aws:s3:::a-bucket-of-things"},
            "configured_audience_model_arn",
            "configured audience model ARN",
        ),
        ({"name": "x" * 101}, "name", "101 characters"),
        ({"name": "   "}, "name", "must not be blank"),
        ({"description": "d" * 256}, "description", "256 characters"),
        ({"removal_policy": RemovalPolicy.SNAPSHOT}, "removal_policy", "not supported"),
    ],
)
def test_bad_props_are_refused_naming_the_prop(
    props: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        associate(job_stack(), **props)

    assert raised.value.field == field
    assert rule in raised.value.rule


def test_manage_resource_policies_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="manage_resource_policies"):
        associate(job_stack(), manage_resource_policies="yes")


def test_an_imported_provider_records_the_grant_as_not_made() -> None:
    stack = job_stack()
    provider = CleanRoomsMlProvider.from_service_token(
        stack, "Shared", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:shared"
    )
    grant = provider.grant_configured_audience_model_association(
        membership_id=MEMBERSHIP, configured_audience_model_arn=CONFIGURED_ARN
    )

    assert not grant.success
    assert "cleanrooms:CreateConfiguredAudienceModelAssociation" in grant.actions


def test_the_app_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    associate(job_stack(app))
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []
