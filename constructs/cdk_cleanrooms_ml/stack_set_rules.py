"""What a provider StackSet's props must be: organizational units, regions, the organization,
the asset buckets' names, operation preferences and per-account allow-lists.

Checked before anything is added to the app, each error naming the prop and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cdk_cleanrooms_ml._handler import allow_lists
from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.job_grants import written_out
from cdk_cleanrooms_ml.tokens import has_string_token

# Organizations: an organizational unit, or the organization's root.
_OU: Final = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32}")
_ORGANIZATION: Final = re.compile(r"o-[a-z0-9]{10,32}")
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_ACCOUNT: Final = re.compile(r"[0-9]{12}")
# S3 bucket names: 3-63 lowercase letters, digits, hyphens (dots left out: TLS), starting and
# ending with a letter or digit; the region is appended to the prefix.
_BUCKET_PREFIX: Final = re.compile(r"[a-z0-9][a-z0-9-]*[a-z0-9]")
BUCKET_NAME_MAX: Final = 63
_STACK_SET_NAME: Final = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
STACK_SET_NAME_MAX: Final = 128
CALL_AS: Final = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY: Final = ("SEQUENTIAL", "PARALLEL")


@dataclass(frozen=True)
class AccountAllowLists:
    """What the provider may serve in one member account, where the StackSet's default (every
    job of the account and region, every role of the account) is too broad.

    :param allowed_job_arns: generation job ARN patterns of this account; the StackSet gives
        each region's instance the patterns of its region, so name jobs in every region the
        StackSet deploys to. None: every job of the account and region.
    :param allowed_seed_role_arns: role ARN patterns of this account. None: every role.
    """

    allowed_job_arns: Sequence[str] | None = None
    allowed_seed_role_arns: Sequence[str] | None = None


def _written(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    if has_string_token(value):
        raise ValidationError(field, "must be written out: a token cannot be checked at synth")
    return value


def check_list(values: object, field: str, pattern: re.Pattern[str], shape: str) -> list[str]:
    """A non-empty list of distinct strings matching ``pattern``."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValidationError(field, f"must be a list of {shape}")
    if not values:
        raise ValidationError(field, f"must name at least one ({shape})")
    checked: list[str] = []
    for index, item in enumerate(values):
        where = f"{field}[{index}]"
        text = _written(item, where)
        if not pattern.fullmatch(text):
            raise ValidationError(where, f"{text[:80]!r} is not {shape}")
        if text in checked:
            raise ValidationError(where, f"{text!r} is given twice")
        checked.append(text)
    return checked


def check_organizational_units(values: object) -> list[str]:
    return check_list(
        values,
        "organizational_unit_ids",
        _OU,
        "an organizational unit id (ou-xxxx-xxxxxxxx) or the root's (r-xxxx)",
    )


def check_regions(values: object) -> list[str]:
    return check_list(values, "regions", _REGION, "a region name such as us-east-1")


def check_organization_id(value: object) -> str:
    text = _written(value, "organization_id")
    if not _ORGANIZATION.fullmatch(text):
        raise ValidationError("organization_id", f"{text[:40]!r} is not an organization id (o-...)")
    return text


def check_bucket_prefix(value: object, regions: Sequence[str]) -> str:
    text = _written(value, "asset_bucket_prefix")
    if not _BUCKET_PREFIX.fullmatch(text) or "--" in text:
        raise ValidationError(
            "asset_bucket_prefix",
            f"{text[:80]!r}: lowercase letters, digits and single hyphens, starting and ending"
            " with a letter or digit (an S3 bucket name once -<region> is appended)",
        )
    longest = max(len(region) for region in regions)
    if len(text) + 1 + longest > BUCKET_NAME_MAX:
        raise ValidationError(
            "asset_bucket_prefix",
            f"{len(text)} characters: with -<region> ({longest + 1}) over S3's"
            f" {BUCKET_NAME_MAX}-character bucket name limit",
        )
    return text


def check_stack_set_name(value: object) -> str:
    text = _written(value, "stack_set_name")
    if len(text) > STACK_SET_NAME_MAX or not _STACK_SET_NAME.fullmatch(text):
        raise ValidationError(
            "stack_set_name",
            f"{text[:80]!r}: a letter, then letters, digits and hyphens, at most"
            f" {STACK_SET_NAME_MAX} characters",
        )
    return text


def check_choice(value: object, field: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValidationError(field, f"{str(value)[:40]!r} is not one of {', '.join(allowed)}")
    return str(value)


def check_percentage(value: object, field: str, low: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 100:
        raise ValidationError(field, f"{value!r} is not a whole percentage from {low} to 100")
    return value


def check_account_allow_lists(
    value: object, regions: Sequence[str], partition: str | None
) -> dict[str, AccountAllowLists]:
    """Per-account allow-lists: each account's patterns name that account, and its job patterns
    each region the StackSet deploys to (one region without would allow all of its jobs)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("account_allow_lists", "must map account ids to AccountAllowLists")
    checked: dict[str, AccountAllowLists] = {}
    for account, lists in value.items():
        where = f"account_allow_lists[{account!r}]"
        if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
            raise ValidationError(where, "the key must be a 12-digit account id")
        if not isinstance(lists, AccountAllowLists):
            raise ValidationError(where, "must be an AccountAllowLists")
        jobs = lists.allowed_job_arns
        if jobs is not None:
            jobs = allow_lists.check_job_patterns(
                jobs, f"{where}.allowed_job_arns", partition, account=account, before=written_out
            )
            named = {pattern.split(":")[3] for pattern in jobs}
            for region in regions:
                if region not in named:
                    raise ValidationError(
                        f"{where}.allowed_job_arns",
                        f"names no job of {region}, where the StackSet deploys: its provider"
                        " there would serve every job (name one in each region, or none)",
                    )
            foreign = sorted(named - set(regions))
            if foreign:
                raise ValidationError(
                    f"{where}.allowed_job_arns",
                    f"names jobs of {foreign[0]}, where the StackSet does not deploy",
                )
        roles = lists.allowed_seed_role_arns
        if roles is not None:
            roles = allow_lists.check_seed_role_patterns(
                roles,
                f"{where}.allowed_seed_role_arns",
                partition,
                account=account,
                before=written_out,
            )
        checked[account] = AccountAllowLists(jobs, roles)
    return checked
