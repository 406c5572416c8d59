"""The final-attributes reader's fields (``Custom::CleanRoomsMlFinalAttributes``).

A resource that waits beyond CloudFormation's hour completes once its work is started; its
WaitCondition completes when the work is ACTIVE, and its ``Data`` holds what the provider
signalled then: the resource's attributes, as a JSON object string ``{"<name>": "<JSON of the
attributes>"}``. The reader takes that ``Data`` and gives its attributes back as its own, so a
template reads ``Fn::GetAtt <Reader>.OfferedSizes`` as it would read the resource's own after a
wait of at most an hour.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from ..rules import RuleError
from .table import Field, Table

FINAL_ATTRIBUTES_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlFinalAttributes"
KEY_WAIT_CONDITION_DATA: Final = "WaitConditionData"


def _object(raw: object, field: str, what: str = "") -> Mapping[object, object]:
    """``raw`` as an object: one already, or a JSON object string (``what``: whose, if not
    the field's own value)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise RuleError(field, f"{what}must be a JSON object string; it is not JSON") from None
    if not isinstance(raw, Mapping):
        raise RuleError(field, f"{what}must be a JSON object, not {type(raw).__name__}")
    return raw


def parse_wait_condition_data(raw: object, field: str) -> dict[str, str]:
    """The attributes in a WaitCondition's ``Data``: its one signal's data, strings only."""
    signals = _object(raw, field)
    if len(signals) != 1:
        raise RuleError(
            field,
            f"holds {len(signals)} signals; a WaitCondition of this library receives exactly one "
            "(pass Fn::GetAtt <WaitCondition>.Data of a WaitCondition with Count 1)",
        )
    (attributes,) = signals.values()
    data = _object(attributes, field, "its signal's data ")
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in data.items()):
        raise RuleError(field, "its signal's data must map attribute names to strings")
    return {str(key): str(value) for key, value in data.items()}


WAIT_CONDITION_DATA: Final = Field(
    KEY_WAIT_CONDITION_DATA, "wait_condition_data", parse_wait_condition_data, required=True
)
TABLE: Final[Table] = (WAIT_CONDITION_DATA,)
