"""``Custom::CleanRoomsMlProviderAllowLists``: a shared provider's allow-lists, checked at deploy.

A provider stack deployed by a StackSet takes its allow-lists as parameters; this resource checks
them with the rules the constructs apply at synth (:mod:`allow_lists`), each item also against
the provider's own partition, region and account (see :mod:`fields.provider_allow_lists`).
Create and Update check and answer with what each list allows (``JobScope``: ``account`` or
``patterns``; ``SeedRoleScope``: ``account`` or ``roles``); a refused list fails the request,
naming the property, the item's index and the rule. Nothing is called and nothing is made, so
Delete has nothing to do and never fails: a rollback after a refused Create deletes it. Its
physical id never changes: new lists are an update in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import allow_lists, rules
from ..fields import common as common_fields
from ..fields import provider_allow_lists as allow_fields
from ..fields.table import read_table
from .base import AtOnce

RESOURCE_TYPE: Final = allow_fields.ALLOW_LISTS_RESOURCE_TYPE
# Where the provider is deployed: its function's ARN (the ServiceToken), else its stack's id.
_FUNCTION_ARN: Final = re.compile(
    r"arn:(aws[-a-z]*):lambda:([-a-z0-9]+):([0-9]{12}):function:.+", re.DOTALL
)
_STACK_ARN: Final = re.compile(
    r"arn:(aws[-a-z]*):cloudformation:([-a-z0-9]+):([0-9]{12}):stack/.+", re.DOTALL
)


@dataclass(frozen=True)
class Home:
    """The provider's partition, region and account (None: unknown, not compared)."""

    partition: str | None = None
    region: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class AllowLists:
    """The checked lists; empty: none given (every job of the account and region, every role
    of the account)."""

    job_patterns: list[str]
    seed_roles: list[str]

    def data(self) -> dict[str, str]:
        """The resource's attributes: what each list allows."""
        return {
            allow_fields.KEY_JOB_SCOPE: (
                allow_fields.SCOPE_PATTERNS if self.job_patterns else allow_fields.SCOPE_ACCOUNT
            ),
            allow_fields.KEY_SEED_ROLE_SCOPE: (
                allow_fields.SCOPE_ROLES if self.seed_roles else allow_fields.SCOPE_ACCOUNT
            ),
        }


def provider_home(properties: Mapping[str, object], event: Mapping[str, Any]) -> Home:
    """Where the provider is deployed: from the ServiceToken (its function's ARN), else from
    the event's StackId; a crafted event with neither leaves the parts unknown."""
    token = properties.get(common_fields.KEY_SERVICE_TOKEN)
    for arn, pattern in ((token, _FUNCTION_ARN), (event.get("StackId"), _STACK_ARN)):
        found = pattern.fullmatch(arn) if isinstance(arn, str) else None
        if found is not None:
            return Home(*found.groups())
    return Home()


def parse(properties: object, event: Mapping[str, Any]) -> AllowLists:
    """The checked lists (``rules.RuleError`` names the property, item and rule broken)."""
    if not isinstance(properties, Mapping):
        raise rules.RuleError("ResourceProperties", "must be an object")
    read = read_table(allow_fields.TABLE, properties, extra_keys=(common_fields.KEY_SERVICE_TOKEN,))
    home = provider_home(properties, event)
    return AllowLists(
        _job_patterns(read[allow_fields.ALLOWED_JOB_ARNS.prop], home),
        _seed_roles(read[allow_fields.ALLOWED_SEED_ROLE_ARNS.prop], home),
    )


def _job_patterns(raw: object, home: Home) -> list[str]:
    if raw == []:
        return []  # none given: every job of the account and region
    return allow_lists.check_job_patterns(
        raw,
        allow_fields.KEY_ALLOWED_JOB_ARNS,
        home.partition,
        region=home.region,
        account=home.account,
    )


def _seed_roles(raw: object, home: Home) -> list[str]:
    if raw == []:
        return []  # none given: every role of the account
    return allow_lists.check_seed_role_patterns(
        raw, allow_fields.KEY_ALLOWED_SEED_ROLE_ARNS, home.partition, account=home.account
    )


# Checks and answers at once; nothing to delete, no polls.
HANDLER: Final = AtOnce("allow-lists", parse, AllowLists.data)
