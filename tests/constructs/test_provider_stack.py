"""The shared provider: its ready stack, and exports that use a given provider or token."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Fn, Stack

import app as example
from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceExportProvider,
    AudienceExportProviderStack,
    AudienceSize,
)
from cdk_cleanrooms_ml._handler.rules import RuleError
from cdk_cleanrooms_ml.provider_app import build as build_provider_app
from tests.constructs.support import (
    ACCOUNT,
    EXPORT_ACTIONS,
    JOB_ARN,
    JOB_ARNS,
    REGION,
    as_list,
    export_resources,
    iam_statements,
    new_stack,
    resources_of_type,
    run_app,
    template_of,
)

ENV = Environment(account=ACCOUNT, region=REGION)
IMPORTED = Fn.import_value(AudienceExportProviderStack.DEFAULT_EXPORT_NAME)


def export(stack: Stack, construct_id: str = "Export", **props: Any) -> AudienceExport:
    return AudienceExport(
        stack,
        construct_id,
        audience_generation_job_arn=props.pop("job_arn", JOB_ARN),
        audience_size=AudienceSize.percentage(20),
        **props,
    )


def export_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in iam_statements(template) if set(as_list(s["Action"])) == EXPORT_ACTIONS]


def test_provider_stack_exports_its_token_and_is_scoped_to_the_account_jobs() -> None:
    stack = AudienceExportProviderStack(App(), env=ENV)
    template = template_of(stack)

    assert stack.stack_name == "CleanRoomsMlAudienceExportProvider"
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert template["Outputs"]["ServiceToken"]["Value"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert template["Outputs"]["ServiceToken"]["Export"] == {
        "Name": "CleanRoomsMlAudienceExportServiceToken"
    }
    [statement] = export_statements(template)
    assert statement["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*",
            ],
        ]
    }
    for statement in iam_statements(template):
        assert "*" not in as_list(statement["Resource"]), statement
    for role in resources_of_type(template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    assert export_resources(template) == {}


def test_env_agnostic_provider_stack_scopes_to_its_deploy_time_account_and_region() -> None:
    template = template_of(AudienceExportProviderStack(App()))
    [statement] = export_statements(template)
    rendered = json.dumps(statement["Resource"])
    assert '{"Ref": "AWS::Region"}' in rendered
    assert '{"Ref": "AWS::AccountId"}' in rendered
    assert rendered.endswith('":audience-generation-job/*"]]}')


def test_export_name_and_stack_name_are_configurable() -> None:
    stack = AudienceExportProviderStack(App(), "Providers", export_name="team-a:audience-exports")
    template = template_of(stack)
    assert stack.stack_name == "Providers"
    assert template["Outputs"]["ServiceToken"]["Export"] == {"Name": "team-a:audience-exports"}


@pytest.mark.parametrize(
    ("export_name", "rule"),
    [
        ("", "must not be empty"),
        ("x" * 256, "256 characters, at most 255 allowed"),
        ("team_a", "only letters, digits, colons"),
        ("team a", "only letters, digits, colons"),
    ],
)
def test_bad_export_names_are_refused_before_the_stack_exists(export_name: str, rule: str) -> None:
    app = App()
    with pytest.raises(RuleError, match=rf"^export_name: {rule}"):
        AudienceExportProviderStack(app, export_name=export_name)
    assert app.node.children == []


def test_account_wide_grant_makes_job_grants_redundant() -> None:
    stack = AudienceExportProviderStack(App(), env=ENV)
    stack.provider.grant_job(JOB_ARN)
    stack.provider.grant_account_jobs()
    assert len(export_statements(template_of(stack))) == 1


def test_exports_with_a_shared_token_deploy_no_lambda_and_no_iam() -> None:
    stack = new_stack()
    exports_made = [
        export(stack, f"Export{index}", job_arn=job_arn, service_token=IMPORTED)
        for index, job_arn in enumerate(JOB_ARNS)
    ]
    template = template_of(stack)

    assert resources_of_type(template, "AWS::Lambda::Function") == {}
    assert resources_of_type(template, "AWS::IAM::Role") == {}
    assert resources_of_type(template, "AWS::IAM::Policy") == {}
    exports = export_resources(template)
    assert len(exports) == 3
    for resource in exports.values():
        properties = resource["Properties"]
        assert properties["ServiceToken"] == {
            "Fn::ImportValue": "CleanRoomsMlAudienceExportServiceToken"
        }
        assert "ServiceTimeout" not in properties  # CloudFormation's default, 1 hour
        assert "DependsOn" not in resource
    assert [made.provider for made in exports_made] == [None] * 3
    assert stack.node.try_find_child("CleanRoomsMlAudienceExportProvider") is None


def test_a_given_provider_is_used_and_granted_the_job() -> None:
    stack = new_stack()
    shared = AudienceExportProvider(stack, "Shared")
    first = export(stack, "First", provider=shared)
    export(stack, "Second", job_arn=JOB_ARNS[1], provider=shared)
    template = template_of(stack)

    assert first.provider is shared
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert function_id.startswith("SharedFunction")
    [statement] = export_statements(template)
    assert statement["Resource"] == [JOB_ARN, JOB_ARNS[1]]
    for resource in export_resources(template).values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_a_provider_in_another_stack_serves_exports_across_stacks() -> None:
    app = App()
    providers = AudienceExportProviderStack(app, env=ENV)
    campaigns = Stack(app, "Campaigns", env=ENV)
    export(campaigns, provider=providers.provider)
    template = template_of(campaigns)

    assert resources_of_type(template, "AWS::Lambda::Function") == {}
    [resource] = export_resources(template).values()
    assert "Fn::ImportValue" in resource["Properties"]["ServiceToken"]
    assert providers in campaigns.dependencies


def test_provider_and_token_together_are_refused() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=r"^provider, service_token: give one or neither"):
        export(stack, provider=AudienceExportProvider.of(stack), service_token=IMPORTED)
    assert stack.node.try_find_child("Export") is None


@pytest.mark.parametrize(
    ("props", "error", "message"),
    [
        ({"service_token": "  "}, RuleError, r"^service_token: '  ' is not a Lambda function ARN"),
        (
            {"service_token": "arn:aws:sns:us-east-1:111122223333:topic"},
            RuleError,
            r"^service_token: .* is not a Lambda function ARN \(arn:<partition>:lambda:",
        ),
        (
            {"provider": "arn:aws:lambda:x"},
            TypeError,
            r"^provider: must be an AudienceExportProvider",
        ),
    ],
)
def test_bad_provider_props_name_the_prop(
    props: dict[str, Any], error: type[Exception], message: str
) -> None:
    stack = new_stack()
    with pytest.raises(error, match=message):
        export(stack, **props)
    assert stack.node.children == []


def test_ready_provider_app_reads_its_names_from_context() -> None:
    app = App(context={"export_name": "ExportsToken", "stack_name": "SharedExports"})
    stack = build_provider_app(app)
    assert stack.stack_name == "SharedExports"
    assert template_of(stack)["Outputs"]["ServiceToken"]["Export"] == {"Name": "ExportsToken"}


def test_example_app_with_a_shared_provider() -> None:
    app = App(context={"provider": "shared"})
    stack = example.build(app)
    provider = app.node.find_child(AudienceExportProviderStack.DEFAULT_STACK_NAME)
    assert isinstance(provider, AudienceExportProviderStack)
    assert provider in stack.dependencies
    template = template_of(stack)
    assert resources_of_type(template, "AWS::Lambda::Function") == {}
    [resource] = export_resources(template).values()
    assert resource["Properties"]["ServiceToken"] == {
        "Fn::ImportValue": "CleanRoomsMlAudienceExportServiceToken"
    }


def test_example_app_refuses_an_unknown_provider_mode() -> None:
    with pytest.raises(ValueError, match=r"^provider: 'lambda' is not one of own, shared"):
        example.build(App(context={"provider": "lambda"}))


@pytest.mark.parametrize(
    "token",
    [
        "arn:aws:lambda:us-east-1:111122223333:function:shared-provider",
        "arn:aws-cn:lambda:cn-north-1:111122223333:function:Provider_1:live",
    ],
)
def test_a_literal_function_arn_is_a_service_token(token: str) -> None:
    stack = new_stack()
    export(stack, service_token=token)
    [resource] = export_resources(template_of(stack)).values()
    assert resource["Properties"]["ServiceToken"] == token


@pytest.mark.slow
def test_ready_provider_app_runs_as_a_cdk_app(tmp_path: Path) -> None:
    # What `cdk deploy --app "python3 -m cdk_cleanrooms_ml.provider_app"` runs.
    run_app(
        [sys.executable, "-m", "cdk_cleanrooms_ml.provider_app"],
        cwd=tmp_path,
        outdir=tmp_path,
        context={"export_name": "Team-A:AudienceExports"},
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
    )
    stack_file = tmp_path / f"{AudienceExportProviderStack.DEFAULT_STACK_NAME}.template.json"
    template = json.loads(stack_file.read_text())
    assert template["Outputs"]["ServiceToken"]["Export"] == {"Name": "Team-A:AudienceExports"}
    [statement] = export_statements(template)
    assert f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*" in json.dumps(
        statement["Resource"]
    )
