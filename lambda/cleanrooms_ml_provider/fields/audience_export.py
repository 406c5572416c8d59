"""The audience export's fields (``Custom::CleanRoomsMlAudienceExport``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ..arns import check_job_arn
from ..rules import RuleError, parse_int, reject
from .common import DESCRIPTION, NAME, TIMEOUT, WAIT, CompletionSignal, read_properties
from .table import Field, Table, read_table

EXPORT_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceExport"
KEY_JOB_ARN: Final = "AudienceGenerationJobArn"
KEY_SIZE: Final = "AudienceSize"
KEY_SIZE_TYPE: Final = "Type"
KEY_SIZE_VALUE: Final = "Value"
ABSOLUTE_MAX: Final = 20_000_000
PERCENTAGE_MAX: Final = 100
SIZE_TYPES: Final = ("ABSOLUTE", "PERCENTAGE")


def check_size_type(value: str, field: str = "audience_size.type") -> str:
    """ABSOLUTE or PERCENTAGE."""
    if value not in SIZE_TYPES:
        raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(SIZE_TYPES)}")
    return value


def check_size_value(size_type: str, value: int, field: str = "audience_size.value") -> int:
    """ABSOLUTE 1-20,000,000 rows; PERCENTAGE 1-100."""
    high = PERCENTAGE_MAX if size_type == "PERCENTAGE" else ABSOLUTE_MAX
    if not 1 <= value <= high:
        raise RuleError(field, f"{value} is out of range for {size_type} (1 to {high:,})")
    return value


# ``AudienceSize``: the value's range depends on the type (check_size_value).
SIZE_TYPE: Final = Field(KEY_SIZE_TYPE, "type", check=check_size_type, required=True)
SIZE_VALUE: Final = Field(KEY_SIZE_VALUE, "value", parse_int, required=True)
SIZE_TABLE: Final[Table] = (SIZE_TYPE, SIZE_VALUE)


def parse_size(raw: object, field: str) -> tuple[str, int]:
    """The template's ``AudienceSize`` object: (type, value), checked."""
    if not isinstance(raw, Mapping):
        reject(field, raw, "an object with Type and Value")
    size = read_table(SIZE_TABLE, raw, f"{field}.")
    return size["type"], check_size_value(size["type"], size["value"], f"{field}.{KEY_SIZE_VALUE}")


JOB_ARN: Final = Field(
    KEY_JOB_ARN, "audience_generation_job_arn", check=check_job_arn, required=True
)
SIZE: Final = Field(KEY_SIZE, "audience_size", parse_size, required=True)
TABLE: Final[Table] = (JOB_ARN, SIZE, NAME, DESCRIPTION, WAIT, TIMEOUT)


@dataclass(frozen=True)
class ExportProperties:
    """The validated properties of one audience export resource."""

    job_arn: str
    size_type: str
    size_value: int
    name: str | None
    description: str | None
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None


def parse_properties(raw: object) -> ExportProperties:
    """Validate an export's ResourceProperties, as CloudFormation sends them (strings)."""
    values, signal = read_properties(TABLE, raw)
    size_type, size_value = values[SIZE.prop]
    return ExportProperties(
        job_arn=values[JOB_ARN.prop],
        size_type=size_type,
        size_value=size_value,
        name=values[NAME.prop],
        description=values[DESCRIPTION.prop],
        wait_for_completion=values[WAIT.prop],
        timeout_seconds=values[TIMEOUT.prop],
        signal=signal,
    )
