"""The seed role is in the configured audience model's partition and the stack's: a role of
another partition could never be passed to the job, so synth refuses it before anything (job,
provider, PassRole grant) joins the tree. Tokens are left to the handler."""

from __future__ import annotations

from typing import Final

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import SeedAudience, ValidationError
from tests.constructs.generation_support import SEED_URI, job_resources, s3_job
from tests.constructs.support import ACCOUNT

PARTITION_REGIONS: Final = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


def model(partition: str) -> str:
    region = PARTITION_REGIONS[partition]
    return f"arn:{partition}:cleanrooms-ml:{region}:{ACCOUNT}:configured-audience-model/model-1"


def role(partition: str) -> str:
    return f"arn:{partition}:iam::{ACCOUNT}:role/cleanrooms-ml-seed"


def stack_in(region: str | None) -> Stack:
    env = Environment(account=ACCOUNT, region=region) if region else None
    return Stack(App(), "TestStack", env=env)


def job(stack: Stack, role_arn: str, model_arn: str) -> None:
    s3_job(
        stack,
        configured_audience_model_arn=model_arn,
        seed_audience=SeedAudience.from_s3(SEED_URI, role=role_arn),
    )


def assert_stack_gained_nothing(stack: Stack) -> None:
    assert stack.node.try_find_child("Job") is None
    assert stack.node.try_find_child("CleanRoomsMlAudienceExportProvider") is None
    assert Template.from_stack(stack).to_json().get("Resources", {}) == {}


@pytest.mark.parametrize(
    ("role_partition", "model_partition"),
    [("aws-cn", "aws"), ("aws-us-gov", "aws"), ("aws", "aws-cn"), ("aws", "aws-us-gov")],
)
def test_a_role_of_another_partition_than_the_model_is_refused(
    role_partition: str, model_partition: str
) -> None:
    # The stack's region is a token: only the model's partition is known.
    stack = stack_in(None)
    with pytest.raises(ValidationError) as caught:
        job(stack, role(role_partition), model(model_partition))

    assert caught.value.field == "seed_audience.role"
    assert str(caught.value).startswith("seed_audience.role: ")
    assert f"the role is in partition {role_partition}" in caught.value.rule
    assert f"the configured audience model is in {model_partition}" in caught.value.rule
    assert_stack_gained_nothing(stack)


@pytest.mark.parametrize(
    ("partition", "region"),
    [
        ("aws-cn", "us-east-1"),
        ("aws-us-gov", "eu-west-1"),
        ("aws", "cn-north-1"),
        ("aws", "us-gov-east-1"),
    ],
)
def test_a_role_and_model_of_another_partition_than_the_stack_are_refused(
    partition: str, region: str
) -> None:
    stack = stack_in(region)
    with pytest.raises(ValidationError) as caught:
        job(stack, role(partition), model(partition))

    assert caught.value.field == "seed_audience.role"
    assert f"the stack (region {region}) is in" in caught.value.rule
    assert_stack_gained_nothing(stack)


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_one_partition_throughout_is_accepted(partition: str) -> None:
    stack = stack_in(PARTITION_REGIONS[partition])
    job(stack, role(partition), model(partition))

    [resource] = job_resources(dict(Template.from_stack(stack).to_json())).values()
    assert resource["Properties"]["SeedAudience"]["RoleArn"] == role(partition)


def test_an_unknown_region_or_tokens_are_left_to_the_handler() -> None:
    # A region CDK has no facts about names no partition; token ARNs are known at deploy only.
    job(stack_in("xx-nowhere-1"), role("aws-cn"), model("aws-cn"))
    agnostic = stack_in(None)
    token = CfnParameter(agnostic, "SeedRole").value_as_string
    job(agnostic, token, model("aws-cn"))
    other = stack_in("us-east-1")
    model_token = CfnParameter(other, "Model").value_as_string
    job(other, role("aws"), model_token)
    assert job_resources(dict(Template.from_stack(agnostic).to_json()))
    assert job_resources(dict(Template.from_stack(other).to_json()))
