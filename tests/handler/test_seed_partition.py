"""At deploy time too, the seed role is in the configured audience model's partition and the
stack's: otherwise the request fails naming the role's field, before any call."""

from __future__ import annotations

from typing import Any, Final

import pytest

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from cdk_cleanrooms_ml._handler.fields import seed_audience as seed_fields
from cdk_cleanrooms_ml._handler.resources import audience_generation_job
from tests.handler.generation_support import job_event, job_properties
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, STACK_ID, invoke_handler

FIELD: Final = f"{job_fields.KEY_SEED}.{seed_fields.KEY_ROLE_ARN}"
REGIONS: Final = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def model(partition: str) -> str:
    region = REGIONS[partition]
    return f"arn:{partition}:cleanrooms-ml:{region}:{ACCOUNT}:configured-audience-model/model-1"


def role(partition: str) -> str:
    return f"arn:{partition}:iam::{ACCOUNT}:role/seed-reader"


def stack_id(partition: str) -> str:
    return STACK_ID.replace(
        "arn:aws:cloudformation:us-east-1:", f"arn:{partition}:cloudformation:{REGIONS[partition]}:"
    )


def props(role_partition: str, model_partition: str) -> dict[str, Any]:
    return job_properties(
        ConfiguredAudienceModelArn=model(model_partition),
        SeedAudience={
            "RoleArn": role(role_partition),
            "DataSource": {"S3Uri": "s3://b/seed.jsonl"},
        },
    )


MODEL_MISMATCHES: Final = [
    ("aws-cn", "aws"),
    ("aws-us-gov", "aws"),
    ("aws", "aws-cn"),
    ("aws", "aws-us-gov"),
]


@pytest.mark.parametrize(("role_partition", "model_partition"), MODEL_MISMATCHES)
def test_the_rules_refuse_a_role_of_another_partition_than_the_model(
    role_partition: str, model_partition: str
) -> None:
    with pytest.raises(rules.RuleError) as raised:
        job_fields.parse_properties(props(role_partition, model_partition))

    assert raised.value.field == FIELD
    assert f"the role is in partition {role_partition}" in raised.value.rule
    assert f"the configured audience model is in {model_partition}" in raised.value.rule


@pytest.mark.parametrize(("role_partition", "model_partition"), MODEL_MISMATCHES)
def test_the_handler_fails_naming_the_role_and_calls_nothing(
    services: Services, role_partition: str, model_partition: str
) -> None:
    # The stubbed clients expect no call: any call at all would be an error of its own.
    result = invoke_handler(
        job_event("Create", props(role_partition, model_partition)), services=services
    )

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(f"{FIELD}: the role is in partition")
    assert result.operations == []


@pytest.mark.parametrize(
    ("partition", "stack_partition"),
    [("aws-cn", "aws"), ("aws-us-gov", "aws"), ("aws", "aws-cn"), ("aws", "aws-us-gov")],
)
def test_a_role_and_model_of_another_partition_than_the_stack_fail_before_any_call(
    services: Services, partition: str, stack_partition: str
) -> None:
    event = job_event("Create", props(partition, partition))
    event["StackId"] = stack_id(stack_partition)

    result = invoke_handler(event, services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    reason = result.response["Reason"]
    assert reason.startswith(f"{FIELD}: the role is in partition {partition}"), reason
    assert f"the stack is in {stack_partition}" in reason
    assert result.operations == []


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_one_partition_throughout_is_accepted(partition: str) -> None:
    event = {"StackId": stack_id(partition), "LogicalResourceId": "Lookalikes"}

    target = audience_generation_job.parse(props(partition, partition), event)

    assert target.props.role_arn == role(partition)


def test_a_stack_id_that_names_no_partition_is_not_compared() -> None:
    # A crafted event's StackId: the properties' own rules still hold, as above.
    target = audience_generation_job.parse(props("aws-cn", "aws-cn"), {"StackId": "crafted"})
    assert target.props.role_arn == role("aws-cn")
