"""Every bad configured audience model association property is refused by the shared rules,
naming the field and the rule, before any call."""

from __future__ import annotations

import copy
from typing import Any

from cdk_cleanrooms_ml._handler.fields import configured_audience_model_association as fields
from tests.handler.bad_input import Case, matrix_tests
from tests.handler.support import cfn_event

MODEL_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/offer"
MEMBERSHIP = "0f1e2d3c-4b5a-4697-8877-665544332211"
MODEL = "ConfiguredAudienceModelArn"
MANAGE = "ManageResourcePolicies"


def base() -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "MembershipId": MEMBERSHIP,
        MODEL: MODEL_ARN,
        MANAGE: "false",
    }


def edit(key: str, value: Any = ...) -> dict[str, Any]:
    edited = copy.deepcopy(base())
    if value is ...:
        del edited[key]
    else:
        edited[key] = value
    return edited


CASES = [
    Case("not-an-object", "x", "ResourceProperties", "not an object"),
    Case("unknown-key", edit("Membership", MEMBERSHIP), "Membership", "unknown property"),
    Case("signal-url", edit("CompletionSignalUrl", "https://x"), "CompletionSignalUrl", "unknown"),
    Case("wait", edit("WaitForCompletion", "true"), "WaitForCompletion", "unknown property"),
    Case("membership-missing", edit("MembershipId"), "MembershipId", "required"),
    Case("membership-number", edit("MembershipId", 7), "MembershipId", "string"),
    Case("membership-word", edit("MembershipId", "growth"), "MembershipId", "not a membership id"),
    Case(
        "membership-upper", edit("MembershipId", MEMBERSHIP.upper()), "MembershipId", "lower-case"
    ),
    Case(
        "membership-short", edit("MembershipId", MEMBERSHIP[:-1]), "MembershipId", "membership id"
    ),
    Case(
        "membership-arn",
        edit("MembershipId", f"arn:aws:cleanrooms:us-east-1:111122223333:membership/{MEMBERSHIP}"),
        "MembershipId",
        "membership id",
    ),
    Case(
        "membership-braces",
        edit("MembershipId", "{" + MEMBERSHIP + "}"),
        "MembershipId",
        "membership id",
    ),
    Case("model-missing", edit(MODEL), MODEL, "required"),
    Case("model-number", edit(MODEL, 5), MODEL, "string"),
    Case("model-short", edit(MODEL, "arn:aws"), MODEL, "at least 20"),
    Case(
        "model-audience-model",
        edit(MODEL, MODEL_ARN.replace("configured-audience-model", "audience-model")),
        MODEL,
        "configured audience model ARN",
    ),
    Case(
        "model-other-service",
        edit(MODEL, MODEL_ARN.replace("cleanrooms-ml", "cleanrooms")),
        MODEL,
        "configured audience model ARN",
    ),
    Case("manage-missing", edit(MANAGE), MANAGE, "required"),
    Case("manage-word", edit(MANAGE, "yes"), MANAGE, "true or false"),
    Case("manage-number", edit(MANAGE, "1"), MANAGE, "true or false"),
    Case("manage-list", edit(MANAGE, ["true"]), MANAGE, "true or false"),
    Case("name-empty", edit("Name", ""), "Name", "at least 1"),
    Case("name-long", edit("Name", "n" * 101), "Name", "at most 100"),
    Case("name-blank", edit("Name", "   "), "Name", "must not be blank"),
    Case("name-newline", edit("Name", "a\nb"), "Name", "not allowed"),
    Case("name-emoji", edit("Name", "offer \U0001f600"), "Name", "not allowed"),
    Case("name-number", edit("Name", 5), "Name", "string"),
    Case("description-long", edit("Description", "d" * 256), "Description", "at most 255"),
    Case("description-control", edit("Description", "a\x00b"), "Description", "not allowed"),
    Case("tags-object", edit("Tags", {"team": "growth"}), "Tags", "list"),
    Case(
        "tags-fifty",
        edit("Tags", [{"Key": f"k{i}", "Value": ""} for i in range(50)]),
        "Tags",
        "at most 49",
    ),
    Case("tags-no-key", edit("Tags", [{"Value": "v"}]), "Tags[0].Key", "required"),
    Case("timeout-word", edit("ServiceTimeout", "soon"), "ServiceTimeout", "whole"),
    Case("timeout-long", edit("ServiceTimeout", "3601"), "ServiceTimeout", "1 to 3600"),
]


def event(props: Any) -> dict[str, Any]:
    made = cfn_event("Create", props, logical_id="Association")
    made["ResourceType"] = fields.ASSOCIATION_RESOURCE_TYPE
    return made


(
    test_the_matrix_is_wide_and_its_ids_unique,
    test_bad_input_names_the_field_and_the_rule,
    test_the_handler_fails_naming_the_field_and_calls_nothing,
) = matrix_tests(CASES, fields.parse_properties, event)
