"""The provider drain's fields (``Custom::CleanRoomsMlProviderDrain``)."""

from __future__ import annotations

from typing import Final

from ..rules import RuleError
from .common import TIMEOUT
from .table import Field, Table

DRAIN_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlProviderDrain"
KEY_BACKGROUND_DELETIONS: Final = "BackgroundDeletions"


def parse_logical_ids(raw: object, field: str) -> list[str]:
    """The logical ids of the generation jobs whose background deletion the drain waits for."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise RuleError(field, "must be a list of logical ids")
    return [str(item) for item in raw]


BACKGROUND_DELETIONS: Final = Field(
    KEY_BACKGROUND_DELETIONS, "background_deletions", parse_logical_ids, required=True
)
TABLE: Final[Table] = (BACKGROUND_DELETIONS, TIMEOUT)
