"""The shared provider: its ready stack, and exports that use a given or imported provider."""

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
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    ProviderGrant,
    ValidationError,
)
from cdk_cleanrooms_ml.provider_app import build as build_provider_app
from tests.constructs.support import (
    ACCOUNT,
    EXPORT_ACTIONS,
    JOB_ARN,
    JOB_ARNS,
    REGION,
    as_list,
    export_resources,
    function_role_id,
    iam_statements,
    new_stack,
    resources_of_type,
    run_app,
    template_of,
)

ENV = Environment(account=ACCOUNT, region=REGION)
IMPORTED = Fn.import_value(CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME)


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
    stack = CleanRoomsMlProviderStack(App(), env=ENV)
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
    template = template_of(CleanRoomsMlProviderStack(App()))
    [statement] = export_statements(template)
    rendered = json.dumps(statement["Resource"])
    assert '{"Ref": "AWS::Region"}' in rendered
    assert '{"Ref": "AWS::AccountId"}' in rendered
    assert rendered.endswith('":audience-generation-job/*"]]}')


def test_export_name_and_stack_name_are_configurable() -> None:
    stack = CleanRoomsMlProviderStack(App(), "Providers", export_name="team-a:audience-exports")
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
    with pytest.raises(ValidationError, match=rf"^export_name: {rule}"):
        CleanRoomsMlProviderStack(app, export_name=export_name)
    assert app.node.children == []


def test_account_wide_grant_makes_job_grants_redundant() -> None:
    stack = CleanRoomsMlProviderStack(App(), env=ENV)
    stack.provider.grant_audience_export(JOB_ARN)
    stack.provider.grant_audience_exports_in_account()
    [statement] = export_statements(template_of(stack))
    assert "Fn::Join" in statement["Resource"]  # the pattern alone: it covers the job


def test_account_wide_grant_of_an_env_agnostic_stack_keeps_job_grants() -> None:
    # Its account is known only at deploy time: the job may be another account's.
    stack = CleanRoomsMlProviderStack(App())
    stack.provider.grant_audience_export(JOB_ARN)
    [statement] = export_statements(template_of(stack))
    assert statement["Resource"][1:] == [JOB_ARN]


def test_exports_with_an_imported_provider_deploy_no_lambda_and_no_iam() -> None:
    stack = new_stack()
    imported = CleanRoomsMlProvider.from_service_token(stack, "Shared", IMPORTED)
    exports_made = [
        export(stack, f"Export{index}", job_arn=job_arn, provider=imported)
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
    assert all(made.provider is imported for made in exports_made)
    # What the remote provider must allow: recorded, since its role is not this app's.
    assert imported.granted_job_arns == list(JOB_ARNS)
    assert stack.node.try_find_child("CleanRoomsMlAudienceExportProvider") is None


def test_grants_say_what_they_allowed_and_whether_they_applied() -> None:
    stack = Stack(App(), "Grants", env=ENV)
    provider = CleanRoomsMlProvider(stack, "Own")
    granted = provider.grant_audience_export(JOB_ARN)
    assert isinstance(granted, ProviderGrant)
    assert set(granted.actions) == EXPORT_ACTIONS
    assert (granted.resource_arns, granted.success, granted.reason) == ((JOB_ARN,), True, "")
    granted.assert_success()
    assert provider.grant_audience_exports_matching([TEAM_JOBS]).resource_arns == (TEAM_JOBS,)
    [account_wide] = provider.grant_audience_exports_in_account().resource_arns
    assert stack.resolve(account_wide) == stack.resolve(
        stack.format_arn(
            service="cleanrooms-ml", resource="audience-generation-job", resource_name="*"
        )
    )

    imported = CleanRoomsMlProvider.from_service_token(stack, "Imported", IMPORTED)
    refused = imported.grant_audience_export(JOB_ARN)
    assert (refused.success, refused.resource_arns) == (False, (JOB_ARN,))
    with pytest.raises(ValidationError, match=r"^grant: Grants/Imported is an imported provider"):
        refused.assert_success()
    template = template_of(stack)
    # The own provider's statement: the account-wide pattern covers the job; the import adds
    # no resources at all.
    [statement] = export_statements(template)
    assert statement["Resource"][0] == TEAM_JOBS
    assert len(statement["Resource"]) == 2
    assert len(resources_of_type(template, "AWS::Lambda::Function")) == 1


def test_a_concrete_grant_must_be_a_job_arn() -> None:
    stack = new_stack()
    provider = CleanRoomsMlProvider.of(stack)
    with pytest.raises(
        ValidationError, match=r"^audience_generation_job_arn: .* is not an audience generation"
    ):
        provider.grant_audience_export(JOB_ARN.replace("audience-generation-job", "model"))
    assert provider.job_resources().resources == []


def test_a_given_provider_is_used_and_granted_the_job() -> None:
    stack = new_stack()
    shared = CleanRoomsMlProvider(stack, "Shared")
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
    providers = CleanRoomsMlProviderStack(app, env=ENV)
    campaigns = Stack(app, "Campaigns", env=ENV)
    export(campaigns, provider=providers.provider)
    template = template_of(campaigns)

    assert resources_of_type(template, "AWS::Lambda::Function") == {}
    [resource] = export_resources(template).values()
    assert "Fn::ImportValue" in resource["Properties"]["ServiceToken"]
    assert providers in campaigns.dependencies


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("  ", r"^service_token: '  ' is not a Lambda function ARN"),
        (
            "arn:aws:sns:us-east-1:111122223333:topic",
            r"^service_token: .* is not a Lambda function ARN \(arn:<partition>:lambda:",
        ),
        (42, r"^service_token: must be a string, not int"),
    ],
)
def test_a_bad_service_token_is_refused_before_the_import_exists(token: Any, message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=message):
        CleanRoomsMlProvider.from_service_token(stack, "Shared", token)
    assert stack.node.children == []


def test_a_provider_must_be_a_provider() -> None:
    stack = new_stack()
    with pytest.raises(TypeError, match=r"^provider: must be an ICleanRoomsMlProvider \(a Clean"):
        export(stack, provider="arn:aws:lambda:x")
    assert stack.node.children == []


def test_ready_provider_app_reads_its_names_from_context() -> None:
    app = App(context={"export_name": "ExportsToken", "stack_name": "SharedExports"})
    stack = build_provider_app(app)
    assert stack.stack_name == "SharedExports"
    assert template_of(stack)["Outputs"]["ServiceToken"]["Export"] == {"Name": "ExportsToken"}


def test_example_app_with_a_shared_provider() -> None:
    app = App(context={"provider": "shared"})
    stack = example.build(app)
    provider = app.node.find_child(CleanRoomsMlProviderStack.DEFAULT_STACK_NAME)
    assert isinstance(provider, CleanRoomsMlProviderStack)
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
    export(stack, provider=CleanRoomsMlProvider.from_service_token(stack, "Shared", token))
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
    stack_file = tmp_path / f"{CleanRoomsMlProviderStack.DEFAULT_STACK_NAME}.template.json"
    template = json.loads(stack_file.read_text())
    assert template["Outputs"]["ServiceToken"]["Export"] == {"Name": "Team-A:AudienceExports"}
    [statement] = export_statements(template)
    assert f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*" in json.dumps(
        statement["Resource"]
    )


# --- allowed_job_arns: narrowing the shared provider -------------------------------------------

TEAM_JOBS = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/team-a-*"
ONE_JOB = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/q4-lookalikes"


def test_allowed_job_arns_replace_the_account_wide_pattern() -> None:
    stack = CleanRoomsMlProviderStack(App(), env=ENV, allowed_job_arns=[TEAM_JOBS, ONE_JOB])
    template = template_of(stack)
    [statement] = export_statements(template)
    assert statement["Resource"] == [TEAM_JOBS, ONE_JOB]
    # The exports' policy (the role's own); generation jobs have a policy of their own.
    role = template["Resources"][function_role_id(template)]
    assert "audience-generation-job/*" not in json.dumps(role)
    assert stack.allowed_job_arns == [TEAM_JOBS, ONE_JOB]


def test_one_allowed_job_is_the_only_resource() -> None:
    stack = CleanRoomsMlProviderStack(App(), allowed_job_arns=[ONE_JOB, ONE_JOB])
    [statement] = export_statements(template_of(stack))
    assert statement["Resource"] == ONE_JOB


def test_jobs_granted_to_a_narrowed_provider_add_only_what_its_patterns_miss() -> None:
    app = App()
    providers = CleanRoomsMlProviderStack(app, env=ENV, allowed_job_arns=[TEAM_JOBS])
    campaigns = Stack(app, "Campaigns", env=ENV)
    covered = TEAM_JOBS.replace("team-a-*", "team-a-spring")
    export(campaigns, "Covered", job_arn=covered, provider=providers.provider)
    export(campaigns, "Named", job_arn=JOB_ARN, provider=providers.provider)
    [statement] = export_statements(template_of(providers))
    assert statement["Resource"] == [TEAM_JOBS, JOB_ARN]


@pytest.mark.parametrize(
    ("patterns", "rule"),
    [
        ("arn:aws:x", r"^allowed_job_arns: must be a list of audience generation job ARN patterns"),
        ([], r"^allowed_job_arns: must name at least one pattern \(leave it out to allow every"),
        (["*"], r"^allowed_job_arns\[0\]: '\*' is not allowed: name a pattern \(arn:<partition>"),
        ([ONE_JOB, " "], r"^allowed_job_arns\[1\]: ' ' is not allowed"),
        ([ONE_JOB, 7], r"^allowed_job_arns\[1\]: must be a string, not int"),
        (
            [Fn.import_value("Jobs")],
            r"^allowed_job_arns\[0\]: must be written out: a token cannot be checked at synth",
        ),
        (
            [f"arn:aws:cleanrooms-ml:{REGION}:*:audience-generation-job/*"],
            r"^allowed_job_arns\[0\]: .* is not an audience generation job ARN pattern \(arn:"
            r".*with \* or \? only in <job>\)",
        ),
        (
            [f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/*"],
            r"^allowed_job_arns\[0\]: .* is not an audience generation job ARN pattern",
        ),
        (
            [f"arn:aws:cleanrooms:{REGION}:{ACCOUNT}:audience-generation-job/*"],
            r"^allowed_job_arns\[0\]: .* is not an audience generation job ARN pattern",
        ),
        (
            [f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/" + "a" * 2048],
            r"^allowed_job_arns\[0\]: 2117 characters, at most 2048 allowed",
        ),
    ],
)
def test_bad_allowed_job_arns_are_refused_before_the_stack_exists(patterns: Any, rule: str) -> None:
    app = App()
    with pytest.raises(ValidationError, match=rule):
        CleanRoomsMlProviderStack(app, env=ENV, allowed_job_arns=patterns)
    assert app.node.children == []


def test_allowed_job_arns_must_be_of_the_stacks_partition() -> None:
    app = App()
    china = Environment(account=ACCOUNT, region="cn-north-1")
    with pytest.raises(
        ValidationError,
        match=r"^allowed_job_arns\[0\]: partition 'aws', but the provider is deployed in 'aws-cn'",
    ):
        CleanRoomsMlProviderStack(app, env=china, allowed_job_arns=[ONE_JOB])
    assert app.node.children == []
    stack = CleanRoomsMlProviderStack(
        app, env=china, allowed_job_arns=[ONE_JOB.replace("arn:aws:", "arn:aws-cn:")]
    )
    [statement] = export_statements(template_of(stack))
    assert statement["Resource"].startswith("arn:aws-cn:cleanrooms-ml:")


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"allowed_job_arns": f"{TEAM_JOBS}, {ONE_JOB}"}, [TEAM_JOBS, ONE_JOB]),
        ({"allowed_job_arns": [ONE_JOB]}, ONE_JOB),
        ({"allowed_job_arns": ""}, None),
        ({}, None),
    ],
    ids=["comma-separated", "list", "empty", "absent"],
)
def test_ready_provider_app_reads_allowed_job_arns_from_context(
    context: dict[str, Any], expected: Any
) -> None:
    stack = build_provider_app(App(context=context))
    [statement] = export_statements(template_of(stack))
    if expected is None:  # every job of the account and region
        assert json.dumps(statement["Resource"]).endswith(':audience-generation-job/*"]]}')
    else:
        assert statement["Resource"] == expected


def test_ready_provider_app_refuses_a_bad_allowed_job_arn() -> None:
    with pytest.raises(ValidationError, match=r"^allowed_job_arns\[1\]: '' is not allowed"):
        build_provider_app(App(context={"allowed_job_arns": f"{ONE_JOB},,"}))
