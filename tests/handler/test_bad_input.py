"""Every bad property fails the request, names the field, and never starts an export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.handler.services import Services
from tests.handler.support import JOB_ARN, cfn_event, invoke_handler, properties

OK_SIZE = {"Type": "ABSOLUTE", "Value": "1000"}
ARN_PREFIX = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/"


@dataclass(frozen=True)
class Case:
    id: str
    props: Any
    field: str  # the reason must start with it: the field first, then the rule
    rule: str  # and mention this
    offered: list[tuple[str, int]] | None = None  # set: the job is read (sizes), nothing else


def without(key: str, **changes: Any) -> dict[str, Any]:
    props = properties(**changes)
    props.pop(key)
    return props


def with_size(**size: Any) -> dict[str, Any]:
    props = properties()
    props["AudienceSize"] = size
    return props


CASES = [
    # AudienceGenerationJobArn
    Case(
        "arn-missing", without("AudienceGenerationJobArn"), "AudienceGenerationJobArn", "required"
    ),
    Case("arn-null", properties(job_arn=None), "AudienceGenerationJobArn", "required"),  # type: ignore[arg-type]
    Case("arn-list", properties(job_arn=[JOB_ARN]), "AudienceGenerationJobArn", "not a string"),  # type: ignore[arg-type]
    Case("arn-number", properties(job_arn=12), "AudienceGenerationJobArn", "not a string"),  # type: ignore[arg-type]
    Case("arn-empty", properties(job_arn=""), "AudienceGenerationJobArn", "at least 20"),
    Case(
        "arn-too-short", properties(job_arn="arn:aws:x"), "AudienceGenerationJobArn", "at least 20"
    ),
    Case(
        "arn-too-long",
        properties(job_arn=ARN_PREFIX + "a" * 2000),
        "AudienceGenerationJobArn",
        "at most 2048",
    ),
    Case(
        "arn-other-service",
        properties(job_arn="arn:aws:cleanrooms:us-east-1:111122223333:membership/abc"),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    Case(
        "arn-model-not-job",
        properties(job_arn=JOB_ARN.replace("audience-generation-job", "configured-audience-model")),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    Case(
        "arn-short-account",
        properties(job_arn=JOB_ARN.replace("111122223333", "11112222333")),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    Case(
        "arn-upper-region",
        properties(job_arn=JOB_ARN.replace("us-east-1", "US-EAST-1")),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    Case(
        "arn-bad-id-char",
        properties(job_arn=ARN_PREFIX + "abc def"),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    Case(
        "arn-unresolved-ref",
        properties(job_arn='{"Ref": "GenerationJobArn"}'),
        "AudienceGenerationJobArn",
        "not an audience generation job ARN",
    ),
    # AudienceSize
    Case("size-missing", without("AudienceSize"), "AudienceSize", "required"),
    Case(
        "size-json-string",
        {**properties(), "AudienceSize": '{"Type": "ABSOLUTE", "Value": "1000"}'},
        "AudienceSize",
        "not an object",
    ),
    Case("size-list", {**properties(), "AudienceSize": [OK_SIZE]}, "AudienceSize", "not an object"),
    Case("size-type-missing", with_size(Value="1000"), "AudienceSize.Type", "required"),
    Case("size-value-missing", with_size(Type="ABSOLUTE"), "AudienceSize.Value", "required"),
    Case(
        "size-unknown-key",
        with_size(Unit="rows", **OK_SIZE),
        "AudienceSize.Unit",
        "unknown property",
    ),
    Case(
        "size-type-lowercase", properties(size_type="absolute"), "AudienceSize.Type", "not one of"
    ),
    Case("size-type-unknown", properties(size_type="COUNT"), "AudienceSize.Type", "not one of"),
    Case("size-type-number", with_size(Type=1, Value="10"), "AudienceSize.Type", "not a string"),
    Case("size-value-word", properties(size_value="abc"), "AudienceSize.Value", "whole number"),
    Case(
        "size-value-fraction", properties(size_value="20.5"), "AudienceSize.Value", "whole number"
    ),
    Case("size-value-empty", properties(size_value=""), "AudienceSize.Value", "whole number"),
    Case("size-value-exponent", properties(size_value="1e3"), "AudienceSize.Value", "whole number"),
    Case(
        "size-value-bool",
        with_size(Type="ABSOLUTE", Value=True),
        "AudienceSize.Value",
        "whole number",
    ),
    Case(
        "size-value-object",
        with_size(Type="ABSOLUTE", Value={"v": 1}),
        "AudienceSize.Value",
        "whole number",
    ),
    Case("size-value-zero", properties(size_value="0"), "AudienceSize.Value", "out of range"),
    Case("size-value-negative", properties(size_value="-5"), "AudienceSize.Value", "out of range"),
    Case(
        "size-absolute-too-big",
        properties(size_value="20000001"),
        "AudienceSize.Value",
        "out of range for ABSOLUTE",
    ),
    Case(
        "size-percentage-too-big",
        properties(size_type="PERCENTAGE", size_value="101"),
        "AudienceSize.Value",
        "out of range for PERCENTAGE",
    ),
    Case(
        "size-not-offered",
        properties(size_type="PERCENTAGE", size_value="25"),
        "AudienceSize",
        "choose one of PERCENTAGE 10, 20, 50",
        offered=[("PERCENTAGE", 10), ("PERCENTAGE", 20), ("PERCENTAGE", 50)],
    ),
    Case(
        "size-other-type-offered",
        properties(size_type="PERCENTAGE", size_value="10"),
        "AudienceSize",
        "choose one of ABSOLUTE 1000, 5000",
        offered=[("ABSOLUTE", 5000), ("ABSOLUTE", 1000)],
    ),
    # Name
    Case("name-empty", properties(name=""), "Name", "at least 1"),
    Case("name-too-long", properties(name="n" * 64), "Name", "at most 63"),
    Case("name-blank", properties(name="  \t "), "Name", "blank"),
    Case("name-emoji", properties(name="export-\U0001f600"), "Name", "U+1F600"),
    Case("name-newline", properties(name="two\nlines"), "Name", "U+000A"),
    Case("name-nul", properties(name="a\x00b"), "Name", "U+0000"),
    Case("name-list", properties(name=["a"]), "Name", "not a string"),  # type: ignore[arg-type]
    # Description
    Case("description-too-long", properties(description="d" * 256), "Description", "at most 255"),
    Case("description-emoji", properties(description="seed \U0001f680"), "Description", "U+1F680"),
    Case("description-bell", properties(description="ding\x07"), "Description", "U+0007"),
    Case("description-object", properties(description={"en": "x"}), "Description", "not a string"),  # type: ignore[arg-type]
    # WaitForCompletion
    Case("wait-yes", properties(WaitForCompletion="yes"), "WaitForCompletion", "true or false"),
    Case("wait-one", properties(WaitForCompletion="1"), "WaitForCompletion", "true or false"),
    Case("wait-empty", properties(WaitForCompletion=""), "WaitForCompletion", "true or false"),
    # ServiceTimeout
    Case("timeout-zero", properties(ServiceTimeout="0"), "ServiceTimeout", "out of range"),
    Case(
        "timeout-over-an-hour", properties(ServiceTimeout="3601"), "ServiceTimeout", "out of range"
    ),
    Case("timeout-unit", properties(ServiceTimeout="1h"), "ServiceTimeout", "whole number"),
    Case("timeout-fraction", properties(ServiceTimeout="60.5"), "ServiceTimeout", "whole number"),
    # Unknown keys and garbage
    Case(
        "unknown-typo",
        properties(Nmae="x"),
        "Nmae",
        "unknown property; allowed: AudienceGenerationJobArn",
    ),
    Case("unknown-camel-case", properties(audienceSize="x"), "audienceSize", "unknown property"),
    Case("unknown-long-key", properties(**{"K" * 300: "v"}), "KKKK", "unknown property"),
    Case(
        "properties-string",
        '{"AudienceGenerationJobArn": "x"}',
        "ResourceProperties",
        "not an object",
    ),
    Case("properties-list", [properties()], "ResourceProperties", "not an object"),
    Case("properties-missing", None, "ResourceProperties", "not an object"),
]


def test_the_matrix_is_broad() -> None:
    assert len(CASES) >= 40
    fields = {case.field.split(".")[0] for case in CASES}
    assert {
        "AudienceGenerationJobArn",
        "AudienceSize",
        "Name",
        "Description",
        "WaitForCompletion",
        "ServiceTimeout",
        "ResourceProperties",
    } <= fields


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_naming_the_field_and_starts_nothing(
    services: Services, case: Case
) -> None:
    if case.offered is not None:
        services.expect_get_job(sizes=case.offered)

    result = invoke_handler(cfn_event("Create", case.props), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    reason = result.response["Reason"]
    assert reason.startswith(case.field), reason
    assert case.rule in reason, reason
    assert len(reason) <= 256
    assert "StartAudienceExportJob" not in result.operations
    assert result.operations == (["GetAudienceGenerationJob"] if case.offered else [])
