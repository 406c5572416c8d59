"""A resource's bad-input matrix: each case's properties, the field and rule the error must
name, and the checks every matrix runs (the shared rules, then the handler: no call made)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import rules
from tests.handler.services import Services
from tests.handler.support import invoke_handler


@dataclass(frozen=True)
class Case:
    id: str
    props: Any
    field: str  # exactly the field the error names
    rule: str  # and a fragment of the rule


def assert_wide(cases: Sequence[Case]) -> None:
    """At least 30 cases, ids unique."""
    assert len(cases) >= 30
    assert len({case.id for case in cases}) == len(cases)


def assert_refused(parse: Callable[[Any], object], case: Case) -> None:
    """The shared rules refuse the case's properties, naming its field and rule."""
    with pytest.raises(rules.ValidationError) as raised:
        parse(case.props)
    assert raised.value.field == case.field
    assert case.rule in raised.value.rule
    assert str(raised.value).startswith(f"{case.field}: ")


def assert_handler_refuses(event: Mapping[str, Any], services: Services, case: Case) -> None:
    """A Create of the case fails naming the field and rule, with no call at all (the stubbed
    clients expect none: any call would be an error of its own)."""
    result = invoke_handler(event, services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(f"{case.field}: "), result.response["Reason"]
    assert case.rule in result.response["Reason"]
    assert result.operations == []


MatrixTests = tuple[Callable[[], None], Callable[[Case], None], Callable[[Case, Services], None]]


def matrix_tests(
    cases: Sequence[Case],
    parse: Callable[[Any], object],
    create_event: Callable[[Any], Mapping[str, Any]],
) -> MatrixTests:
    """The three tests of a matrix, to bind at a test module's top level: it is wide; the
    shared rules refuse each case; a Create of each fails with no call (``create_event``: the
    Create event of the case's properties)."""

    def test_the_matrix_is_wide_and_its_ids_unique() -> None:
        assert_wide(cases)

    @pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])
    def test_bad_input_names_the_field_and_the_rule(case: Case) -> None:
        assert_refused(parse, case)

    @pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])
    def test_the_handler_fails_naming_the_field_and_calls_nothing(
        case: Case, services: Services
    ) -> None:
        assert_handler_refuses(create_event(case.props), services, case)

    return (
        test_the_matrix_is_wide_and_its_ids_unique,
        test_bad_input_names_the_field_and_the_rule,
        test_the_handler_fails_naming_the_field_and_calls_nothing,
    )
