"""The custom types the harness's messages name: every type the provider serves."""

from __future__ import annotations

from cdk_cleanrooms_ml.local.custom_types import PROVIDER_TYPES, either
from cdk_cleanrooms_ml.resource_types import SERVED
from tests.local.support import EVERY_TYPE


def test_every_type_the_provider_serves_is_named() -> None:
    assert set(SERVED) < set(PROVIDER_TYPES)
    assert "Custom::CleanRoomsMlProviderDrain" in PROVIDER_TYPES
    assert either() == EVERY_TYPE


def test_a_choice_reads_as_a_sentence() -> None:
    assert either(["A"]) == "A"
    assert either(["A", "B"]) == "A or B"
    assert either(["A", "B", "C"]) == "A, B or C"
