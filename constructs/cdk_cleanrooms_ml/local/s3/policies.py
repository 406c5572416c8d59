"""Whether a bucket policy lets a principal of another account read an object.

Enough of IAM's evaluation for a StackSet instance reading its code: statements whose action,
resource, principal and conditions all match apply; an applying ``Deny`` wins, else an applying
``Allow`` grants, else nothing does (cross-account, the bucket policy must grant). Principals
match as ``*`` or the reader's account (its id or ``arn:...:iam::<account>:root``); conditions
read ``aws:PrincipalOrgID``, ``aws:PrincipalAccount`` and ``aws:SecureTransport`` (the reader
uses TLS) through the ``String*`` and ``Bool`` operators. A key outside that context makes the
condition false, as IAM evaluates a key the request does not carry.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

GET_OBJECT: Final = "s3:GetObject"


@dataclass(frozen=True)
class Reader:
    """Who reads: their account, their organization (None: in none), over TLS or not."""

    account: str
    organization_id: str | None
    secure_transport: bool = True

    def context(self) -> dict[str, str]:
        values = {
            "aws:principalaccount": self.account,
            "aws:securetransport": "true" if self.secure_transport else "false",
        }
        if self.organization_id is not None:
            values["aws:principalorgid"] = self.organization_id
        return values


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(item) for item in value]
    return []


def _matches_any(patterns: Sequence[str], value: str, *, fold: bool) -> bool:
    if fold:
        value = value.lower()
        patterns = [p.lower() for p in patterns]
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _principal_matches(principal: object, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for item in _listed(principal.get("AWS")):
        if item in ("*", account) or (
            item.startswith("arn:") and item.split(":")[4:6] == [account, "root"]
        ):
            return True
    return False


def _condition_holds(operator: str, key: str, wanted: object, context: Mapping[str, str]) -> bool:
    base = operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = context.get(key.lower())
    if actual is None:
        return if_exists
    values = [str(v).lower() if base == "Bool" else str(v) for v in _listed(wanted)]
    tests = {
        "StringEquals": lambda: actual in values,
        "StringNotEquals": lambda: actual not in values,
        "StringEqualsIgnoreCase": lambda: actual.lower() in [v.lower() for v in values],
        "StringLike": lambda: _matches_any(values, actual, fold=False),
        "StringNotLike": lambda: not _matches_any(values, actual, fold=False),
        "Bool": lambda: actual in values,
    }
    test = tests.get(base)
    return bool(test and test())


def _applies(statement: Mapping[str, Any], reader: Reader, resource: str) -> bool:
    if not _matches_any(_listed(statement.get("Action")), GET_OBJECT, fold=True):
        return False
    if not _matches_any(_listed(statement.get("Resource")), resource, fold=False):
        return False
    if not _principal_matches(statement.get("Principal"), reader.account):
        return False
    context = reader.context()
    conditions = statement.get("Condition") or {}
    return all(
        _condition_holds(str(operator), str(key), wanted, context)
        for operator, keys in conditions.items()
        if isinstance(keys, Mapping)
        for key, wanted in keys.items()
    )


def allows_get_object(
    statements: Sequence[Mapping[str, Any]], reader: Reader, bucket: str, key: str
) -> bool:
    """Whether the bucket policy's ``statements`` let ``reader`` read ``bucket``/``key``."""
    resource = f"arn:aws:s3:::{bucket}/{key}"
    applying = [s for s in statements if _applies(s, reader, resource)]
    if any(s.get("Effect") == "Deny" for s in applying):
        return False
    return any(s.get("Effect") == "Allow" for s in applying)
