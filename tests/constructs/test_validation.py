"""Concrete values are checked at synth time: one test per rule, each error naming the prop."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, ValidationError
from tests.constructs.support import JOB_ARN, export_resources, new_stack, template_of


def make_export(**overrides: Any) -> None:
    stack = new_stack()
    props: dict[str, Any] = {
        "audience_generation_job_arn": JOB_ARN,
        "audience_size": AudienceSize.percentage(20),
    }
    props.update(overrides)
    AudienceExport(stack, "E", **props)
    # Nothing was added to the stack for a rejected export, so reaching here means accepted.
    assert len(export_resources(template_of(stack))) == 1


def rejects(prop: str, rule_text: str, **overrides: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        make_export(**overrides)
    assert caught.value.field == prop
    assert str(caught.value).startswith(f"{prop}: ")
    assert rule_text in str(caught.value)


def test_name_too_long() -> None:
    rejects("name", "64 characters, at most 63 allowed", name="n" * 64)
    make_export(name="n" * 63)


def test_name_empty() -> None:
    rejects("name", "0 characters, at least 1 required", name="")


def test_name_blank() -> None:
    rejects("name", "must not be blank", name=" \t ")


def test_name_with_emoji() -> None:
    rejects("name", "character U+1F680 is not allowed", name="launch-\U0001f680")


def test_name_with_control_character() -> None:
    rejects("name", "character U+000A is not allowed", name="two\nlines")


def test_description_too_long() -> None:
    rejects("description", "256 characters, at most 255 allowed", description="d" * 256)
    make_export(description="d" * 255)


def test_description_with_emoji() -> None:
    rejects("description", "character U+1F600 is not allowed", description="happy \U0001f600")


def test_description_allows_line_breaks() -> None:
    make_export(description="line one\r\nline two")


def test_job_arn_pattern() -> None:
    arn = "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/model-1"
    rejects(
        "audience_generation_job_arn",
        "is not an audience generation job ARN",
        audience_generation_job_arn=arn,
    )


def test_job_arn_too_short() -> None:
    rejects(
        "audience_generation_job_arn", "at least 20 required", audience_generation_job_arn="arn:"
    )


def test_size_type() -> None:
    with pytest.raises(ValidationError) as caught:
        AudienceSize.of("PERCENT", 20)
    assert str(caught.value) == "audience_size.type: 'PERCENT' is not one of ABSOLUTE, PERCENTAGE"


def test_absolute_value_range() -> None:
    with pytest.raises(
        ValidationError, match=r"^audience_size\.value: 0 is out of range for ABSOLUTE"
    ):
        AudienceSize.absolute(0)
    with pytest.raises(ValidationError, match=r"^audience_size\.value: 20000001 is out of range"):
        AudienceSize.absolute(20_000_001)
    assert AudienceSize.absolute(20_000_000).value == 20_000_000


def test_percentage_at_most_100() -> None:
    with pytest.raises(
        ValidationError, match=r"^audience_size\.value: 101 is out of range for PERCENTAGE"
    ):
        AudienceSize.percentage(101)
    assert AudienceSize.percentage(100).value == 100


def test_size_value_whole_number() -> None:
    with pytest.raises(ValidationError, match=r"^audience_size\.value: 2\.5 is not a whole number"):
        AudienceSize.percentage(2.5)


def test_timeout_range() -> None:
    rejects(
        "timeout", "7200 seconds is out of range (1 to 3600 seconds)", timeout=Duration.hours(2)
    )
    rejects("timeout", "0 seconds is out of range", timeout=Duration.seconds(0))
    make_export(timeout=Duration.seconds(1))
    make_export(timeout=Duration.hours(1))


def test_timeout_whole_seconds() -> None:
    rejects("timeout", "1.5 is not a whole number", timeout=Duration.millis(1500))


def test_wait_for_completion_must_be_a_boolean() -> None:
    rejects("wait_for_completion", "1 is not true or false", wait_for_completion=1)


def test_audience_size_must_be_an_audience_size() -> None:
    with pytest.raises(TypeError, match=r"^audience_size: "):
        make_export(audience_size={"Type": "PERCENTAGE", "Value": 20})


def test_rejected_export_adds_nothing_to_the_stack() -> None:
    stack = new_stack()
    with pytest.raises(ValidationError):
        AudienceExport(
            stack,
            "E",
            audience_generation_job_arn=JOB_ARN,
            audience_size=AudienceSize.percentage(20),
            name="n" * 64,
        )
    assert template_of(stack).get("Resources", {}) == {}
    assert stack.node.try_find_child("E") is None
