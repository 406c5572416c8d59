"""The template a stack with audience exports synthesizes to."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, CleanRoomsMlProvider
from tests.constructs.support import (
    EXPORT_ACTIONS,
    JOB_ARN,
    JOB_ARNS,
    as_list,
    dependency_graph,
    export_resources,
    find_cycle,
    function_role_id,
    iam_statements,
    logical_id,
    new_stack,
    resources_of_type,
    role_policy_documents,
    template_of,
)


def three_exports() -> tuple[Stack, list[AudienceExport]]:
    stack = new_stack()
    exports = [
        AudienceExport(
            stack,
            "Percent",
            audience_generation_job_arn=JOB_ARNS[0],
            audience_size=AudienceSize.percentage(20),
            name="q4-lookalikes",
            description="Top 20% for the Q4 campaign",
        ),
        AudienceExport(
            stack,
            "Absolute",
            audience_generation_job_arn=JOB_ARNS[1],
            audience_size=AudienceSize.absolute(50_000),
            wait_for_completion=False,
            timeout=Duration.minutes(30),
        ),
        AudienceExport(
            stack,
            "Third",
            audience_generation_job_arn=JOB_ARNS[2],
            audience_size=AudienceSize.percentage(5),
        ),
    ]
    return stack, exports


@pytest.fixture(scope="module")
def synthesized() -> tuple[Stack, list[AudienceExport], dict[str, Any]]:
    stack, exports = three_exports()
    return stack, exports, template_of(stack)


def test_three_exports_share_one_lambda_and_its_roles(synthesized: Any) -> None:
    _, _, template = synthesized
    assert len(export_resources(template)) == 3
    assert len(resources_of_type(template, "AWS::Lambda::Function")) == 1
    # The function's role and the one Scheduler invokes it with (test_provider_scheduling.py).
    assert len(resources_of_type(template, "AWS::IAM::Role")) == 2
    assert len(resources_of_type(template, "AWS::Scheduler::ScheduleGroup")) == 1
    assert len(resources_of_type(template, "AWS::Logs::LogGroup")) == 1


def test_properties_are_rendered_as_given(synthesized: Any) -> None:
    _, exports, template = synthesized
    resources = export_resources(template)
    by_path = {e.node.path: logical_id(e) for e in exports}
    percent = resources[by_path["TestStack/Percent"]]["Properties"]
    absolute = resources[by_path["TestStack/Absolute"]]["Properties"]
    function_id = next(iter(resources_of_type(template, "AWS::Lambda::Function")))

    # Defaults (wait for completion, a 1-hour ServiceTimeout) are left out: the handler and
    # CloudFormation apply the same ones.
    assert percent == {
        "ServiceToken": {"Fn::GetAtt": [function_id, "Arn"]},
        "AudienceGenerationJobArn": JOB_ARNS[0],
        "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
        "Name": "q4-lookalikes",
        "Description": "Top 20% for the Q4 campaign",
    }
    assert absolute["AudienceSize"] == {"Type": "ABSOLUTE", "Value": 50000}
    assert absolute["WaitForCompletion"] is False
    assert absolute["ServiceTimeout"] == "1800"
    for resource in resources.values():
        # CloudFormation's defaults for a custom resource, not repeated per export.
        assert "DeletionPolicy" not in resource
        assert "UpdateReplacePolicy" not in resource
    assert "Description" not in absolute
    # No name given: the handler derives it at deploy time, from the stack it is deployed as.
    assert "Name" not in absolute
    # One public name: the deployed one (export_name); the input is no second attribute.
    assert not hasattr(exports[1], "name")


def test_export_statements_name_exactly_the_three_job_arns(synthesized: Any) -> None:
    _, _, template = synthesized
    statements = iam_statements(template)
    export_statements = [
        s for s in statements if any(a.startswith("cleanrooms-ml:") for a in as_list(s["Action"]))
    ]
    for statement in export_statements:
        assert statement["Effect"] == "Allow"
        assert set(as_list(statement["Action"])) == EXPORT_ACTIONS
    resources = [r for s in export_statements for r in as_list(s["Resource"])]
    assert sorted(resources) == sorted(JOB_ARNS)
    for statement in statements:
        assert "*" not in as_list(statement["Resource"])
        assert "*" not in as_list(statement["Action"])


def test_role_has_no_managed_policies_and_logs_only_to_its_log_group(synthesized: Any) -> None:
    _, _, template = synthesized
    role = template["Resources"][function_role_id(template)]
    for any_role in resources_of_type(template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in any_role["Properties"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]
    log_group_id = next(iter(resources_of_type(template, "AWS::Logs::LogGroup")))
    log_statements = [
        s for s in iam_statements(template) if any(a.startswith("logs:") for a in s["Action"])
    ]
    assert log_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        }
    ]


def test_function_may_invoke_only_itself(synthesized: Any) -> None:
    _, _, template = synthesized
    function_id = next(iter(resources_of_type(template, "AWS::Lambda::Function")))
    only_itself = {
        "Action": "lambda:InvokeFunction",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [function_id, "Arn"]},
    }
    # The function's role (hand-overs of waits from before Scheduler) and Scheduler's role.
    invoke = [s for s in iam_statements(template) if "lambda:" in str(s["Action"])]
    assert invoke == [only_itself, only_itself]
    own = [
        statement
        for document in role_policy_documents(template, function_role_id(template))
        for statement in document["Statement"]
        if "lambda:" in str(statement["Action"])
    ]
    assert own == [only_itself]


def test_exports_wait_for_the_self_invoke_permission(synthesized: Any) -> None:
    _, _, template = synthesized
    [policy_id] = [
        logical_id
        for logical_id in resources_of_type(template, "AWS::IAM::Policy")
        if logical_id.startswith("CleanRoomsMlAudienceExportProviderSelfInvokePolicy")
    ]
    for resource in export_resources(template).values():
        assert policy_id in as_list(resource["DependsOn"])


def test_template_has_no_dependency_cycle(synthesized: Any) -> None:
    _, _, template = synthesized
    assert find_cycle(dependency_graph(template)) is None


def test_cycle_finder_finds_a_cycle() -> None:
    template = {
        "Resources": {
            "A": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["B", "Arn"]}}},
            "B": {"Type": "T", "DependsOn": "C"},
            "C": {"Type": "T", "Properties": {"Y": {"Fn::Sub": "${A.Arn}"}}},
        }
    }
    assert find_cycle(dependency_graph(template)) == ["A", "B", "C", "A"]


def test_lambda_settings(synthesized: Any) -> None:
    _, _, template = synthesized
    log_group_id = next(iter(resources_of_type(template, "AWS::Logs::LogGroup")))
    Template.from_json(template).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": lambda_.Runtime.PYTHON_3_14.name,
            "Architectures": ["arm64"],
            "Handler": "cleanrooms_ml_provider.index.handler",
            "Timeout": 300,
            "Environment": {"Variables": {"LOG_LEVEL": "INFO"}},
            "LoggingConfig": {"LogGroup": {"Ref": log_group_id}},
        },
    )
    Template.from_json(template).has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 365}, "DeletionPolicy": "Retain"},
    )


def test_newest_python_runtime() -> None:
    pythons = [
        getattr(lambda_.Runtime, name)
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_3_")
    ]
    assert len(pythons) > 5
    newest = max(pythons, key=lambda runtime: int(runtime.name.split(".")[1]))
    assert newest.name == lambda_.Runtime.PYTHON_3_14.name


def test_attributes_are_getatts_of_the_resource(synthesized: Any) -> None:
    stack, exports, _ = synthesized
    for export in exports:
        export_id = logical_id(export)
        assert stack.resolve(export.export_name) == {"Fn::GetAtt": [export_id, "Name"]}
        assert stack.resolve(export.status) == {"Fn::GetAtt": [export_id, "Status"]}
        if not export.wait_for_completion:
            continue  # no location to read (test_names.py)
        assert stack.resolve(export.output_location) == {
            "Fn::GetAtt": [export_id, "OutputLocation"]
        }


def test_attributes_used_in_outputs_reach_the_template() -> None:
    from aws_cdk import CfnOutput

    stack = new_stack()
    export = AudienceExport(
        stack, "E", audience_generation_job_arn=JOB_ARN, audience_size=AudienceSize.absolute(10)
    )
    CfnOutput(stack, "Location", value=export.output_location)
    export_id = logical_id(export)
    Template.from_stack(stack).has_output(
        "Location", {"Value": {"Fn::GetAtt": [export_id, "OutputLocation"]}}
    )


def test_provider_is_a_singleton_per_stack() -> None:
    stack = new_stack()
    provider = CleanRoomsMlProvider.of(stack)
    export = AudienceExport(
        stack, "E", audience_generation_job_arn=JOB_ARN, audience_size=AudienceSize.absolute(10)
    )
    assert CleanRoomsMlProvider.of(export) is provider
    assert stack.resolve(provider.service_token) == stack.resolve(provider.function.function_arn)
    other = Stack(stack.node.scope, "Other")  # type: ignore[arg-type]
    assert CleanRoomsMlProvider.of(other) is not provider


def test_one_statement_per_job_however_many_exports_use_it() -> None:
    stack = new_stack()
    for size in (5, 10):
        AudienceExport(
            stack,
            f"E{size}",
            audience_generation_job_arn=JOB_ARN,
            audience_size=AudienceSize.percentage(size),
        )
    template = template_of(stack)
    assert len(export_resources(template)) == 2
    resources = [
        s["Resource"] for s in iam_statements(template) if "cleanrooms-ml:" in str(s["Action"])
    ]
    assert resources == [JOB_ARN]
