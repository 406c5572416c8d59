"""Every bad resource policy property is refused by the shared rules, naming the field and the
rule, before any call."""

from __future__ import annotations

import copy
import json
from typing import Any

from cdk_cleanrooms_ml._handler.fields import configured_audience_model_policy as fields
from tests.handler.bad_input import Case, matrix_tests
from tests.handler.support import cfn_event

MODEL_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/offer"
DOC = "PolicyDocument"
STATEMENT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
    "Action": "cleanrooms-ml:StartAudienceGenerationJob",
    "Resource": MODEL_ARN,
}


def base() -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "ConfiguredAudienceModelArn": MODEL_ARN,
        DOC: json.dumps({"Version": "2012-10-17", "Statement": [STATEMENT]}),
    }


def edit(key: str, value: Any = ...) -> dict[str, Any]:
    edited = copy.deepcopy(base())
    if value is ...:
        del edited[key]
    else:
        edited[key] = value
    return edited


def document(value: Any) -> dict[str, Any]:
    return edit(DOC, value if isinstance(value, str) else json.dumps(value))


def statements(*items: Any) -> dict[str, Any]:
    return document({"Version": "2012-10-17", "Statement": list(items)})


CASES = [
    Case("not-an-object", "x", "ResourceProperties", "not an object"),
    Case("a-list", [], "ResourceProperties", "not an object"),
    Case("unknown-key", edit("Policy", "x"), "Policy", "unknown property"),
    Case("signal-url", edit("CompletionSignalUrl", "https://x"), "CompletionSignalUrl", "unknown"),
    Case("wait", edit("WaitForCompletion", "true"), "WaitForCompletion", "unknown property"),
    Case("name", edit("Name", "p"), "Name", "unknown property"),
    Case("tags", edit("Tags", []), "Tags", "unknown property"),
    Case(
        "model-missing",
        edit("ConfiguredAudienceModelArn"),
        "ConfiguredAudienceModelArn",
        "required",
    ),
    Case(
        "model-number",
        edit("ConfiguredAudienceModelArn", 5),
        "ConfiguredAudienceModelArn",
        "string",
    ),
    Case(
        "model-list",
        edit("ConfiguredAudienceModelArn", [MODEL_ARN]),
        "ConfiguredAudienceModelArn",
        "string",
    ),
    Case(
        "model-short",
        edit("ConfiguredAudienceModelArn", "arn:aws"),
        "ConfiguredAudienceModelArn",
        "at least 20",
    ),
    Case(
        "model-audience-model",
        edit(
            "ConfiguredAudienceModelArn",
            MODEL_ARN.replace("configured-audience-model", "audience-model"),
        ),
        "ConfiguredAudienceModelArn",
        "configured audience model ARN",
    ),
    Case(
        "model-other-service",
        edit("ConfiguredAudienceModelArn", MODEL_ARN.replace("cleanrooms-ml", "cleanrooms")),
        "ConfiguredAudienceModelArn",
        "configured audience model ARN",
    ),
    Case(
        "model-account",
        edit("ConfiguredAudienceModelArn", MODEL_ARN.replace("111122223333", "1111")),
        "ConfiguredAudienceModelArn",
        "configured audience model ARN",
    ),
    Case("document-missing", edit(DOC), DOC, "required"),
    Case("document-number", edit(DOC, 5), DOC, "policy document"),
    Case("document-list", edit(DOC, [STATEMENT]), DOC, "policy document"),
    Case("document-empty", edit(DOC, ""), DOC, "at least 1"),
    Case("document-long", edit(DOC, " " * 20_481), DOC, "at most 20480"),
    Case("document-not-json", edit(DOC, "{Statement"), DOC, "is not JSON"),
    Case("document-trailing", edit(DOC, '{"Statement": []} x'), DOC, "is not JSON"),
    Case("document-array", document([STATEMENT]), DOC, "must be a JSON object"),
    Case("document-string", document('"policy"'), DOC, "must be a JSON object"),
    Case("statement-missing", document({"Version": "2012-10-17"}), DOC, "has no Statement"),
    Case("statement-empty", statements(), DOC, "has no Statement"),
    Case("statement-null", document({"Statement": None}), DOC, "has no Statement"),
    Case("statement-text", document({"Statement": "allow"}), DOC, "has no Statement"),
    Case("statement-item-text", statements("allow"), f"{DOC}.Statement[0]", "must be an object"),
    Case(
        "statement-item-list", statements([STATEMENT]), f"{DOC}.Statement[0]", "must be an object"
    ),
    Case(
        "statement-no-principal",
        statements({k: v for k, v in STATEMENT.items() if k != "Principal"}),
        f"{DOC}.Statement[0]",
        "names no Principal",
    ),
    Case(
        "second-statement-no-principal",
        statements(STATEMENT, {"Effect": "Allow", "Action": "*"}),
        f"{DOC}.Statement[1]",
        "names no Principal",
    ),
    Case("timeout-word", edit("ServiceTimeout", "soon"), "ServiceTimeout", "whole"),
    Case("timeout-zero", edit("ServiceTimeout", "0"), "ServiceTimeout", "1 to 3600"),
    Case("timeout-long", edit("ServiceTimeout", "3601"), "ServiceTimeout", "1 to 3600"),
]


def event(props: Any) -> dict[str, Any]:
    made = cfn_event("Create", props, logical_id="ModelPolicy")
    made["ResourceType"] = fields.POLICY_RESOURCE_TYPE
    return made


(
    test_the_matrix_is_wide_and_its_ids_unique,
    test_bad_input_names_the_field_and_the_rule,
    test_the_handler_fails_naming_the_field_and_calls_nothing,
) = matrix_tests(CASES, fields.parse_properties, event)
