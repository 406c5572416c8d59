"""The configured audience model's fields (``Custom::CleanRoomsMlConfiguredAudienceModel``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ..arns import check_audience_model_arn, check_role_arn
from ..names import derived_name
from ..rules import RuleError, parse_int, reject
from ..tags import KEY_TAGS, parse_tags
from .audience_export import check_size_type, check_size_value
from .common import DESCRIPTION, NAME, TIMEOUT, WAIT, CompletionSignal, read_properties
from .seed_audience import check_s3_uri
from .table import Check, Field, Table

CONFIGURED_MODEL_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlConfiguredAudienceModel"
KEY_AUDIENCE_MODEL_ARN: Final = "AudienceModelArn"
KEY_OUTPUT_S3_URI: Final = "OutputS3Uri"
KEY_OUTPUT_ROLE_ARN: Final = "OutputRoleArn"
KEY_SHARED_METRICS: Final = "SharedAudienceMetrics"
KEY_MIN_SEED_SIZE: Final = "MinMatchingSeedSize"
KEY_SIZE_CONFIG: Final = "AudienceSizeConfig"
KEY_SIZE_TYPE: Final = "Type"
KEY_SIZE_BINS: Final = "Bins"
KEY_CHILD_TAGS: Final = "ChildResourceTagOnCreatePolicy"
SHARED_METRICS: Final = ("ALL", "NONE")
CHILD_TAG_POLICIES: Final = ("FROM_PARENT_RESOURCE", "NONE")
MIN_SEED_SIZE_MIN: Final = 25
MIN_SEED_SIZE_MAX: Final = 500_000
BINS_MIN: Final = 1
BINS_MAX: Final = 25


def _one_of(allowed: tuple[str, ...]) -> Check:
    def check(value: str, field: str) -> str:
        if value not in allowed:
            raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(allowed)}")
        return value

    return check


def check_min_seed_size(value: int, field: str = "min_matching_seed_size") -> int:
    """25-500,000 ids."""
    if not MIN_SEED_SIZE_MIN <= value <= MIN_SEED_SIZE_MAX:
        raise RuleError(
            field, f"{value} is out of range ({MIN_SEED_SIZE_MIN} to {MIN_SEED_SIZE_MAX:,})"
        )
    return value


def check_bins(size_type: str, bins: list[int], field: str = "audience_size_config.bins") -> None:
    """1-25 sizes, each once, each in the type's range."""
    if not BINS_MIN <= len(bins) <= BINS_MAX:
        raise RuleError(field, f"{len(bins)} sizes, {BINS_MIN} to {BINS_MAX} allowed")
    if len(set(bins)) != len(bins):
        raise RuleError(field, "a size is listed more than once")
    for index, value in enumerate(bins):
        check_size_value(size_type, value, f"{field}[{index}]")


def parse_size_config(raw: object, field: str) -> tuple[str, tuple[int, ...]]:
    """The template's ``{Type, Bins: [...]}``: (type, sizes), checked."""
    if not isinstance(raw, Mapping):
        reject(field, raw, "an object with Type and Bins")
    unknown = sorted(str(key) for key in raw if key not in (KEY_SIZE_TYPE, KEY_SIZE_BINS))
    if unknown:
        raise RuleError(f"{field}.{unknown[0]}", "unknown property; allowed: Type, Bins")
    size_type = raw.get(KEY_SIZE_TYPE)
    if not isinstance(size_type, str):
        reject(f"{field}.{KEY_SIZE_TYPE}", size_type, "ABSOLUTE or PERCENTAGE")
    check_size_type(size_type, f"{field}.{KEY_SIZE_TYPE}")
    raw_bins = raw.get(KEY_SIZE_BINS)
    if not isinstance(raw_bins, list):
        reject(f"{field}.{KEY_SIZE_BINS}", raw_bins, "a list of whole numbers")
    bins = [parse_int(item, f"{field}.{KEY_SIZE_BINS}[{i}]") for i, item in enumerate(raw_bins)]
    check_bins(size_type, bins, f"{field}.{KEY_SIZE_BINS}")
    return size_type, tuple(bins)


AUDIENCE_MODEL_ARN: Final = Field(
    KEY_AUDIENCE_MODEL_ARN, "audience_model_arn", check=check_audience_model_arn, required=True
)
OUTPUT_S3_URI: Final = Field(
    KEY_OUTPUT_S3_URI, "output_location", check=check_s3_uri, required=True
)
OUTPUT_ROLE_ARN: Final = Field(
    KEY_OUTPUT_ROLE_ARN, "output_role", check=check_role_arn, required=True
)
# Required, as by the API: whether seed owners see the model's metrics is the owner's choice.
SHARED_METRICS_FIELD: Final = Field(
    KEY_SHARED_METRICS, "shared_audience_metrics", check=_one_of(SHARED_METRICS), required=True
)
MIN_SEED_SIZE: Final = Field(
    KEY_MIN_SEED_SIZE, "min_matching_seed_size", parse_int, check=check_min_seed_size
)
SIZE_CONFIG: Final = Field(KEY_SIZE_CONFIG, "audience_size_config", parse_size_config)
CHILD_TAGS: Final = Field(
    KEY_CHILD_TAGS, "child_resource_tag_on_create_policy", check=_one_of(CHILD_TAG_POLICIES)
)
TAGS: Final = Field(KEY_TAGS, "tags", parse_tags, default=())
TABLE: Final[Table] = (
    AUDIENCE_MODEL_ARN,
    OUTPUT_S3_URI,
    OUTPUT_ROLE_ARN,
    SHARED_METRICS_FIELD,
    MIN_SEED_SIZE,
    SIZE_CONFIG,
    CHILD_TAGS,
    NAME,
    DESCRIPTION,
    TAGS,
    WAIT,
    TIMEOUT,
)
# What UpdateConfiguredAudienceModel takes, by request key and by template key (the rest, but
# tags, replaces the model).
UPDATABLE: Final = {
    "audienceModelArn": (KEY_AUDIENCE_MODEL_ARN,),
    "outputConfig": (KEY_OUTPUT_S3_URI, KEY_OUTPUT_ROLE_ARN),
    "sharedAudienceMetrics": (KEY_SHARED_METRICS,),
    "minMatchingSeedSize": (KEY_MIN_SEED_SIZE,),
    "audienceSizeConfig": (KEY_SIZE_CONFIG,),
    "description": ("Description",),
}


@dataclass(frozen=True)
class ConfiguredModelProperties:
    """The validated properties of one configured audience model resource."""

    audience_model_arn: str
    output_location: str
    output_role: str
    shared_audience_metrics: str
    min_matching_seed_size: int | None
    audience_size_config: tuple[str, tuple[int, ...]] | None
    child_resource_tag_on_create_policy: str | None
    name: str | None
    description: str | None
    tags: tuple[tuple[str, str], ...]
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None

    def create_request(self, name: str) -> dict[str, object]:
        """CreateConfiguredAudienceModel's arguments, under ``name`` (given or derived)."""
        request: dict[str, object] = {
            "name": name,
            "audienceModelArn": self.audience_model_arn,
            "outputConfig": {
                "destination": {"s3Destination": {"s3Uri": self.output_location}},
                "roleArn": self.output_role,
            },
            "sharedAudienceMetrics": [self.shared_audience_metrics],
        }
        if self.min_matching_seed_size is not None:
            request["minMatchingSeedSize"] = self.min_matching_seed_size
        if self.audience_size_config is not None:
            size_type, bins = self.audience_size_config
            request["audienceSizeConfig"] = {
                "audienceSizeType": size_type,
                "audienceSizeBins": list(bins),
            }
        if self.child_resource_tag_on_create_policy is not None:
            request["childResourceTagOnCreatePolicy"] = self.child_resource_tag_on_create_policy
        if self.description is not None:
            request["description"] = self.description
        if self.tags:
            request["tags"] = dict(self.tags)
        return request

    def model_name(self, seed: str) -> str:
        """The given name, or one derived from ``seed`` and the settings that cannot change in
        place (those the Update API takes change the same model)."""
        if self.name is not None:
            return self.name
        settings = self.create_request("")
        for key in (*UPDATABLE, "tags"):
            settings.pop(key, None)
        return derived_name(seed, [seed, settings], fallback="configured-model")


def parse_properties(raw: object) -> ConfiguredModelProperties:
    """Validate a configured model's ResourceProperties, as CloudFormation sends them."""
    values, signal = read_properties(TABLE, raw)
    return ConfiguredModelProperties(
        audience_model_arn=values[AUDIENCE_MODEL_ARN.prop],
        output_location=values[OUTPUT_S3_URI.prop],
        output_role=values[OUTPUT_ROLE_ARN.prop],
        shared_audience_metrics=values[SHARED_METRICS_FIELD.prop],
        min_matching_seed_size=values[MIN_SEED_SIZE.prop],
        audience_size_config=values[SIZE_CONFIG.prop],
        child_resource_tag_on_create_policy=values[CHILD_TAGS.prop],
        name=values[NAME.prop],
        description=values[DESCRIPTION.prop],
        tags=values[TAGS.prop],
        wait_for_completion=values[WAIT.prop],
        timeout_seconds=values[TIMEOUT.prop],
        signal=signal,
    )
