"""``Custom::CleanRoomsMlFinalAttributes``: a long wait's final attributes, read the same as a
short wait's.

Create and Update answer with the attributes in the WaitCondition's ``Data`` (see
:mod:`fields.final_attributes`); the reader calls no service and makes nothing, so Delete has
nothing to do. Its physical id never changes: a new ``Data`` (the work was replaced and waited
for again) is an update in place, and what reads its attributes reads the new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import rules
from ..fields import common as common_fields
from ..fields import final_attributes as reader_fields
from ..fields.table import read_table
from .base import AtOnce

RESOURCE_TYPE: Final = reader_fields.FINAL_ATTRIBUTES_RESOURCE_TYPE


def parse(properties: object, event: Mapping[str, Any]) -> dict[str, str]:
    """The attributes (``rules.RuleError`` when the properties are not valid)."""
    del event
    if not isinstance(properties, Mapping):
        raise rules.RuleError("ResourceProperties", "must be an object")
    read = read_table(
        reader_fields.TABLE, properties, extra_keys=(common_fields.KEY_SERVICE_TOKEN,)
    )
    attributes: dict[str, str] = read[reader_fields.WAIT_CONDITION_DATA.prop]
    return attributes


# Answers at once with what the WaitCondition received; nothing to delete, no polls.
HANDLER: Final = AtOnce("final-attributes", parse, dict)
