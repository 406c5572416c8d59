"""The provider stack with its allow-lists as parameters, and its token in SSM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    ModelOwnerAllowList,
    ValidationError,
)
from cdk_cleanrooms_ml.provider_app import build as build_provider_app
from tests.constructs.support import (
    ACCOUNT,
    EXPORT_ACTIONS,
    JOB_ARN,
    REGION,
    as_list,
    iam_statements,
    resources_of_type,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations

SEED_ROLES = f"arn:aws:iam::{ACCOUNT}:role/seed-*"


def parameter_stack(**props: Any) -> CleanRoomsMlProviderStack:
    return CleanRoomsMlProviderStack(App(), allow_lists_as_parameters=True, **props)


def policy(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["AllowListsPolicy"])


def test_the_lists_are_parameters_checked_before_the_policy_grants_them() -> None:
    template = template_of(parameter_stack(allowed_job_arns=[JOB_ARN]))
    parameters = template["Parameters"]
    assert parameters["AllowedJobArns"]["Type"] == "CommaDelimitedList"
    # What synth was given becomes the default; nothing given is empty (every one).
    assert parameters["AllowedJobArns"]["Default"] == JOB_ARN
    assert parameters["AllowedSeedRoleArns"]["Default"] == ""
    [(check_id, check)] = resources_of_type(
        template, "Custom::CleanRoomsMlProviderAllowLists"
    ).items()
    assert check["Properties"]["AllowedJobArns"] == {"Ref": "AllowedJobArns"}
    assert check["Properties"]["AllowedSeedRoleArns"] == {"Ref": "AllowedSeedRoleArns"}
    granted = policy(template)
    assert check_id in granted["DependsOn"]
    exports, models, jobs, roles = granted["Properties"]["PolicyDocument"]["Statement"]
    assert set(exports["Action"]) == EXPORT_ACTIONS
    assert exports["Resource"]["Fn::If"][0] == "EveryJobOfTheAccount"
    assert exports["Resource"]["Fn::If"][2] == {"Ref": "AllowedJobArns"}
    assert roles["Resource"]["Fn::If"][2] == {"Ref": "AllowedSeedRoleArns"}
    assert roles["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}
    }
    assert "configured-audience-model/*" in json.dumps(models["Resource"])
    assert "audience-generation-job/*" in json.dumps(jobs["Resource"])
    # No other statement grants exports or passes roles: the parameters decide alone.
    others = [s for s in iam_statements(template) if s not in (exports, models, jobs, roles)]
    assert not [s for s in others if set(as_list(s["Action"])) & EXPORT_ACTIONS]
    passed = [s for s in others if "iam:PassRole" in as_list(s["Action"])]
    # Only the scheduler role, to Scheduler (the provider's next polls).
    assert [s["Condition"]["StringEquals"]["iam:PassedToService"] for s in passed] == [
        "scheduler.amazonaws.com"
    ]
    assert set(template["Conditions"]) == {"EveryJobOfTheAccount", "EverySeedRoleOfTheAccount"}


def test_a_stack_with_parameters_passes_the_aws_solutions_checks(tmp_path: Path) -> None:
    app = nag_app(tmp_path)
    CleanRoomsMlProviderStack(
        app, allow_lists_as_parameters=True, service_token_parameter_name="/team/token"
    )
    app.synth()
    assert violations(tmp_path) == []


def test_the_lists_given_at_synth_are_still_checked_at_synth() -> None:
    app = App()
    with pytest.raises(ValidationError, match=r"allowed_seed_role_arns\[0\]"):
        CleanRoomsMlProviderStack(
            app, allow_lists_as_parameters=True, allowed_seed_role_arns=["role/seed"]
        )
    with pytest.raises(ValidationError, match="model_owner: not with allow_lists_as_parameters"):
        CleanRoomsMlProviderStack(
            app,
            allow_lists_as_parameters=True,
            model_owner=ModelOwnerAllowList(
                [f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:training-dataset/*"],
                [f"arn:aws:iam::{ACCOUNT}:role/out"],
            ),
        )
    assert app.node.children == []


def test_the_token_is_also_written_to_ssm_and_read_from_it_without_an_import() -> None:
    provider_stack = CleanRoomsMlProviderStack(
        App(), env=Environment(account=ACCOUNT, region=REGION), service_token_parameter_name="/x/t"
    )
    [parameter] = resources_of_type(template_of(provider_stack), "AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == "/x/t"
    assert parameter["Properties"]["Type"] == "String"
    assert parameter["Properties"]["Value"]["Fn::GetAtt"][1] == "Arn"

    consumer = Stack(App(), "Consumer")
    AudienceExport(
        consumer,
        "Export",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(20),
        provider=CleanRoomsMlProvider.from_service_token_parameter(consumer, "Provider"),
    )
    template = template_of(consumer)
    [(name, read)] = [
        (name, p)
        for name, p in template["Parameters"].items()
        if p["Type"] == "AWS::SSM::Parameter::Value<String>" and name != "BootstrapVersion"
    ]
    assert read["Default"] == "/cdk-cleanrooms-ml/service-token"
    [export] = resources_of_type(template, "Custom::CleanRoomsMlAudienceExport").values()
    assert export["Properties"]["ServiceToken"] == {"Ref": name}
    assert "Fn::ImportValue" not in json.dumps(template)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "must not be empty"),
        ("team/token", "must start with /"),
        ("/aws/token", "must not begin with aws or ssm"),
        ("/ssm-token", "must not begin with aws or ssm"),
        ("/team token", "only letters, digits"),
        ("/" + "a/" * 16 + "t", "levels, at most 15"),
        ("/" + "a" * 1000, "characters, at most"),
    ],
)
def test_a_bad_parameter_name_is_refused_naming_the_prop(name: str, rule: str) -> None:
    app = App()
    with pytest.raises(ValidationError, match=f"service_token_parameter_name: .*{rule}"):
        CleanRoomsMlProviderStack(app, service_token_parameter_name=name)
    with pytest.raises(ValidationError, match=f"parameter_name: .*{rule}"):
        CleanRoomsMlProvider.from_service_token_parameter(Stack(app, "S"), "P", name)


def test_the_default_provider_stack_has_neither_parameters_nor_ssm() -> None:
    template = template_of(CleanRoomsMlProviderStack(App()))
    assert set(template.get("Parameters", {})) <= {"BootstrapVersion"}
    assert not resources_of_type(template, "AWS::SSM::Parameter")
    assert not resources_of_type(template, "Custom::CleanRoomsMlProviderAllowLists")


def test_the_provider_app_takes_both_from_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", ACCOUNT)
    monkeypatch.setenv("CDK_DEFAULT_REGION", REGION)
    app = App(
        context={
            "allow_lists_as_parameters": "true",
            "service_token_parameter_name": "/team/token",
            "allowed_job_arns": JOB_ARN,
        }
    )
    stack = build_provider_app(app)
    template = template_of(stack)
    assert template["Parameters"]["AllowedJobArns"]["Default"] == JOB_ARN
    assert stack.service_token_parameter is not None
    # One template for every account: no account or region is written into it.
    assert ACCOUNT not in json.dumps(template["Resources"])
    with pytest.raises(ValidationError, match="allow_lists_as_parameters: 'yes' is not true"):
        build_provider_app(App(context={"allow_lists_as_parameters": "yes"}))


def _granted(template: dict[str, Any], every: bool) -> list[tuple[tuple[str, ...], str, str]]:
    """Every (actions, resource, condition) the stack's policies grant; an allow-list's
    ``Fn::If`` read as its empty-parameter branch when ``every``."""
    granted: list[tuple[tuple[str, ...], str, str]] = []
    for statement in iam_statements(template):
        resources = statement["Resource"]
        if isinstance(resources, dict) and "Fn::If" in resources:
            assert every
            resources = resources["Fn::If"][1]
        for resource in as_list(resources):
            for action in as_list(statement["Action"]):
                granted.append(
                    (
                        (action,),
                        json.dumps(resource, sort_keys=True),
                        json.dumps(statement.get("Condition"), sort_keys=True),
                    )
                )
    return sorted(set(granted))


def test_with_empty_parameters_it_grants_no_more_than_the_provider_stack() -> None:
    classic = set(_granted(template_of(CleanRoomsMlProviderStack(App())), every=False))
    parameters = set(_granted(template_of(parameter_stack()), every=True))
    assert parameters <= classic
    # The one grant it leaves out: the Service Authorization Reference scopes
    # ListAudienceGenerationJobs to configured audience models only, never to jobs.
    [(actions, resource, _)] = classic - parameters
    assert actions == ("cleanrooms-ml:ListAudienceGenerationJobs",)
    assert resource.endswith(':audience-generation-job/*"]]}')
