"""The audience model's fields (``Custom::CleanRoomsMlAudienceModel``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from ..arns import check_kms_key_arn, check_training_dataset_arn
from ..names import derived_name
from ..rules import RuleError
from ..tags import KEY_TAGS, parse_tags
from .common import DESCRIPTION, NAME, TIMEOUT, WAIT, CompletionSignal, read_properties
from .table import Field, Table

AUDIENCE_MODEL_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceModel"
KEY_TRAINING_DATASET_ARN: Final = "TrainingDatasetArn"
KEY_START_TIME: Final = "TrainingDataStartTime"
KEY_END_TIME: Final = "TrainingDataEndTime"
KEY_KMS_KEY_ARN: Final = "KmsKeyArn"
# ISO 8601 with an explicit offset: a time without one would mean the Lambda's zone.
_TIMESTAMP: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})"
)
_TIMESTAMP_RULE: Final = "an ISO 8601 date and time with its zone, e.g. 2024-01-31T00:00:00Z"


def parse_timestamp(value: str, field: str) -> datetime:
    """``2024-01-31T00:00:00Z`` (or ``+hh:mm``) as an aware datetime."""
    found = _TIMESTAMP.fullmatch(value)
    if found is None:
        raise RuleError(field, f"{value[:40]!r} is not {_TIMESTAMP_RULE}")
    zone = found[7]
    offset = timedelta(0)
    if zone != "Z":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        offset = -offset if zone[0] == "-" else offset
    try:
        year, month, day, hour, minute, second = (int(found[index]) for index in range(1, 7))
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError as error:
        raise RuleError(field, f"{value[:40]!r} is not a valid date and time ({error})") from error


def check_timestamp(value: str, field: str = "training_data_start_time") -> str:
    """The timestamp, normalized to UTC (``...Z``): what the request and the template carry."""
    return parse_timestamp(value, field).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TRAINING_DATASET_ARN: Final = Field(
    KEY_TRAINING_DATASET_ARN,
    "training_dataset_arn",
    check=check_training_dataset_arn,
    required=True,
)
START_TIME: Final = Field(KEY_START_TIME, "training_data_start_time", check=check_timestamp)
END_TIME: Final = Field(KEY_END_TIME, "training_data_end_time", check=check_timestamp)
KMS_KEY_ARN: Final = Field(KEY_KMS_KEY_ARN, "kms_key", check=check_kms_key_arn)
TAGS: Final = Field(KEY_TAGS, "tags", parse_tags, default=())
TABLE: Final[Table] = (
    TRAINING_DATASET_ARN,
    START_TIME,
    END_TIME,
    KMS_KEY_ARN,
    NAME,
    DESCRIPTION,
    TAGS,
    WAIT,
    TIMEOUT,
)


def check_window(start: str | None, end: str | None, field: str = END_TIME.prop) -> None:
    """The training window, when both ends are given (normalized), is not empty."""
    if start is not None and end is not None and start >= end:
        raise RuleError(field, f"{end} is not after the window's start, {start}")


@dataclass(frozen=True)
class AudienceModelProperties:
    """The validated properties of one audience model resource."""

    training_dataset_arn: str
    training_data_start_time: str | None
    training_data_end_time: str | None
    kms_key_arn: str | None
    name: str | None
    description: str | None
    tags: tuple[tuple[str, str], ...]
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None

    def create_request(self, name: str) -> dict[str, object]:
        """CreateAudienceModel's arguments, under ``name`` (given or derived)."""
        request: dict[str, object] = {
            "name": name,
            "trainingDatasetArn": self.training_dataset_arn,
        }
        optional = {
            "trainingDataStartTime": self.training_data_start_time,
            "trainingDataEndTime": self.training_data_end_time,
            "kmsKeyArn": self.kms_key_arn,
            "description": self.description,
        }
        request.update({key: value for key, value in optional.items() if value is not None})
        if self.tags:
            request["tags"] = dict(self.tags)
        return request

    def model_name(self, seed: str) -> str:
        """The given name, or one derived from ``seed`` (stack name and logical id) and every
        setting, so changing one names (and trains) a new model: there is no update API."""
        if self.name is not None:
            return self.name
        settings = self.create_request("")
        settings.pop("tags", None)
        return derived_name(seed, [seed, settings], fallback="model")


def parse_properties(raw: object) -> AudienceModelProperties:
    """Validate an audience model's ResourceProperties, as CloudFormation sends them (strings)."""
    values, signal = read_properties(TABLE, raw)
    start, end = values[START_TIME.prop], values[END_TIME.prop]
    check_window(start, end, KEY_END_TIME)
    return AudienceModelProperties(
        training_dataset_arn=values[TRAINING_DATASET_ARN.prop],
        training_data_start_time=start,
        training_data_end_time=end,
        kms_key_arn=values[KMS_KEY_ARN.prop],
        name=values[NAME.prop],
        description=values[DESCRIPTION.prop],
        tags=values[TAGS.prop],
        wait_for_completion=values[WAIT.prop],
        timeout_seconds=values[TIMEOUT.prop],
        signal=signal,
    )
