"""A configured audience model's resource policy at synth: ``add_to_resource_policy``,
``grant_generate``, ``ConfiguredAudienceModelPolicy``, their rules and IAM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import (
    POLICY_RESOURCE_TYPE,
    CleanRoomsMlProvider,
    ConfiguredAudienceModel,
    ConfiguredAudienceModelPolicy,
    SharedAudienceMetrics,
    ValidationError,
)
from cdk_cleanrooms_ml._handler.fields.configured_audience_model_policy import check_policy
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import ACCOUNT, REGION, job_stack, policy_resource
from tests.constructs.support import resources_of_type, template_of

MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-model/shoppers"
CONFIGURED_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/offer"
SEED_OWNER = "444455556666"
COLLABORATION = "1c2d3e4f-0000-4111-8222-333344445555"


def configured(stack: Stack) -> ConfiguredAudienceModel:
    return ConfiguredAudienceModel(
        stack,
        "Configured",
        audience_model_arn=MODEL_ARN,
        output_location="s3://audiences/out/",
        output_role=f"arn:aws:iam::{ACCOUNT}:role/audience-writer",
        shared_audience_metrics=SharedAudienceMetrics.ALL,
    )


def only_policy(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = resources_of_type(template, POLICY_RESOURCE_TYPE).items()
    return logical_id, resource


def _part(part: Any) -> str:
    if isinstance(part, str):
        return part
    if "Ref" in part:
        return f"<{part['Ref']}>"
    return "<{}.{}>".format(*part["Fn::GetAtt"])


def rendered(value: Any) -> dict[str, Any]:
    """The policy text a template's ``Fn::Join`` comes to, references written as ``<...>``."""
    if isinstance(value, str):
        return dict(json.loads(value))
    [separator, parts] = value["Fn::Join"]
    return dict(json.loads(separator.join(_part(part) for part in parts)))


def test_grant_generate_renders_one_policy_resource_on_the_model() -> None:
    stack = job_stack()
    built = configured(stack)

    statement = built.grant_generate(
        iam.AccountPrincipal(SEED_OWNER), collaboration_id=COLLABORATION
    )
    built.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["cleanrooms-ml:StartAudienceGenerationJob"],
            principals=[iam.AccountPrincipal("777788889999")],
            resources=[built.configured_audience_model_arn],
        )
    )

    assert statement.actions == ["cleanrooms-ml:StartAudienceGenerationJob"]
    template = template_of(stack)
    logical_id, resource = only_policy(template)
    configured_id = next(
        iter(resources_of_type(template, "Custom::CleanRoomsMlConfiguredAudienceModel"))
    )
    properties = resource["Properties"]
    assert properties["ConfiguredAudienceModelArn"] == {
        "Fn::GetAtt": [configured_id, "ConfiguredAudienceModelArn"]
    }
    document = rendered(properties["PolicyDocument"])
    first, second = document["Statement"]
    assert first["Principal"] == {"AWS": f"arn:<AWS::Partition>:iam::{SEED_OWNER}:root"}
    assert first["Condition"] == {"StringEquals": {"cleanrooms-ml:CollaborationId": COLLABORATION}}
    assert first["Resource"] == f"<{configured_id}.ConfiguredAudienceModelArn>"
    assert second["Action"] == "cleanrooms-ml:StartAudienceGenerationJob"
    # The handler's calls, on exactly this model, granted before the resource runs.
    policy_id, iam_policy = policy_resource(template, "ConfiguredAudienceModelPoliciesPolicy")
    [granted] = iam_policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(granted["Action"]) == [
        "cleanrooms-ml:DeleteConfiguredAudienceModelPolicy",
        "cleanrooms-ml:GetConfiguredAudienceModelPolicy",
        "cleanrooms-ml:ListTagsForResource",
        "cleanrooms-ml:PutConfiguredAudienceModelPolicy",
        "cleanrooms-ml:TagResource",
        "cleanrooms-ml:UntagResource",
    ]
    assert granted["Resource"] == {"Fn::GetAtt": [configured_id, "ConfiguredAudienceModelArn"]}
    assert policy_id in resource["DependsOn"]
    assert logical_id.startswith("ConfiguredPolicy")
    assert_lint_clean(template)


def test_the_policy_text_is_what_the_handler_accepts() -> None:
    stack = job_stack()
    policy = ConfiguredAudienceModelPolicy(
        stack,
        "Policy",
        configured_audience_model_arn=CONFIGURED_ARN,
        statements=[
            iam.PolicyStatement(
                actions=["cleanrooms-ml:StartAudienceGenerationJob"],
                principals=[iam.ArnPrincipal(f"arn:aws:iam::{SEED_OWNER}:role/generator")],
                resources=[CONFIGURED_ARN],
            )
        ],
        timeout=Duration.minutes(5),
    )
    properties = only_policy(template_of(stack))[1]["Properties"]

    assert check_policy(properties["PolicyDocument"])
    assert properties["ServiceTimeout"] == "300"
    assert policy.configured_audience_model_arn == CONFIGURED_ARN


def test_a_policy_with_no_statement_fails_at_synth() -> None:
    stack = job_stack()
    ConfiguredAudienceModelPolicy(stack, "Policy", configured_audience_model_arn=CONFIGURED_ARN)

    with pytest.raises(RuntimeError, match="policy_document has no statement"):
        template_of(stack)


def test_a_statement_without_a_principal_fails_at_synth() -> None:
    stack = job_stack()
    configured(stack).add_to_resource_policy(
        iam.PolicyStatement(actions=["cleanrooms-ml:StartAudienceGenerationJob"], resources=["*"])
    )

    with pytest.raises(RuntimeError, match="must specify at least one IAM principal"):
        template_of(stack)


def test_a_policy_over_the_api_limit_fails_at_synth() -> None:
    stack = job_stack()
    statements = [
        iam.PolicyStatement(
            actions=["cleanrooms-ml:StartAudienceGenerationJob"],
            principals=[iam.ArnPrincipal(f"arn:aws:iam::{SEED_OWNER}:role/r{i:04d}" + "x" * 60)],
            resources=[CONFIGURED_ARN],
        )
        for i in range(200)
    ]
    ConfiguredAudienceModelPolicy(
        stack, "Policy", configured_audience_model_arn=CONFIGURED_ARN, statements=statements
    )

    with pytest.raises(RuntimeError, match=r"policy_document: .* at most 20480"):
        template_of(stack)


def test_a_bad_model_arn_is_refused_naming_the_prop() -> None:
    with pytest.raises(ValidationError) as raised:
        ConfiguredAudienceModelPolicy(
            job_stack(), "Policy", configured_audience_model_arn=MODEL_ARN
        )

    assert raised.value.field == "configured_audience_model_arn"


def test_an_imported_provider_records_the_grant_as_not_made() -> None:
    stack = job_stack()
    provider = CleanRoomsMlProvider.from_service_token(
        stack, "Shared", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:shared"
    )
    grant = provider.grant_configured_audience_model_policy(CONFIGURED_ARN)

    assert not grant.success
    assert "PutConfiguredAudienceModelPolicy" in " ".join(grant.actions)


def test_the_app_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    configured(job_stack(app)).grant_generate(iam.AccountPrincipal(SEED_OWNER))
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []


def test_retain_keeps_the_policy_when_the_stack_goes() -> None:
    stack = job_stack()
    ConfiguredAudienceModelPolicy(
        stack,
        "Policy",
        configured_audience_model_arn=CONFIGURED_ARN,
        statements=[
            iam.PolicyStatement(
                actions=["cleanrooms-ml:StartAudienceGenerationJob"],
                principals=[iam.AccountPrincipal(SEED_OWNER)],
                resources=[CONFIGURED_ARN],
            )
        ],
        removal_policy=RemovalPolicy.RETAIN,
    )

    resource = only_policy(template_of(stack))[1]

    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    with pytest.raises(ValidationError, match="not supported"):
        ConfiguredAudienceModelPolicy(
            job_stack(),
            "Policy",
            configured_audience_model_arn=CONFIGURED_ARN,
            removal_policy=RemovalPolicy.SNAPSHOT,
        )
