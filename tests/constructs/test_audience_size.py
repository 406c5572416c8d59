"""AudienceSize: a small immutable value type."""

from __future__ import annotations

import dataclasses

import pytest
from aws_cdk import Stack, Token

from cdk_cleanrooms_ml import AudienceSize, AudienceSizeType, ValidationError


def test_factories() -> None:
    assert AudienceSize.percentage(20) == AudienceSize(AudienceSizeType.PERCENTAGE, 20)
    assert AudienceSize.absolute(50_000).to_properties() == {"Type": "ABSOLUTE", "Value": 50000}


def test_whole_float_becomes_int() -> None:
    size = AudienceSize.absolute(1000.0)
    assert size.value == 1000
    assert isinstance(size.value, int)


def test_immutable() -> None:
    size = AudienceSize.percentage(20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        size.value = 30  # type: ignore[misc]


def test_replace_is_validated_too() -> None:
    with pytest.raises(ValidationError, match=r"^audience_size\.value: 500 is out of range"):
        dataclasses.replace(AudienceSize.absolute(500), type=AudienceSizeType.PERCENTAGE)


def test_booleans_are_not_sizes() -> None:
    with pytest.raises(ValidationError, match=r"^audience_size\.value: True is not a whole number"):
        AudienceSize.percentage(True)


def test_size_type_must_be_a_string() -> None:
    with pytest.raises(ValidationError, match=r"^audience_size\.type: 5 is not a string"):
        AudienceSize.of(5, 10)  # type: ignore[arg-type]


def test_token_value_passes_through() -> None:
    token = Token.as_number({"Ref": "Rows"})
    size = AudienceSize.percentage(token)
    assert size.value == token
    assert not size.is_resolved
    assert AudienceSize.percentage(10).is_resolved


def test_of_takes_the_strings_a_cli_or_config_gives() -> None:
    assert AudienceSize.of("PERCENTAGE", "20") == AudienceSize.percentage(20)
    assert AudienceSize.of("ABSOLUTE", " 50000 ").value == 50_000
    with pytest.raises(
        ValidationError, match=r'^audience_size\.value: "ten" is not a whole number'
    ):
        AudienceSize.of("ABSOLUTE", "ten")
    with pytest.raises(ValidationError, match=r"^audience_size\.value: 101 is out of range"):
        AudienceSize.of("PERCENTAGE", "101")


def test_of_takes_a_string_token_as_a_number() -> None:
    size = AudienceSize.of("ABSOLUTE", Token.as_string({"Ref": "Rows"}))
    assert not size.is_resolved
    assert isinstance(size.value, float)  # a number token, as CDK encodes them
    assert Stack().resolve(size.to_properties()) == {"Type": "ABSOLUTE", "Value": {"Ref": "Rows"}}
