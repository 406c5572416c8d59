"""The shared rules accept exactly what the service model allows, checked with hypothesis.

The oracle is built from botocore's own model metadata (lengths, ranges, enums, patterns), read
the way the service reads it: Java regular expressions over code points, where ``\\s`` is
ASCII-only, ``$`` may sit before one final line terminator, and the surrogate escapes in the
character classes never pair up (so characters above U+FFFF are outside them). Lone surrogates
are left out: they cannot be sent as UTF-8 at all.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cdk_cleanrooms_ml._handler import arns, rules
from cdk_cleanrooms_ml._handler import names as naming
from cdk_cleanrooms_ml._handler.fields import audience_export as export_fields
from tests.handler.model_patterns import accepts, java

MODEL = botocore.session.get_session().get_service_model("cleanroomsml")
START: Any = MODEL.operation_model("StartAudienceExportJob").input_shape.members  # type: ignore[union-attr]
NAME = START["name"].metadata
DESCRIPTION = START["description"].metadata
JOB_ARN = START["audienceGenerationJobArn"].metadata
SIZE = START["audienceSize"].members
SIZE_VALUE = SIZE["value"].metadata
SIZE_TYPES = SIZE["type"].enum

NAME_PATTERN = java(NAME["pattern"])
DESCRIPTION_PATTERN = java(DESCRIPTION["pattern"])
ARN_PATTERN = java(JOB_ARN["pattern"])


def allowed(value: str, meta: dict[str, Any], pattern: re.Pattern[str]) -> bool:
    return meta["min"] <= len(value) <= meta["max"] and pattern.fullmatch(value) is not None


EDGE_CHARS = [
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x1f", "\x7f", "\x85", "\xa0", "\u2028",
    "\u2029", "\ud7ff", "\ue000", "\ufffd", "\ufffe", "\uffff", "\U00010000", "\U0001f600",
    "\U0010ffff", "a", "Z", "-", "_", "é", "中",
]  # fmt: skip
CHARS = st.one_of(st.sampled_from(EDGE_CHARS), st.characters(exclude_categories=["Cs"]))


def texts(max_size: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(CHARS, max_size=max_size),
        # Long runs of one character, to land on and around the length limits.
        st.builds(lambda c, n: c * n, st.sampled_from(EDGE_CHARS), st.integers(0, max_size)),
    )


def test_rules_constants_are_the_model_limits() -> None:
    assert (NAME["min"], NAME["max"]) == (1, rules.NAME_MAX)
    assert (DESCRIPTION["min"], DESCRIPTION["max"]) == (0, rules.DESCRIPTION_MAX)
    assert (JOB_ARN["min"], JOB_ARN["max"]) == (arns.JOB_ARN_MIN, arns.JOB_ARN_MAX)
    assert (SIZE_VALUE["min"], SIZE_VALUE["max"]) == (1, export_fields.ABSOLUTE_MAX)
    assert tuple(SIZE_TYPES) == export_fields.SIZE_TYPES


@settings(max_examples=300)
@given(texts(70))
@example("")
@example(" " * 5)
@example("\t \u2028")  # blank, then a final Java line terminator: forbidden
@example("a\u2028")
@example("n" * 63)
@example("n" * 64)
@example("emoji \U0001f600")
def test_name_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(rules.check_name, value) == allowed(value, NAME, NAME_PATTERN)


@settings(max_examples=300)
@given(texts(260))
@example("")
@example("d" * 255)
@example("d" * 256)
@example("line one\r\nline two\ttabbed")
@example("rocket \U0001f680")
@example("\x0b")
def test_description_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(rules.check_description, value) == allowed(
        value, DESCRIPTION, DESCRIPTION_PATTERN
    )


ARN_LIKE = st.from_regex(
    r"arn:aws[-a-z]{0,6}:cleanrooms-ml:[-a-z0-9]{1,20}:[0-9]{12}:audience-generation-job/"
    r"[-a-zA-Z0-9_/.]{1,60}",
    fullmatch=True,
)


@st.composite
def mutated_arns(draw: st.DrawFn) -> str:
    arn = draw(ARN_LIKE)
    position = draw(st.integers(0, len(arn)))
    action = draw(st.sampled_from(["insert", "replace", "delete", "pad"]))
    char = draw(CHARS)
    if action == "insert":
        return arn[:position] + char + arn[position:]
    if action == "replace":
        return arn[:position] + char + arn[position + 1 :]
    if action == "delete":
        return arn[:position] + arn[position + 1 :]
    return arn + "a" * draw(st.integers(1900, 2100))


@settings(max_examples=500)
@given(st.one_of(ARN_LIKE, mutated_arns(), texts(40)))
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/x")
@example("arn:aws-cn:cleanrooms-ml:cn-north-1:111122223333:audience-generation-job/a/b.c_d-e")
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/")
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/x\n")
@example("arn:aws:cleanrooms-ml:us-east-1:١١١١٢٢٢٢٣٣٣٣:audience-generation-job/x")
def test_job_arn_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(arns.check_job_arn, value) == allowed(value, JOB_ARN, ARN_PATTERN)


@given(st.sampled_from(SIZE_TYPES), st.integers(-(2**40), 2**40))
@example("ABSOLUTE", 0)
@example("ABSOLUTE", 1)
@example("ABSOLUTE", 20_000_000)
@example("ABSOLUTE", 20_000_001)
@example("PERCENTAGE", 100)
@example("PERCENTAGE", 101)
def test_size_value_range(size_type: str, value: int) -> None:
    # The model allows 1-20,000,000 for both types; a percentage above 100 means nothing.
    high = 100 if size_type == "PERCENTAGE" else SIZE_VALUE["max"]
    assert accepts(export_fields.check_size_value, size_type, value) == (
        SIZE_VALUE["min"] <= value <= high
    )


@given(st.text(max_size=12))
@example("ABSOLUTE")
@example("absolute")
@example("ABSOLUTE ")
def test_size_type_is_one_of_the_model_enum(value: str) -> None:
    assert accepts(export_fields.check_size_type, value) == (value in SIZE_TYPES)


@given(st.integers(-10_000, 10_000))
def test_timeout_range(value: int) -> None:
    assert accepts(rules.check_timeout_seconds, value) == (1 <= value <= 3600)


@given(st.integers(-(10**18) + 1, 10**18 - 1))
def test_whole_numbers_round_trip_through_their_string_form(value: int) -> None:
    assert rules.parse_int(str(value), "f") == value


@given(st.integers(19, 6000), st.sampled_from(["", "-", "+"]))
def test_longer_numbers_are_out_of_range_naming_the_field(digits: int, sign: str) -> None:
    # Python itself refuses int() of more than 4,300 digits ("internal error: ValueError").
    with pytest.raises(rules.RuleError) as raised:
        rules.parse_int(sign + "9" * digits, "AudienceSize.Value")
    assert str(raised.value) == (
        f"AudienceSize.Value: a {digits:,}-digit number is out of range (at most 18 digits)"
    )
    with pytest.raises(rules.RuleError, match=r"AudienceSize\.Value: .* out of range"):
        rules.parse_int(int(sign + "9" * min(digits, 4000)), "AudienceSize.Value")


@given(
    st.one_of(
        st.floats(allow_nan=True).filter(lambda f: not f.is_integer()).map(str),
        st.text(st.characters(exclude_categories=["Nd"]), min_size=1, max_size=8).filter(
            lambda t: t.strip("+- \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0") != ""
        ),
        st.just(""),
    )
)
def test_anything_else_is_not_a_whole_number(raw: str) -> None:
    with pytest.raises(rules.RuleError):
        rules.parse_int(raw, "f")


@given(st.text(max_size=300), ARN_LIKE, st.sampled_from(SIZE_TYPES), st.integers(1, 100))
def test_default_names_are_valid_and_stable(
    seed: str, arn: str, size_type: str, value: int
) -> None:
    name = naming.default_name(
        seed, job_arn=arn, size_type=size_type, size_value=value, description=None
    )
    assert rules.check_name(name) == name
    assert name == naming.default_name(
        seed, job_arn=arn, size_type=size_type, size_value=value, description=None
    )


@given(st.one_of(ARN_LIKE, ARN_LIKE.map(lambda a: a + "x" * 1980)), texts(63))
def test_physical_ids_fit_and_are_deterministic(arn: str, name: str) -> None:
    physical_id = naming.physical_id(arn, name)
    assert 0 < len(physical_id.encode()) <= 1024
    assert physical_id == naming.physical_id(arn, name)
