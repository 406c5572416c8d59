"""A shared provider's allow-lists: job ARN patterns and seed role patterns, item by item.

Written once for both sides: the constructs check a provider stack's ``allowed_job_arns`` and
``allowed_seed_role_arns`` (and the model owner's lists) at synth, where the provider's region
and account may be unknown; the handler checks the same lists, given as CloudFormation
parameters, at deploy (``Custom::CleanRoomsMlProviderAllowLists``), where they are known.
What only one side can see (a construct's token) it refuses through ``before``.

Stdlib only, like :mod:`rules`: the constructs import this module at synth time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from .arns import JOB_ARN_MAX, ROLE_ARN_MAX
from .rules import RuleError

# A pattern names its partition, region and account; only the job part may hold IAM's * and ?.
JOB_PATTERN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-generation-job/[-a-zA-Z0-9_/.*?]+"
)
JOB_PATTERN_SHAPE: Final = (
    "arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/<job>, with * or ?"
    " only in <job>"
)
# A seed role pattern: a role ARN whose name may hold IAM's * and ?.
SEED_ROLE_PATTERN: Final = re.compile(r"arn:aws[-a-z]*:iam::[0-9]{12}:role/[\x21-\x7e]+")
SEED_ROLE_SHAPE: Final = "arn:<partition>:iam::<12-digit account>:role/<name>, * or ? in <name>"

# (where, item): raises for an item the caller cannot check (a construct's token), called for
# each string item before the rules, so the first bad item is reported whatever it breaks.
Before = Callable[[str, str], None]


def check_job_patterns(
    patterns: object,
    field: str = "allowed_job_arns",
    partition: str | None = None,
    *,
    region: str | None = None,
    account: str | None = None,
    before: Before | None = None,
) -> list[str]:
    """``patterns`` as a list, each once, if each is a job ARN pattern of ``partition``,
    ``region`` and ``account`` (each compared when given); else a ``RuleError`` naming the first
    bad item (``field[index]``) and the rule it breaks."""
    return check_arn_patterns(
        patterns,
        field,
        partition,
        pattern=JOB_PATTERN,
        shape=JOB_PATTERN_SHAPE,
        max_length=JOB_ARN_MAX,
        listing="audience generation job ARN patterns",
        kind="an audience generation job ARN pattern",
        empty="must name at least one pattern (leave it out to allow every job of the account)",
        refuse_bare=True,
        region=region,
        account=account,
        before=before,
    )


def check_seed_role_patterns(
    patterns: object,
    field: str = "allowed_seed_role_arns",
    partition: str | None = None,
    *,
    account: str | None = None,
    before: Before | None = None,
) -> list[str]:
    """``patterns`` as a list if each is a role ARN (maybe with * or ? in the name) of
    ``partition`` and ``account`` (each compared when given: a role of another account cannot
    be passed); else a ``RuleError`` naming the first bad item (``field[index]``) and the rule."""
    return check_arn_patterns(
        patterns,
        field,
        partition,
        pattern=SEED_ROLE_PATTERN,
        shape=SEED_ROLE_SHAPE,
        max_length=ROLE_ARN_MAX,
        listing="IAM role ARNs or ARN patterns",
        kind="an IAM role ARN pattern",
        empty="must name at least one role (leave it out to allow every role of the account)",
        account=account,
        before=before,
    )


def check_arn_patterns(
    patterns: object,
    field: str,
    partition: str | None,
    *,
    pattern: re.Pattern[str],
    shape: str,
    max_length: int,
    listing: str,
    kind: str,
    empty: str,
    refuse_bare: bool = False,
    region: str | None = None,
    account: str | None = None,
    before: Before | None = None,
) -> list[str]:
    """``patterns`` as a list, each once, if each is a string, at most ``max_length``
    characters, matches ``pattern`` (``arn:<partition>:<service>:<region>:<account>:...``) and
    is of ``partition``, ``region`` and ``account`` (each compared when given); else a
    ``RuleError`` naming the first bad item (``field[index]``) and the rule.
    ``refuse_bare``: a bare ``*`` (or an empty string) is refused with its own message."""
    if isinstance(patterns, str) or not isinstance(patterns, Sequence):
        raise RuleError(field, f"must be a list of {listing}")
    if not patterns:
        raise RuleError(field, empty)
    checked: list[str] = []
    for index, item in enumerate(patterns):
        where = f"{field}[{index}]"
        if not isinstance(item, str):
            raise RuleError(where, f"must be a string, not {type(item).__name__}")
        if before is not None:
            before(where, item)
        if refuse_bare and item.strip() in ("*", ""):
            raise RuleError(where, f"{item!r} is not allowed: name a pattern ({shape})")
        if len(item) > max_length:
            raise RuleError(where, f"{len(item)} characters, at most {max_length} allowed")
        if not pattern.fullmatch(item):
            raise RuleError(where, f"{item[:80]!r} is not {kind} ({shape})")
        _check_home(where, item, partition=partition, region=region, account=account)
        if item not in checked:
            checked.append(item)
    return checked


def _check_home(
    where: str, item: str, *, partition: str | None, region: str | None, account: str | None
) -> None:
    """The item (an ARN its pattern matched) is of the provider's partition, region, account."""
    _, item_partition, _, item_region, item_account = item.split(":", 5)[:5]
    if partition is not None and item_partition != partition:
        raise RuleError(
            where, f"partition {item_partition!r}, but the provider is deployed in {partition!r}"
        )
    # The provider calls Clean Rooms ML in its own region and account: a pattern of another
    # names no job (or role) it could ever use.
    if region is not None and item_region != region:
        raise RuleError(
            where, f"region {item_region!r}, but the provider is deployed in {region!r}"
        )
    if account is not None and item_account != account:
        raise RuleError(
            where, f"account {item_account!r}, but the provider is deployed in account {account!r}"
        )
