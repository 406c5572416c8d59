"""Which generation jobs the provider's role may use, and how that fits IAM's policy size limit.

Pure Python, no CDK: the provider collects its jobs and decides once per synth, so granting a
job costs no round trip to CDK's Node.js process.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cdk_cleanrooms_ml._handler import allow_lists
from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.tokens import has_string_token

# IAM: all inline policies of a role together, whitespace not counted.
ROLE_INLINE_POLICIES_MAX: Final = 10_240
# An unresolved value (a job ARN token, the log group's or function's ARN, a pseudo parameter)
# counts as this many characters: more than any of them renders to in practice.
TOKEN_CHARS: Final = 256
# Policy names and anything else the estimate does not see.
SLACK_CHARS: Final = 512
_POLICY_VERSION: Final = "2012-10-17"
# An encoded string token, to count each one as TOKEN_CHARS in the size estimate.
_TOKEN: Final = re.compile(r"\$\{Token\[[^\]]*\]\}")
# The pseudo parameters an ARN of the stack's account and region holds, at their longest
# values (aws-iso-b; a region such as ap-southeast-5; a 12-digit account).
_PSEUDO: Final = re.compile(r"\$\{Token\[AWS\.(Partition|Region|AccountId)\.\d+\]\}")
PSEUDO_CHARS: Final = {"Partition": 9, "Region": 16, "AccountId": 12}
_JOB_ARN: Final = re.compile(
    r"arn:(?P<partition>[^:]+):cleanrooms-ml:(?P<region>[^:]+):(?P<account>[^:]+)"
    r":audience-generation-job/(?P<job>.+)"
)


@dataclass(frozen=True)
class JobScope:
    """The parts of a job ARN or pattern; None for a part only known at deploy time."""

    partition: str | None
    region: str | None
    account: str | None
    job: str | None

    @staticmethod
    def parse(arn: str) -> JobScope | None:
        """The parts of ``arn`` (tokens in a part make it None); None if it is no job ARN."""
        match = _JOB_ARN.fullmatch(arn)
        if match is None:
            return None
        parts = [None if has_string_token(part) else part for part in match.groups()]
        return JobScope(*parts)

    def surely_covers(self, other: JobScope) -> bool:
        """True only if every job ``other`` names is sure to be one of this pattern's jobs."""
        if None in (self.partition, self.region, self.account, self.job, other.job):
            return False
        if (self.partition, self.region, self.account) != (
            other.partition,
            other.region,
            other.account,
        ):
            return False
        assert self.job is not None and other.job is not None
        if any(char in other.job for char in "*?"):
            return self.job in ("*", other.job)
        return fnmatch.fnmatchcase(other.job, self.job)

    def wildcard(self) -> str | None:
        """Every job of this scope's account and region, as an ARN pattern (None if unknown)."""
        if None in (self.partition, self.region, self.account):
            return None
        return (
            f"arn:{self.partition}:cleanrooms-ml:{self.region}:{self.account}"
            ":audience-generation-job/*"
        )


def written_out(where: str, item: str) -> None:
    """Refuse a token: its value, unknown until deploy, cannot be checked at synth (the
    ``before`` of :mod:`cdk_cleanrooms_ml._handler.allow_lists`)."""
    if has_string_token(item):
        raise ValidationError(where, "must be written out: a token cannot be checked at synth")


def check_patterns(
    patterns: object, field: str = "allowed_job_arns", partition: str | None = None
) -> list[str]:
    """``patterns`` as a list if each is a job ARN pattern (of ``partition`` when known).

    A ``ValidationError`` names the first bad item (``field[index]``) and the rule it breaks:
    the handler's rules (:func:`allow_lists.check_job_patterns`), tokens refused first.
    """
    return allow_lists.check_job_patterns(patterns, field, partition, before=written_out)


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
) -> list[str]:
    """``patterns`` as a list, each once, if each is written out (no token) and passes the
    handler's :func:`allow_lists.check_arn_patterns` (``pattern``, ``max_length``,
    ``partition`` when known); else a ``ValidationError`` naming the first bad item
    (``field[index]``) and the rule."""
    return allow_lists.check_arn_patterns(
        patterns,
        field,
        partition,
        pattern=pattern,
        shape=shape,
        max_length=max_length,
        listing=listing,
        kind=kind,
        empty=empty,
        refuse_bare=refuse_bare,
        before=written_out,
    )


def rendered_chars(value: object) -> int:
    """Characters of ``value`` as compact JSON, each token counted as ``TOKEN_CHARS``."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(_TOKEN.sub(_token_width, text))


def _token_width(token: re.Match[str]) -> str:
    # A pseudo parameter resolves to a short known value; any other token may be long.
    pseudo = _PSEUDO.fullmatch(token.group(0))
    return "x" * (PSEUDO_CHARS[pseudo.group(1)] if pseudo else TOKEN_CHARS)


def fixed_chars(documents: Iterable[Sequence[object]], jobs_statement: object) -> int:
    """The role's inline policies without the job resources: ``documents`` are the statements
    of each policy, ``jobs_statement`` is the export statement with an empty resource list."""
    total = SLACK_CHARS
    for statements in documents:
        total += rendered_chars({"Version": _POLICY_VERSION, "Statement": list(statements)})
    # The jobs statement, plus the comma that joins it to the statement before it.
    return total + rendered_chars(jobs_statement) + 1


def _resources_chars(resources: Sequence[str]) -> int:
    # Each resource adds itself, its quotes and a comma.
    return sum(rendered_chars(resource) + 1 for resource in resources)


@dataclass(frozen=True)
class JobResources:
    """The resources of the export statement, as decided at synth."""

    resources: list[str]
    estimated_chars: int
    # The account/region patterns that replace the jobs' own ARNs (empty when they fit).
    wildcards: list[str]
    # What the exact ARNs would have taken.
    exact_chars: int


class PolicyTooLargeError(ValueError):
    """Even with one pattern per account and region the policy exceeds IAM's limit."""


def decide(jobs: Sequence[str], patterns: Mapping[str, JobScope], fixed: int) -> JobResources:
    """The statement's resources: ``patterns`` (rendered ARN -> its parts) and every job no
    pattern surely covers.

    While the estimate fits IAM's limit the jobs are named exactly. Beyond it, the concrete
    job ARNs are replaced by one pattern per account and region they belong to (tokens stay:
    their account is unknown until deploy).
    """
    exact = list(patterns)
    for job in jobs:
        scope = JobScope.parse(job)
        if scope is not None and any(p.surely_covers(scope) for p in patterns.values()):
            continue
        if job not in exact:
            exact.append(job)
    exact_chars = fixed + _resources_chars(exact)
    if exact_chars <= ROLE_INLINE_POLICIES_MAX:
        return JobResources(exact, exact_chars, [], exact_chars)

    narrowed = list(patterns)
    wildcards: list[str] = []
    for resource in exact[len(patterns) :]:
        scope = JobScope.parse(resource)
        wildcard = scope.wildcard() if scope is not None else None
        if wildcard is None:
            narrowed.append(resource)  # a token: exact it stays
        elif wildcard not in narrowed:
            narrowed.append(wildcard)
            wildcards.append(wildcard)
    estimated = fixed + _resources_chars(narrowed)
    if estimated > ROLE_INLINE_POLICIES_MAX:
        raise PolicyTooLargeError(
            f"the provider's role would need about {estimated} characters of inline policy,"
            f" over IAM's {ROLE_INLINE_POLICIES_MAX}-character limit, even with one pattern"
            f" per account and region ({len(narrowed) - len(wildcards)} of its resources are"
            f" tokens or patterns, each token counted as {TOKEN_CHARS} characters): spread the"
            " exports over several providers"
        )
    return JobResources(narrowed, estimated, wildcards, exact_chars)
