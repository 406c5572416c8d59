"""A configured audience model association's fields
(``Custom::CleanRoomsMlConfiguredAudienceModelAssociation``): the configured model offered to
a collaboration, in the model owner's membership of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ..arns import check_configured_audience_model_arn
from ..names import derived_name
from ..rules import RuleError, check_name, parse_bool
from ..tags import KEY_TAGS, parse_tags
from .common import DESCRIPTION, TIMEOUT, CompletionSignal, read_properties
from .table import Field, Table

ASSOCIATION_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlConfiguredAudienceModelAssociation"
KEY_MEMBERSHIP_ID: Final = "MembershipId"
KEY_CONFIGURED_MODEL_ARN: Final = "ConfiguredAudienceModelArn"
KEY_MANAGE_POLICIES: Final = "ManageResourcePolicies"
KEY_NAME: Final = "Name"
# configuredAudienceModelAssociationName: 1-100 characters.
ASSOCIATION_NAME_MAX: Final = 100
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_membership_id(value: str, field: str = "membership_id") -> str:
    """A membership id: a lower-case UUID (36 characters)."""
    if not _UUID.fullmatch(value):
        raise RuleError(
            field, f"{value[:40]!r} is not a membership id (a lower-case UUID, 36 characters)"
        )
    return value


def check_association_name(value: str, field: str = "name") -> str:
    """1-100 characters of the model's class, not blank."""
    return check_name(value, field, ASSOCIATION_NAME_MAX)


MEMBERSHIP_ID: Final = Field(
    KEY_MEMBERSHIP_ID, "membership_id", check=check_membership_id, required=True
)
CONFIGURED_MODEL_ARN: Final = Field(
    KEY_CONFIGURED_MODEL_ARN,
    "configured_audience_model_arn",
    check=check_configured_audience_model_arn,
    required=True,
)
# Required, as by the API: whether Clean Rooms may change the model's policy is the owner's call.
MANAGE_POLICIES: Final = Field(
    KEY_MANAGE_POLICIES, "manage_resource_policies", parse_bool, required=True
)
NAME: Final = Field(KEY_NAME, "name", check=check_association_name)
TAGS: Final = Field(KEY_TAGS, "tags", parse_tags, default=())
TABLE: Final[Table] = (
    MEMBERSHIP_ID,
    CONFIGURED_MODEL_ARN,
    MANAGE_POLICIES,
    NAME,
    DESCRIPTION,
    TAGS,
    TIMEOUT,
)
# What UpdateConfiguredAudienceModelAssociation takes, by request key and template key.
UPDATABLE: Final = {
    "configuredAudienceModelAssociationName": (KEY_NAME,),
    "description": (DESCRIPTION.key,),
}


@dataclass(frozen=True)
class AssociationProperties:
    """The validated properties of one association."""

    membership_id: str
    configured_model_arn: str
    manage_resource_policies: bool
    name: str | None
    description: str | None
    tags: tuple[tuple[str, str], ...]
    timeout_seconds: int
    # It is in place at once: no wait, no completion signal.
    wait_for_completion: bool = True
    signal: CompletionSignal | None = None

    def create_request(self, name: str) -> dict[str, object]:
        """CreateConfiguredAudienceModelAssociation's arguments, under ``name``."""
        request: dict[str, object] = {
            "membershipIdentifier": self.membership_id,
            "configuredAudienceModelArn": self.configured_model_arn,
            "configuredAudienceModelAssociationName": name,
            "manageResourcePolicies": self.manage_resource_policies,
        }
        if self.description is not None:
            request["description"] = self.description
        if self.tags:
            request["tags"] = dict(self.tags)
        return request

    def association_name(self, seed: str) -> str:
        """The given name, or one derived from ``seed`` and the settings that cannot change in
        place (the membership, the model, the policy management)."""
        if self.name is not None:
            return self.name
        settings = self.create_request("")
        for key in (*UPDATABLE, "tags"):
            settings.pop(key, None)
        return derived_name(seed, [seed, settings], fallback="association")


def parse_properties(raw: object) -> AssociationProperties:
    """Validate an association's ResourceProperties, as CloudFormation sends them."""
    values, _signal = read_properties(TABLE, raw, waits=False)
    return AssociationProperties(
        membership_id=values[MEMBERSHIP_ID.prop],
        configured_model_arn=values[CONFIGURED_MODEL_ARN.prop],
        manage_resource_policies=values[MANAGE_POLICIES.prop],
        name=values[NAME.prop],
        description=values[DESCRIPTION.prop],
        tags=values[TAGS.prop],
        timeout_seconds=values[TIMEOUT.prop],
    )
