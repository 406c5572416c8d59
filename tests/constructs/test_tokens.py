"""Tokens are passed through unchecked (the handler checks them at deploy time)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, Stack, Token

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, AudienceSizeType, ValidationError
from cdk_cleanrooms_ml.tokens import is_token
from tests.constructs.support import (
    JOB_ARN,
    as_list,
    iam_statements,
    new_stack,
    only_export_properties,
    template_of,
)


def string_parameter(stack: Stack, name: str) -> str:
    return CfnParameter(stack, name, type="String").value_as_string


def number_parameter(stack: Stack, name: str) -> float:
    return CfnParameter(stack, name, type="Number").value_as_number


def synth_export(stack: Stack, **overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "audience_generation_job_arn": JOB_ARN,
        "audience_size": AudienceSize.percentage(20),
    }
    props.update(overrides)
    AudienceExport(stack, "E", **props)
    return only_export_properties(template_of(stack))


def test_job_arn_token() -> None:
    stack = new_stack()
    properties = synth_export(stack, audience_generation_job_arn=string_parameter(stack, "JobArn"))
    assert properties["AudienceGenerationJobArn"] == {"Ref": "JobArn"}
    # The derived name would depend on the token: the handler derives it at deploy time.
    assert "Name" not in properties
    (statement,) = [s for s in iam_statements(template_of(stack)) if "cleanrooms" in str(s)]
    assert as_list(statement["Resource"]) == [{"Ref": "JobArn"}]


def test_job_arn_built_from_tokens() -> None:
    stack = new_stack()
    job_id = string_parameter(stack, "Id")
    arn = f"arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/{job_id}"
    properties = synth_export(stack, audience_generation_job_arn=arn)
    assert "Fn::Join" in properties["AudienceGenerationJobArn"]
    assert "Name" not in properties


def test_size_value_token() -> None:
    stack = new_stack()
    size = AudienceSize.absolute(number_parameter(stack, "Rows"))
    properties = synth_export(stack, audience_size=size)
    assert properties["AudienceSize"] == {"Type": "ABSOLUTE", "Value": {"Ref": "Rows"}}
    assert "Name" not in properties


def test_size_type_token() -> None:
    stack = new_stack()
    size = AudienceSize.of(string_parameter(stack, "SizeType"), 150)
    properties = synth_export(stack, audience_size=size)
    assert properties["AudienceSize"] == {"Type": {"Ref": "SizeType"}, "Value": 150}
    assert "Name" not in properties


def test_size_type_and_value_tokens() -> None:
    stack = new_stack()
    size = AudienceSize.of(string_parameter(stack, "T"), number_parameter(stack, "V"))
    assert not size.is_resolved
    properties = synth_export(stack, audience_size=size)
    assert properties["AudienceSize"] == {"Type": {"Ref": "T"}, "Value": {"Ref": "V"}}


def test_name_token() -> None:
    stack = new_stack()
    properties = synth_export(stack, name=string_parameter(stack, "ExportName"))
    assert properties["Name"] == {"Ref": "ExportName"}


def test_name_containing_a_token() -> None:
    stack = new_stack()
    # 70 characters around the token: a concrete name this long would be rejected.
    name = "x" * 70 + string_parameter(stack, "Suffix")
    properties = synth_export(stack, name=name)
    assert properties["Name"] == {"Fn::Join": ["", ["x" * 70, {"Ref": "Suffix"}]]}


def test_description_token() -> None:
    stack = new_stack()
    properties = synth_export(stack, description=string_parameter(stack, "Description"))
    assert properties["Description"] == {"Ref": "Description"}
    assert "Name" not in properties


def test_description_token_with_given_name() -> None:
    stack = new_stack()
    properties = synth_export(
        stack, name="fixed", description=string_parameter(stack, "Description")
    )
    assert properties["Name"] == "fixed"


def test_timeout_token() -> None:
    stack = new_stack()
    properties = synth_export(stack, timeout=Duration.seconds(number_parameter(stack, "Timeout")))
    assert properties["ServiceTimeout"] == {"Ref": "Timeout"}
    # No name given: derived by the handler at deploy time, as for any other inputs.
    assert "Name" not in properties


def test_timeout_token_in_minutes_is_explained() -> None:
    stack = new_stack()
    with pytest.raises(
        ValidationError, match=r"^timeout: a token timeout must be Duration\.seconds"
    ):
        synth_export(stack, timeout=Duration.minutes(number_parameter(stack, "Minutes")))


def test_concrete_size_type_string_becomes_the_enum() -> None:
    assert AudienceSize.of("ABSOLUTE", 10) == AudienceSize.absolute(10)
    assert AudienceSize.of("ABSOLUTE", 10).type is AudienceSizeType.ABSOLUTE


def test_is_token_answers_in_python_what_cdk_would() -> None:
    stack = new_stack()
    values: list[object] = [
        JOB_ARN,
        "",
        20,
        True,
        20.5,
        string_parameter(stack, "Arn"),
        f"prefix-{string_parameter(stack, 'Suffix')}",
        number_parameter(stack, "Size"),
        Duration.seconds(number_parameter(stack, "Timeout")).to_seconds(),
    ]
    assert [is_token(value) for value in values] == [Token.is_unresolved(value) for value in values]
    assert [is_token(value) for value in values] == [False] * 5 + [True] * 4
