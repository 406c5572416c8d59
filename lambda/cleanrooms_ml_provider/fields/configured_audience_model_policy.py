"""A configured audience model's resource policy's fields
(``Custom::CleanRoomsMlConfiguredAudienceModelPolicy``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..arns import check_configured_audience_model_arn
from ..rules import RuleError, check_length, reject
from .common import TIMEOUT, read_properties
from .table import Field, Table

POLICY_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlConfiguredAudienceModelPolicy"
KEY_CONFIGURED_MODEL_ARN: Final = "ConfiguredAudienceModelArn"
KEY_POLICY: Final = "PolicyDocument"
# PutConfiguredAudienceModelPolicy's configuredAudienceModelPolicy: 1-20,480 characters.
POLICY_MIN: Final = 1
POLICY_MAX: Final = 20_480


def parse_policy(raw: object, field: str) -> str:
    """The policy as JSON text: a template gives a string (``Fn::Join`` of the rendered
    document); an object (hand-written YAML) is rendered compactly."""
    if isinstance(raw, Mapping):
        return json.dumps(raw, separators=(",", ":"))
    if not isinstance(raw, str):
        reject(field, raw, "a policy document (JSON text or an object)")
    return raw


def check_policy(value: str, field: str = "policy_document") -> str:
    """1-20,480 characters of JSON: an object with a Statement (one or a list of objects)."""
    check_length(field, value, POLICY_MIN, POLICY_MAX)
    try:
        document = json.loads(value)
    except json.JSONDecodeError as error:
        raise RuleError(field, f"is not JSON ({error.msg} at character {error.pos})") from error
    if not isinstance(document, dict):
        raise RuleError(field, "must be a JSON object (a policy document)")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise RuleError(field, "has no Statement: a policy needs at least one")
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            raise RuleError(f"{field}.Statement[{index}]", "must be an object")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise RuleError(
                f"{field}.Statement[{index}]", "names no Principal (a resource policy needs one)"
            )
    return value


CONFIGURED_MODEL_ARN: Final = Field(
    KEY_CONFIGURED_MODEL_ARN,
    "configured_audience_model_arn",
    check=check_configured_audience_model_arn,
    required=True,
)
POLICY: Final = Field(KEY_POLICY, "policy_document", parse_policy, check_policy, required=True)
TABLE: Final[Table] = (CONFIGURED_MODEL_ARN, POLICY, TIMEOUT)


def same_policy(left: str, right: str) -> bool:
    """Whether two policy texts say the same (as JSON: spacing and key order aside)."""
    try:
        return bool(json.loads(left) == json.loads(right))
    except ValueError:
        return left == right


@dataclass(frozen=True)
class PolicyProperties:
    """The validated properties of one resource policy."""

    configured_model_arn: str
    policy: str
    timeout_seconds: int


def parse_properties(raw: object) -> PolicyProperties:
    """Validate a resource policy's ResourceProperties, as CloudFormation sends them."""
    values: dict[str, Any]
    values, _signal = read_properties(TABLE, raw, waits=False)
    return PolicyProperties(
        configured_model_arn=values[CONFIGURED_MODEL_ARN.prop],
        policy=values[POLICY.prop],
        timeout_seconds=values[TIMEOUT.prop],
    )
