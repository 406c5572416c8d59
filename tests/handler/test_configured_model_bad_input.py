"""Every bad configured audience model property is refused by the shared rules, naming the field
and the rule, before any call."""

from __future__ import annotations

import copy
from typing import Any

from cdk_cleanrooms_ml._handler.fields import configured_audience_model as fields
from tests.handler.bad_input import Case, matrix_tests
from tests.handler.model_support import configured_event

MODEL_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-model/shoppers"
ROLE_ARN = "arn:aws:iam::111122223333:role/audience-writer"
SIZES = "AudienceSizeConfig"


def base() -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "AudienceModelArn": MODEL_ARN,
        "OutputS3Uri": "s3://audiences/out/",
        "OutputRoleArn": ROLE_ARN,
        "SharedAudienceMetrics": "ALL",
    }


def edit(key: str, value: Any = ...) -> dict[str, Any]:
    edited = copy.deepcopy(base())
    if value is ...:
        del edited[key]
    else:
        edited[key] = value
    return edited


def sizes(size_type: Any = "PERCENTAGE", bins: Any = (5, 10)) -> dict[str, Any]:
    return edit(SIZES, {"Type": size_type, "Bins": list(bins) if isinstance(bins, tuple) else bins})


CASES = [
    Case("not-an-object", "x", "ResourceProperties", "not an object"),
    Case("unknown-key", edit("Output", "x"), "Output", "unknown property"),
    Case("model-missing", edit("AudienceModelArn"), "AudienceModelArn", "required"),
    Case("model-number", edit("AudienceModelArn", 5), "AudienceModelArn", "string"),
    Case("model-short", edit("AudienceModelArn", "arn:aws"), "AudienceModelArn", "at least 20"),
    Case(
        "model-configured",
        edit("AudienceModelArn", MODEL_ARN.replace("audience-model", "configured-audience-model")),
        "AudienceModelArn",
        "audience model ARN",
    ),
    Case(
        "model-dataset",
        edit("AudienceModelArn", MODEL_ARN.replace("audience-model", "training-dataset")),
        "AudienceModelArn",
        "audience model ARN",
    ),
    Case("output-missing", edit("OutputS3Uri"), "OutputS3Uri", "required"),
    Case("output-https", edit("OutputS3Uri", "https://bucket/out"), "OutputS3Uri", "S3 URI"),
    Case("output-empty", edit("OutputS3Uri", ""), "OutputS3Uri", "at least 1"),
    Case("output-long", edit("OutputS3Uri", "s3://b/" + "k" * 1285), "OutputS3Uri", "at most"),
    Case("role-missing", edit("OutputRoleArn"), "OutputRoleArn", "required"),
    Case(
        "role-user",
        edit("OutputRoleArn", ROLE_ARN.replace(":role/", ":user/")),
        "OutputRoleArn",
        "role ARN",
    ),
    Case("role-short", edit("OutputRoleArn", "arn:aws:iam"), "OutputRoleArn", "at least 20"),
    Case("metrics-missing", edit("SharedAudienceMetrics"), "SharedAudienceMetrics", "required"),
    Case(
        "metrics-some", edit("SharedAudienceMetrics", "SOME"), "SharedAudienceMetrics", "ALL, NONE"
    ),
    Case("metrics-list", edit("SharedAudienceMetrics", ["ALL"]), "SharedAudienceMetrics", "string"),
    Case(
        "seed-size-low", edit("MinMatchingSeedSize", "24"), "MinMatchingSeedSize", "25 to 500,000"
    ),
    Case("seed-size-high", edit("MinMatchingSeedSize", "500001"), "MinMatchingSeedSize", "25 to"),
    Case("seed-size-word", edit("MinMatchingSeedSize", "many"), "MinMatchingSeedSize", "whole"),
    Case("sizes-string", edit(SIZES, "5,10"), SIZES, "Type and Bins"),
    Case("sizes-type", sizes("ROWS"), f"{SIZES}.Type", "ABSOLUTE, PERCENTAGE"),
    Case("sizes-no-type", edit(SIZES, {"Bins": [5]}), f"{SIZES}.Type", "ABSOLUTE or PERCENTAGE"),
    Case(
        "sizes-unknown",
        edit(SIZES, {"Type": "ABSOLUTE", "Bins": [5], "X": 1}),
        f"{SIZES}.X",
        "unknown",
    ),
    Case("bins-empty", sizes(bins=()), f"{SIZES}.Bins", "0 sizes, 1 to 25"),
    Case("bins-many", sizes(bins=tuple(range(1, 27))), f"{SIZES}.Bins", "26 sizes"),
    Case("bins-twice", sizes(bins=(5, 5)), f"{SIZES}.Bins", "more than once"),
    Case("bins-percent", sizes(bins=(101,)), f"{SIZES}.Bins[0]", "1 to 100"),
    Case("bins-rows", sizes("ABSOLUTE", (20_000_001,)), f"{SIZES}.Bins[0]", "1 to 20,000,000"),
    Case("bins-word", sizes(bins=["five"]), f"{SIZES}.Bins[0]", "whole"),
    Case("bins-object", sizes(bins={"a": 1}), f"{SIZES}.Bins", "list"),
    Case(
        "child-tags",
        edit("ChildResourceTagOnCreatePolicy", "ALL"),
        "ChildResourceTagOnCreatePolicy",
        "FROM_PARENT_RESOURCE, NONE",
    ),
    Case("name-long", edit("Name", "n" * 64), "Name", "at most 63"),
    Case("description-long", edit("Description", "d" * 256), "Description", "at most 255"),
    Case(
        "tags-fifty",
        edit("Tags", [{"Key": f"k{i}", "Value": ""} for i in range(50)]),
        "Tags",
        "at most 49",
    ),
    Case("timeout-long", edit("ServiceTimeout", "3601"), "ServiceTimeout", "1 to 3600"),
]


(
    test_the_matrix_is_wide_and_its_ids_unique,
    test_bad_input_names_the_field_and_the_rule,
    test_the_handler_fails_naming_the_field_and_calls_nothing,
) = matrix_tests(CASES, fields.parse_properties, lambda props: configured_event("Create", props))
