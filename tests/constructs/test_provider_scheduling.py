"""What the provider's polls need of EventBridge Scheduler: its group, its role, its grants."""

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
    job_grants,
)
from cdk_cleanrooms_ml.scheduling import GROUP_ENV, ROLE_ENV
from tests.constructs.support import (
    ACCOUNT,
    JOB_ARNS,
    REGION,
    as_list,
    dependency_graph,
    export_resources,
    find_cycle,
    function_role_id,
    iam_statements,
    resources_of_type,
    role_policy_documents,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations
from tests.constructs.test_provider_iam import inline_policy_chars

ENV = Environment(account=ACCOUNT, region=REGION)
GROUP = "AWS::Scheduler::ScheduleGroup"
PREFIX = "CleanRoomsMlAudienceExportProvider"
# The logical ids of a stack's shared provider before it had a schedule group: a deployed stack
# updates them in place.
DEPLOYED_IDS = {
    f"{PREFIX}FunctionB3834680",
    f"{PREFIX}FunctionEventInvokeConfigFADA9DF1",
    f"{PREFIX}LogGroup11DB5BC3",
    f"{PREFIX}Role146E3BB5",
    f"{PREFIX}SelfInvokePolicyC056F5BE",
}
DEPLOYED_STACK_IDS = {
    "ProviderFunction30350776",
    "ProviderFunctionEventInvokeConfig584963E8",
    "ProviderGenerationJobsPolicyEB35B0E7",
    "ProviderLogGroupFD264F08",
    "ProviderRole1DE8EC3B",
    "ProviderSelfInvokePolicy3A48CEC2",
}

NEW_KEYS = ("group", "scheduler_role", "scheduler_invoke")


def exports_stack(app: App | None = None) -> Stack:
    stack = Stack(app or App(), "Campaigns", env=ENV)
    for index, arn in enumerate(JOB_ARNS):
        AudienceExport(
            stack,
            f"Export{index}",
            audience_generation_job_arn=arn,
            audience_size=AudienceSize.percentage(10),
        )
    return stack


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return template_of(exports_stack())


def only_id(template: dict[str, Any], resource_type: str, prefix: str = PREFIX) -> str:
    [found] = [
        logical_id
        for logical_id in resources_of_type(template, resource_type)
        if logical_id.startswith(prefix)
    ]
    return found


def ids(template: dict[str, Any], prefix: str = PREFIX) -> dict[str, str]:
    """The provider's resources by role: function, its role, group, Scheduler's role, ..."""
    function = only_id(template, "AWS::Lambda::Function", prefix)
    role = function_role_id(template)
    [scheduler_role] = [
        logical_id
        for logical_id in resources_of_type(template, "AWS::IAM::Role")
        if logical_id != role and "Seed" not in logical_id
    ]
    return {
        "function": function,
        "role": role,
        "group": only_id(template, GROUP, prefix),
        "scheduler_role": scheduler_role,
        "self_invoke": only_id(template, "AWS::IAM::Policy", f"{prefix}SelfInvokePolicy"),
        "scheduler_invoke": only_id(template, "AWS::IAM::Policy", f"{prefix}SchedulerInvokePolicy"),
    }


def schedules_of(group_id: str, region: Any = REGION, account: Any = ACCOUNT) -> dict[str, Any]:
    """arn:<partition>:scheduler:<region>:<account>:schedule/<group>/* as CDK renders it."""
    if isinstance(region, str) and isinstance(account, str):
        return {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":scheduler:{region}:{account}:schedule/",
                    {"Ref": group_id},
                    "/*",
                ],
            ]
        }
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":scheduler:",
                region,
                ":",
                account,
                ":schedule/",
                {"Ref": group_id},
                "/*",
            ],
        ]
    }


# --- the group ------------------------------------------------------------------------------


def test_one_group_per_provider_named_by_cloudformation_and_deleted_with_the_stack(
    template: dict[str, Any],
) -> None:
    # Three exports, one provider: one group.
    [group] = resources_of_type(template, GROUP).values()
    # No Name: CloudFormation picks a unique one ([0-9a-zA-Z-_.], at most 64 characters), so
    # two stacks from one template do not collide. No Retain: its schedules go with it.
    assert group == {"Type": GROUP}


def test_each_provider_has_a_group_of_its_own() -> None:
    stack = exports_stack()
    other = CleanRoomsMlProvider(stack, "Other")
    template = template_of(stack)
    groups = resources_of_type(template, GROUP)
    assert len(groups) == 2
    names = {
        json.dumps(function["Properties"]["Environment"]["Variables"][GROUP_ENV])
        for function in resources_of_type(template, "AWS::Lambda::Function").values()
    }
    assert names == {json.dumps({"Ref": group_id}) for group_id in groups}
    assert stack.resolve(other.scheduling.group.ref) in [{"Ref": g} for g in groups]


# --- the function's environment --------------------------------------------------------------


def test_the_function_knows_its_group_and_scheduler_role(template: dict[str, Any]) -> None:
    found = ids(template)
    function = template["Resources"][found["function"]]
    assert function["Properties"]["Environment"]["Variables"] == {
        "LOG_LEVEL": "INFO",
        "SCHEDULE_GROUP_NAME": {"Ref": found["group"]},
        "SCHEDULER_ROLE_ARN": {"Fn::GetAtt": [found["scheduler_role"], "Arn"]},
    }


def test_the_variable_names_are_the_handlers() -> None:
    from cdk_cleanrooms_ml._handler import schedules

    assert (GROUP_ENV, ROLE_ENV) == (schedules.GROUP_ENV, schedules.ROLE_ENV)


# --- Scheduler's role ----------------------------------------------------------------------------


def test_the_scheduler_role_trusts_only_scheduler_for_the_providers_group(
    template: dict[str, Any],
) -> None:
    found = ids(template)
    role = template["Resources"][found["scheduler_role"]]
    assert role["Properties"]["AssumeRolePolicyDocument"] == {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": ACCOUNT,
                        # Scheduler names the schedule's group as the source.
                        "aws:SourceArn": {"Fn::GetAtt": [found["group"], "Arn"]},
                    }
                },
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
            }
        ],
        "Version": "2012-10-17",
    }
    assert "EventBridge Scheduler" in role["Properties"]["Description"]
    assert "next poll" in role["Properties"]["Description"]


def test_the_scheduler_role_may_invoke_exactly_the_function(template: dict[str, Any]) -> None:
    found = ids(template)
    role = template["Resources"][found["scheduler_role"]]["Properties"]
    # No inline policy (it would name the function, which names the role) and nothing managed.
    assert set(role) == {"AssumeRolePolicyDocument", "Description"}
    [document] = role_policy_documents(template, found["scheduler_role"])
    assert document["Statement"] == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [found["function"], "Arn"]},
        }
    ]
    policy = template["Resources"][found["scheduler_invoke"]]["Properties"]
    assert policy["Roles"] == [{"Ref": found["scheduler_role"]}]


def test_an_env_agnostic_provider_trusts_its_deploy_time_account() -> None:
    template = template_of(CleanRoomsMlProviderStack(App()))
    [group_id] = resources_of_type(template, GROUP)
    [statement] = [
        s
        for role in resources_of_type(template, "AWS::IAM::Role").values()
        for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "scheduler.amazonaws.com"}
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]},
        }
    }
    [scheduling] = [
        s for s in iam_statements(template) if "scheduler:CreateSchedule" in as_list(s["Action"])
    ]
    assert scheduling["Resource"] == schedules_of(
        group_id, {"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}
    )


# --- the function's role ---------------------------------------------------------------------


def test_the_function_role_schedules_only_in_its_group_and_passes_only_the_scheduler_role(
    template: dict[str, Any],
) -> None:
    found = ids(template)
    self_invoke = template["Resources"][found["self_invoke"]]
    assert self_invoke["Properties"]["Roles"] == [{"Ref": found["role"]}]
    assert self_invoke["Properties"]["PolicyDocument"]["Statement"] == [
        # Kept: a wait started by the previous handler still hands over by invoking itself.
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [found["function"], "Arn"]},
        },
        {
            "Action": [
                "scheduler:CreateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            "Effect": "Allow",
            "Resource": schedules_of(found["group"]),
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [found["scheduler_role"], "Arn"]},
        },
    ]
    # Nowhere else: no other scheduler action, no other PassRole.
    others = [
        s
        for s in iam_statements(template)
        if any(a.startswith("scheduler:") or a == "iam:PassRole" for a in as_list(s["Action"]))
    ]
    assert len(others) == 2


def test_the_size_estimate_counts_the_scheduling_statements() -> None:
    stack = Stack(App(), "Campaigns", env=ENV)
    provider = CleanRoomsMlProvider.of(stack)
    provider.grant_audience_export(JOB_ARNS[0])
    template = template_of(stack)
    # What IAM counts (intrinsics as long strings) fits the estimate, its slack left aside:
    # without the scheduling statements (three intrinsics) the estimate would be ~1,000 short.
    estimate = provider.job_resources().estimated_chars
    assert inline_policy_chars(template) <= estimate - job_grants.SLACK_CHARS


# --- the template as a whole -------------------------------------------------------------------


def test_no_cycle_and_resources_wait_for_schedulers_permission_too(
    template: dict[str, Any],
) -> None:
    assert find_cycle(dependency_graph(template)) is None
    found = ids(template)
    # Exports depend on SelfInvokePolicy, which depends on Scheduler's invoke permission.
    assert template["Resources"][found["self_invoke"]]["DependsOn"] == [found["scheduler_invoke"]]
    for resource in export_resources(template).values():
        assert found["self_invoke"] in as_list(resource["DependsOn"])


def test_the_deployed_logical_ids_stay(template: dict[str, Any]) -> None:
    found = ids(template)
    new = {found[key] for key in NEW_KEYS}
    provider = {logical_id for logical_id in template["Resources"] if logical_id.startswith(PREFIX)}
    assert provider == DEPLOYED_IDS | new
    stack_template = template_of(CleanRoomsMlProviderStack(App(), env=ENV))
    found = ids(stack_template, "Provider")
    new = {found[key] for key in NEW_KEYS}
    assert set(stack_template["Resources"]) == DEPLOYED_STACK_IDS | new


@pytest.mark.parametrize("env", [ENV, None], ids=["env", "agnostic"])
def test_cdk_nag_finds_and_accepts_only_the_groups_schedules(
    env: Environment | None, tmp_path: Path
) -> None:
    app = nag_app(tmp_path)
    stack = exports_stack(app) if env else CleanRoomsMlProviderStack(app)
    app.synth()  # raises ValidationFailed on an unacknowledged finding
    assert violations(tmp_path) == []
    report = json.loads((tmp_path / "validation-report.json").read_text())
    suppressed = [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["suppressedViolations"]
        for construct in violation["violatingConstructs"]
        if ":scheduler:" in violation["ruleName"]
    ]
    # The acknowledgment matches a real finding, on the function's policy only.
    [(rule, path)] = suppressed
    scope = f"{REGION}:{ACCOUNT}" if env else "<AWS::Region>:<AWS::AccountId>"
    provider = (
        stack.provider
        if isinstance(stack, CleanRoomsMlProviderStack)
        else CleanRoomsMlProvider.of(stack)
    )
    group_id = stack.resolve(provider.scheduling.group.logical_id)
    assert rule == (
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:{scope}:schedule/"
        f"<{group_id}>/*]"
    )
    assert path.endswith("/SelfInvokePolicy/Resource")
