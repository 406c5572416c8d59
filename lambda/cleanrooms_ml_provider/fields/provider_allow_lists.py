"""The provider allow-lists' fields (``Custom::CleanRoomsMlProviderAllowLists``).

A shared provider stack (deployed by a StackSet) takes its allow-lists as CloudFormation
parameters, which no synth can check; this resource checks them at deploy, with the rules the
constructs apply at synth (:mod:`allow_lists`), against the provider's own partition, region and
account. Each list is a ``CommaDelimitedList`` parameter's ``Ref``: none given (every job of the
account and region, every role of the account) is an empty list, or ``[""]`` (what ``Ref`` of an
empty ``CommaDelimitedList`` gives).
"""

from __future__ import annotations

from typing import Final

from .table import Field, Table

ALLOW_LISTS_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlProviderAllowLists"
KEY_ALLOWED_JOB_ARNS: Final = "AllowedJobArns"
KEY_ALLOWED_SEED_ROLE_ARNS: Final = "AllowedSeedRoleArns"
# The resource's attributes (Data): what each list allows.
KEY_JOB_SCOPE: Final = "JobScope"
KEY_SEED_ROLE_SCOPE: Final = "SeedRoleScope"
SCOPE_ACCOUNT: Final = "account"
SCOPE_PATTERNS: Final = "patterns"
SCOPE_ROLES: Final = "roles"


def parse_given(raw: object, field: str) -> object:
    """``[]`` for a list that gives nothing (``[]`` or ``[""]``); anything else as it is, for
    the list's rules to check (they name the field and the first bad item)."""
    del field
    return [] if raw == [""] else raw


ALLOWED_JOB_ARNS: Final = Field(
    KEY_ALLOWED_JOB_ARNS, "allowed_job_arns", parse_given, required=True
)
ALLOWED_SEED_ROLE_ARNS: Final = Field(
    KEY_ALLOWED_SEED_ROLE_ARNS, "allowed_seed_role_arns", parse_given, required=True
)
TABLE: Final[Table] = (ALLOWED_JOB_ARNS, ALLOWED_SEED_ROLE_ARNS)
