"""The audience generation job's fields (``Custom::CleanRoomsMlAudienceGenerationJob``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from ..arns import arn_partition, check_configured_audience_model_arn, check_role_partition
from ..names import derived_name
from ..rules import check_length, check_pattern, parse_bool
from ..tags import KEY_TAGS, parse_tags
from .common import DESCRIPTION, NAME, TIMEOUT, WAIT, CompletionSignal, read_properties
from .seed_audience import SqlSeed, WorkerCompute, parse_seed
from .table import Field, Table

GENERATION_JOB_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceGenerationJob"
KEY_MODEL_ARN: Final = "ConfiguredAudienceModelArn"
KEY_SEED: Final = "SeedAudience"
KEY_INCLUDE_SEED: Final = "IncludeSeedInOutput"
KEY_COLLABORATION_ID: Final = "CollaborationId"
UUID_LENGTH: Final = 36
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_collaboration_id(value: str, field: str = "collaboration_id") -> str:
    """A collaboration UUID, lower-case hex as the model spells it."""
    check_length(field, value, UUID_LENGTH, UUID_LENGTH)
    check_pattern(field, value, _UUID, "a lower-case collaboration UUID (8-4-4-4-12 hex digits)")
    return value


MODEL_ARN: Final = Field(
    KEY_MODEL_ARN,
    "configured_audience_model_arn",
    check=check_configured_audience_model_arn,
    required=True,
)
# Read after the model's ARN, whose partition the seed role must share (see parse_properties).
SEED: Final = Field(KEY_SEED, "seed_audience", parse_seed, required=True)
INCLUDE_SEED: Final = Field(KEY_INCLUDE_SEED, "include_seed_in_output", parse_bool, default=False)
COLLABORATION_ID: Final = Field(
    KEY_COLLABORATION_ID, "collaboration_id", check=check_collaboration_id
)
TAGS: Final = Field(KEY_TAGS, "tags", parse_tags, default=())
TABLE: Final[Table] = (
    MODEL_ARN,
    SEED,
    INCLUDE_SEED,
    COLLABORATION_ID,
    NAME,
    DESCRIPTION,
    TAGS,
    WAIT,
    TIMEOUT,
)


@dataclass(frozen=True)
class GenerationJobProperties:
    """The validated properties of one audience generation job resource."""

    configured_audience_model_arn: str
    role_arn: str
    s3_uri: str | None
    sql: SqlSeed | None
    compute: WorkerCompute | None
    include_seed_in_output: bool
    collaboration_id: str | None
    name: str | None
    description: str | None
    tags: tuple[tuple[str, str], ...]
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None

    def start_request(self, name: str) -> dict[str, object]:
        """StartAudienceGenerationJob's arguments, under ``name`` (given or derived)."""
        seed: dict[str, object] = {"roleArn": self.role_arn}
        if self.s3_uri is not None:
            seed["dataSource"] = {"s3Uri": self.s3_uri}
        if self.sql is not None:
            seed["sqlParameters"] = self.sql.to_request()
        if self.compute is not None:
            seed["sqlComputeConfiguration"] = self.compute.to_request()
        request: dict[str, object] = {
            "name": name,
            "configuredAudienceModelArn": self.configured_audience_model_arn,
            "seedAudience": seed,
            "includeSeedInOutput": self.include_seed_in_output,
        }
        if self.collaboration_id is not None:
            request["collaborationId"] = self.collaboration_id
        if self.description is not None:
            request["description"] = self.description
        if self.tags:
            request["tags"] = dict(self.tags)
        return request

    def create_request(self, name: str) -> dict[str, object]:
        """The request that creates the job: Start's."""
        return self.start_request(name)

    def job_name(self, seed: str) -> str:
        """The given name, or one derived from ``seed`` (stack name and logical id) and every
        setting that cannot change in place, so changing one names (and starts) a new job."""
        if self.name is not None:
            return self.name
        settings = self.start_request("")
        settings.pop("tags", None)
        return derived_name(seed, [seed, settings], fallback="job")


def _table_for(raw: object) -> Table:
    """TABLE, its seed checked against the partition of ``raw``'s model ARN (valid by then:
    the table reads it first)."""
    model_arn = raw.get(KEY_MODEL_ARN) if isinstance(raw, Mapping) else None
    partition = arn_partition(model_arn) if isinstance(model_arn, str) else None

    def check_role(role_arn: str, field: str) -> None:
        check_role_partition(role_arn, partition, field, of="the configured audience model")

    seed = replace(SEED, parse=functools.partial(parse_seed, check_role=check_role))
    return tuple(seed if field is SEED else field for field in TABLE)


def parse_properties(raw: object) -> GenerationJobProperties:
    """Validate a generation job's ResourceProperties, as CloudFormation sends them (strings)."""
    values, signal = read_properties(_table_for(raw), raw)
    seed = values[SEED.prop]
    return GenerationJobProperties(
        configured_audience_model_arn=values[MODEL_ARN.prop],
        role_arn=seed.role_arn,
        s3_uri=seed.s3_uri,
        sql=seed.sql,
        compute=seed.compute,
        include_seed_in_output=values[INCLUDE_SEED.prop],
        collaboration_id=values[COLLABORATION_ID.prop],
        name=values[NAME.prop],
        description=values[DESCRIPTION.prop],
        tags=values[TAGS.prop],
        wait_for_completion=values[WAIT.prop],
        timeout_seconds=values[TIMEOUT.prop],
        signal=signal,
    )
