"""The provider's options: log retention and level, memory, JSON logs and VPC placement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    LogLevel,
    ValidationError,
)
from cdk_cleanrooms_ml.scheduling import GROUP_ENV, ROLE_ENV
from tests.constructs.support import (
    ACCOUNT,
    EXPORT_ACTIONS,
    JOB_ARN,
    REGION,
    as_list,
    function_role_id,
    iam_statements,
    new_stack,
    resources_of_type,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations

ENV = Environment(account=ACCOUNT, region=REGION)
SUBNETS = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
DESCRIBE_ACTIONS = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
INTERFACE_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


def function_of(template: dict[str, Any]) -> dict[str, Any]:
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    properties: dict[str, Any] = function["Properties"]
    return properties


def log_level_of(function: dict[str, Any]) -> str:
    """The function's LOG_LEVEL; its other variables are the scheduling ones."""
    variables: dict[str, str] = function["Environment"]["Variables"]
    assert set(variables) == {"LOG_LEVEL", GROUP_ENV, ROLE_ENV}
    return variables["LOG_LEVEL"]


def log_group_id(template: dict[str, Any]) -> str:
    [found] = resources_of_type(template, "AWS::Logs::LogGroup")
    return found


def imported_vpc(stack: Stack) -> ec2.IVpc:
    """A VPC by its ids: the test is about the provider, not about a VPC's own resources."""
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=[f"{REGION}a", f"{REGION}b"],
        private_subnet_ids=SUBNETS,
    )


def test_options_reach_the_function_and_its_log_group() -> None:
    stack = new_stack()
    CleanRoomsMlProvider(
        stack,
        "Provider",
        log_retention=logs.RetentionDays.ONE_MONTH,
        log_level=LogLevel.DEBUG,
        memory_size=512,
    )
    template = template_of(stack)
    function = function_of(template)
    assert function["MemorySize"] == 512
    assert log_level_of(function) == "DEBUG"
    # Text logs stay Lambda's default: no format or level in the template.
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id(template)}}
    [group] = resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert group["Properties"] == {"RetentionInDays": 30}
    assert group["DeletionPolicy"] == "Retain"


def test_log_level_by_name() -> None:
    stack = new_stack()
    provider = CleanRoomsMlProvider(stack, "Provider", log_level=" warning ")
    assert provider.log_level is LogLevel.WARNING
    assert log_level_of(function_of(template_of(stack))) == "WARNING"


@pytest.mark.parametrize(
    ("options", "log_level", "logging_config"),
    [
        ({}, "INFO", {"ApplicationLogLevel": "INFO"}),
        ({"log_level": LogLevel.WARNING}, "WARNING", {"ApplicationLogLevel": "WARN"}),
        (
            {"application_log_level_v2": lambda_.ApplicationLogLevel.FATAL},
            "CRITICAL",
            {"ApplicationLogLevel": "FATAL"},
        ),
        (
            {
                "log_level": LogLevel.DEBUG,
                "application_log_level_v2": lambda_.ApplicationLogLevel.TRACE,
                "system_log_level_v2": lambda_.SystemLogLevel.WARN,
            },
            "DEBUG",
            {"ApplicationLogLevel": "TRACE", "SystemLogLevel": "WARN"},
        ),
    ],
    ids=["default", "log_level", "application_level", "both_and_system"],
)
def test_json_logs_keep_the_handlers_level_in_step_with_lambdas(
    options: dict[str, Any], log_level: str, logging_config: dict[str, str]
) -> None:
    stack = new_stack()
    CleanRoomsMlProvider(stack, "Provider", logging_format=lambda_.LoggingFormat.JSON, **options)
    template = template_of(stack)
    function = function_of(template)
    # Lambda formats the records (the handler writes none of its own JSON); LOG_LEVEL is the
    # handler's level in JSON as in text.
    assert log_level_of(function) == log_level
    assert function["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": {"Ref": log_group_id(template)},
        **logging_config,
    }


def _other_stack_security_group() -> ec2.ISecurityGroup:
    return ec2.SecurityGroup.from_security_group_id(new_stack(name="Other"), "Sg", "sg-0a1b2c3d")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"log_retention": 30}, r"^log_retention: must be a logs\.RetentionDays"),
        (
            {"log_level": "verbose"},
            r"^log_level: 'verbose' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
        ({"memory_size": 64}, r"^memory_size: 64 MB is out of range \(128 to 10,240 MB\)"),
        ({"memory_size": 10_241}, r"^memory_size: 10241 MB is out of range"),
        ({"memory_size": "lots"}, r'^memory_size: "lots" is not a whole number'),
        ({"logging_format": "JSON"}, r"^logging_format: must be lambda_\.LoggingFormat\.JSON"),
        (
            {"application_log_level_v2": lambda_.ApplicationLogLevel.DEBUG},
            r"^application_log_level_v2: needs logging_format=LoggingFormat\.JSON",
        ),
        (
            {
                "logging_format": lambda_.LoggingFormat.TEXT,
                "system_log_level_v2": lambda_.SystemLogLevel.DEBUG,
            },
            r"^system_log_level_v2: needs logging_format=LoggingFormat\.JSON",
        ),
        (
            {
                "logging_format": lambda_.LoggingFormat.JSON,
                "log_level": LogLevel.INFO,
                "application_log_level_v2": lambda_.ApplicationLogLevel.DEBUG,
            },
            r"^application_log_level_v2: DEBUG disagrees with log_level INFO",
        ),
        (
            {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)},
            r"^vpc_subnets: needs vpc",
        ),
        ({"security_groups": "other"}, r"^security_groups: needs vpc"),
    ],
)
def test_bad_options_are_refused_before_the_provider_exists(
    options: dict[str, Any], message: str
) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=message):
        CleanRoomsMlProvider(stack, "Provider", **options)
    assert stack.node.children == []


def test_security_groups_need_a_vpc_and_at_least_one_group() -> None:
    stack = new_stack()
    group = _other_stack_security_group()
    with pytest.raises(ValidationError, match=r"^security_groups: needs vpc"):
        CleanRoomsMlProvider(stack, "Provider", security_groups=[group])
    vpc = imported_vpc(stack)
    with pytest.raises(ValidationError, match=r"^security_groups: must name at least one"):
        CleanRoomsMlProvider(stack, "Provider", vpc=vpc, security_groups=[])
    assert [child.node.id for child in stack.node.children] == ["Vpc"]


def test_an_unknown_option_is_a_type_error() -> None:
    stack = new_stack()
    with pytest.raises(TypeError, match=r"^unexpected provider option 'log_retension'"):
        CleanRoomsMlProvider(stack, "Provider", log_retension=logs.RetentionDays.ONE_DAY)  # type: ignore[call-arg]
    assert stack.node.children == []


# --- VPC placement ----------------------------------------------------------------------------


def vpc_stack(app: App | None = None, **options: Any) -> tuple[Stack, CleanRoomsMlProvider]:
    stack = Stack(app or App(), "InVpc", env=ENV)
    provider = CleanRoomsMlProvider(stack, "Provider", vpc=imported_vpc(stack), **options)
    AudienceExport(
        stack,
        "Export",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(20),
        provider=provider,
    )
    return stack, provider


def test_in_a_vpc_the_role_may_manage_only_network_interfaces_of_its_account() -> None:
    stack, _ = vpc_stack()
    template = template_of(stack)
    function = function_of(template)
    [group_id] = resources_of_type(template, "AWS::EC2::SecurityGroup")
    assert function["VpcConfig"] == {
        "SecurityGroupIds": [{"Fn::GetAtt": [group_id, "GroupId"]}],
        "SubnetIds": SUBNETS,
    }
    role = template["Resources"][function_role_id(template)]
    assert "ManagedPolicyArns" not in role["Properties"]  # no AWSLambdaVPCAccessExecutionRole

    statements = iam_statements(template)
    network = [s for s in statements if str(s["Action"]).count("ec2:")]
    assert network == [
        {"Action": sorted(DESCRIBE_ACTIONS), "Effect": "Allow", "Resource": "*"},
        {
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, f":ec2:{REGION}:{ACCOUNT}:*/*"],
                ]
            },
        },
    ]
    assert set(network[1]["Action"]) == INTERFACE_ACTIONS
    # Only the Describe actions, which take no resource, are granted on "*".
    for statement in statements:
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) == DESCRIBE_ACTIONS
    [jobs] = [s for s in statements if set(as_list(s["Action"])) == EXPORT_ACTIONS]
    assert jobs["Resource"] == JOB_ARN


def test_given_security_groups_are_used() -> None:
    app = App()
    stack = Stack(app, "InVpc", env=ENV)
    group = ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-0a1b2c3d")
    CleanRoomsMlProvider(stack, "Provider", vpc=imported_vpc(stack), security_groups=[group])
    template = template_of(stack)
    assert function_of(template)["VpcConfig"]["SecurityGroupIds"] == ["sg-0a1b2c3d"]
    assert resources_of_type(template, "AWS::EC2::SecurityGroup") == {}


def test_the_policy_size_estimate_counts_the_network_statements() -> None:
    without = CleanRoomsMlProvider(Stack(App(), "S", env=ENV), "Provider")
    _, within = vpc_stack()
    assert within.grants.fixed_chars() > without.grants.fixed_chars() + len(
        "".join(INTERFACE_ACTIONS)
    )


def test_a_provider_in_a_vpc_passes_cdk_nag_with_two_precise_acknowledgments(
    tmp_path: Path,
) -> None:
    app = nag_app(tmp_path)
    stack, _ = vpc_stack(app)
    app.synth()  # raises ValidationFailed on an unacknowledged finding
    assert violations(tmp_path) == []
    metadata = json.loads((tmp_path / f"{stack.stack_name}.metadata.json").read_text())
    acknowledged = sorted(
        (path, rule)
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule in entry["data"]
    )
    assert acknowledged == [
        ("/InVpc/Provider/Role", "AwsSolutions::AwsSolutions-IAM5[Resource::*]"),
        (
            "/InVpc/Provider/Role",
            f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{REGION}:"
            f"{ACCOUNT}:*/*]",
        ),
        (
            # The schedules of its own group, as for any provider (test_provider_scheduling.py).
            "/InVpc/Provider/SelfInvokePolicy",
            f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:{REGION}:"
            f"{ACCOUNT}:schedule/<ProviderScheduleGroup28B3EB3E>/*]",
        ),
    ]


def test_cdk_nag_flags_both_network_resources_unacknowledged(tmp_path: Path) -> None:
    # The control of the test above: the same statements on a plain role are findings.
    app = nag_app(tmp_path)
    stack = Stack(app, "Control", env=ENV)
    account_ec2 = stack.format_arn(service="ec2", resource="*", resource_name="*")
    iam.Role(
        stack,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        inline_policies={
            "Network": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(actions=sorted(DESCRIBE_ACTIONS), resources=["*"]),
                    iam.PolicyStatement(actions=sorted(INTERFACE_ACTIONS), resources=[account_ec2]),
                ]
            )
        },
    )
    with pytest.raises(RuntimeError, match="AwsSolutions-IAM5"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    findings = sorted(
        (construct["constructPath"], violation["ruleName"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    )
    # The very findings the provider acknowledges, by the same ids.
    assert findings == [
        ("Control/Role/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "Control/Role/Resource",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{REGION}:{ACCOUNT}:*/*]",
        ),
    ]


# --- through the provider stack ----------------------------------------------------------------


def test_the_provider_stack_takes_stack_props_and_provider_options() -> None:
    stack = CleanRoomsMlProviderStack(
        App(),
        "Providers",
        stack_name="team-a-providers",
        description="Team A's provider",
        termination_protection=True,
        tags={"team": "a"},
        env=ENV,
        log_level=LogLevel.DEBUG,
        memory_size=256,
        logging_format=lambda_.LoggingFormat.JSON,
    )
    template = template_of(stack)
    assert stack.stack_name == "team-a-providers"
    assert stack.termination_protection is True
    assert template["Description"] == "Team A's provider"
    function = function_of(template)
    assert function["MemorySize"] == 256
    assert log_level_of(function) == "DEBUG"
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    assert stack.tags.tag_values() == {"team": "a"}


def test_the_provider_stack_keeps_its_default_names_and_description() -> None:
    stack = CleanRoomsMlProviderStack(App())
    assert stack.stack_name == "CleanRoomsMlAudienceExportProvider"
    assert template_of(stack)["Description"] == (
        "Shared provider of Custom::CleanRoomsMlAudienceExport resources (cdk-cleanrooms-ml)"
    )


def test_the_provider_stack_refuses_bad_options_before_it_exists() -> None:
    app = App()
    with pytest.raises(ValidationError, match=r"^memory_size: 64 MB is out of range"):
        CleanRoomsMlProviderStack(app, memory_size=64)
    assert app.node.children == []
