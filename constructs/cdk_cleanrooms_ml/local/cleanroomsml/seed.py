"""The seed: which audience generation jobs the endpoint serves, read and checked.

A JSON object with ``audienceGenerationJobs`` (ARN, offered sizes, status, ...), optional
``exportDurations`` and ``outputLocationPrefix``, for jobs started through the API optional
``configuredAudienceModels`` (ARN, offered sizes) and ``generationJobDurations``, and the model
owner's optional ``trainingDatasets``, ``audienceModels`` and ``audienceModelDurations``
(:mod:`.owner_seed`), and Clean Rooms' optional ``memberships`` (:mod:`..cleanrooms.seed`);
every value is checked against the service's model, and unknown keys are errors. The library
ships the example app's job (and one membership) as the default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ..cleanrooms.seed import parse_memberships
from .exceptions import SeedError
from .models.audience_export_jobs import ExportDurations
from .models.audience_generation_jobs import GenerationJob, GenerationJobDurations
from .owner_seed import parse_owner_seed
from .seed_checks import durations, known_keys, seconds, status_details, text
from .shapes import service_model, validate

_SEED_KEYS: Final = (
    "audienceGenerationJobs",
    "exportDurations",
    "outputLocationPrefix",
    "configuredAudienceModels",
    "generationJobDurations",
    "trainingDatasets",
    "audienceModels",
    "audienceModelDurations",
    # Clean Rooms' memberships (:mod:`..cleanrooms.seed`), served on the same endpoint.
    "memberships",
)
_MODEL_KEYS: Final = ("configuredAudienceModelArn", "offeredSizes")
_JOB_KEYS: Final = (
    "audienceGenerationJobArn",
    "name",
    "description",
    "configuredAudienceModelArn",
    "status",
    "offeredSizes",
    "activeAfterSeconds",
    "statusDetails",
)
_DURATION_KEYS: Final = ("pendingSeconds", "inProgressSeconds")


def load_seed_file(path: Path) -> dict[str, Any]:
    """A seed file's object; every problem is a :class:`SeedError` naming the file."""
    if path.is_dir():
        raise SeedError(f"seed file {path} is a folder; pass a JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SeedError(f"seed file {path} not found") from error
    except OSError as error:
        raise SeedError(f"seed file {path} cannot be read: {error.strerror or error}") from error
    except ValueError as error:
        raise SeedError(f"seed file {path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise SeedError(
            f"seed file {path}: the top level must be an object with "
            f"'audienceGenerationJobs', not a {type(data).__name__}"
        )
    try:
        parse_seed(data, now=0.0)
    except SeedError as error:
        raise SeedError(f"seed file {path}: {error}") from error
    return data


def default_seed() -> dict[str, Any]:
    """The seed shipped with the library: the example app's generation job."""
    text = (
        resources.files(__package__ or "cdk_cleanrooms_ml.local.cleanroomsml")
        .joinpath("default_seed.json")
        .read_text(encoding="utf-8")
    )
    seed: dict[str, Any] = json.loads(text)
    return seed


def _seed_size(raw: object, where: str) -> tuple[str, int]:
    if not isinstance(raw, dict) or set(raw) != {"type", "value"}:
        raise SeedError(f"{where}: expected {{'type': ..., 'value': ...}}")
    problems = validate(service_model().shape_for("AudienceSize"), raw, where)
    if problems:
        raise SeedError("; ".join(problems))
    return str(raw["type"]), int(raw["value"])


def _seed_job(raw: object, where: str, now: float) -> GenerationJob:
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: expected an object")
    known_keys(raw, _JOB_KEYS, where)
    if "audienceGenerationJobArn" not in raw:
        raise SeedError(f"{where}.audienceGenerationJobArn: required")
    arn = raw["audienceGenerationJobArn"]
    arn_shape = service_model().shape_for("AudienceGenerationJobArn")
    problems = validate(arn_shape, arn, f"{where}.audienceGenerationJobArn")
    if problems:
        raise SeedError("; ".join(problems))
    job_id = str(arn).rsplit("/", 1)[-1]
    default_model = str(arn).split(":audience-generation-job/")[0] + (
        f":configured-audience-model/{job_id}-model"
    )
    model_arn = raw.get("configuredAudienceModelArn", default_model)
    problems = validate(
        service_model().shape_for("ConfiguredAudienceModelArn"),
        model_arn,
        f"{where}.configuredAudienceModelArn",
    )
    status = raw.get("status", "ACTIVE")
    problems += validate(
        service_model().shape_for("AudienceGenerationJobStatus"), status, f"{where}.status"
    )
    if problems:
        raise SeedError("; ".join(problems))
    sizes = _sizes(raw, where)
    name = text(raw, "name", where)
    description = text(raw, "description", where)
    ready_after = seconds(raw, "activeAfterSeconds", None, where)
    details = status_details(raw, where)
    return GenerationJob(
        arn=str(arn),
        name=(name or job_id)[:63],
        configured_audience_model_arn=str(model_arn),
        offered_sizes=sizes,
        status=str(status),
        description=description,
        created_at=now,
        ready_at=None if ready_after is None else now + ready_after,
        status_details=details,
    )


def parse_seed(
    seed: Mapping[str, Any], *, now: float
) -> tuple[list[GenerationJob], ExportDurations, str]:
    """Generation jobs, export durations and the S3 prefix exports are written to.

    Unknown keys are errors: a misspelt ``offeredSizes`` would otherwise turn the size check off.
    """
    if not isinstance(seed, Mapping):
        raise SeedError(f"seed: the top level must be an object, not a {type(seed).__name__}")
    known_keys(seed, _SEED_KEYS, "seed")
    jobs_raw = seed.get("audienceGenerationJobs")
    if not isinstance(jobs_raw, list):
        raise SeedError("seed: 'audienceGenerationJobs' must be a list")
    jobs = [
        _seed_job(raw, f"audienceGenerationJobs[{index}]", now)
        for index, raw in enumerate(jobs_raw)
    ]
    durations_raw = seed.get("exportDurations", {})
    if not isinstance(durations_raw, dict):
        raise SeedError("seed.exportDurations: must be an object")
    known_keys(durations_raw, _DURATION_KEYS, "exportDurations")
    export_durations = ExportDurations(
        pending=seconds(durations_raw, "pendingSeconds", 1.0, "exportDurations") or 0.0,
        in_progress=seconds(durations_raw, "inProgressSeconds", 2.0, "exportDurations") or 0.0,
    )
    prefix = seed.get("outputLocationPrefix", "s3://cleanrooms-ml-local-exports/exports")
    if not isinstance(prefix, str) or not prefix.startswith("s3://"):
        raise SeedError("seed: 'outputLocationPrefix' must start with s3://")
    parse_generation_settings(seed)
    parse_owner_seed(seed, now=now)
    parse_memberships(seed)
    return jobs, export_durations, prefix.rstrip("/")


def _sizes(raw: Mapping[str, Any], where: str) -> list[tuple[str, int]]:
    sizes_raw = raw.get("offeredSizes", [])
    if not isinstance(sizes_raw, list):
        raise SeedError(f"{where}.offeredSizes: expected a list")
    return [_seed_size(s, f"{where}.offeredSizes[{i}]") for i, s in enumerate(sizes_raw)]


def _seed_model(raw: object, where: str) -> tuple[str, list[tuple[str, int]]]:
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: expected an object")
    known_keys(raw, _MODEL_KEYS, where)
    if "configuredAudienceModelArn" not in raw:
        raise SeedError(f"{where}.configuredAudienceModelArn: required")
    arn = raw["configuredAudienceModelArn"]
    arn_shape = service_model().shape_for("ConfiguredAudienceModelArn")
    problems = validate(arn_shape, arn, f"{where}.configuredAudienceModelArn")
    if problems:
        raise SeedError("; ".join(problems))
    return str(arn), _sizes(raw, where)


def parse_generation_settings(
    seed: Mapping[str, Any],
) -> tuple[dict[str, list[tuple[str, int]]], GenerationJobDurations]:
    """The configured audience models jobs can be started on (with the sizes they offer) and
    how long a started job takes to be created and deleted. Both keys are optional."""
    models_raw = seed.get("configuredAudienceModels", [])
    if not isinstance(models_raw, list):
        raise SeedError("seed: 'configuredAudienceModels' must be a list")
    models = dict(
        _seed_model(raw, f"configuredAudienceModels[{index}]")
        for index, raw in enumerate(models_raw)
    )
    return models, durations(seed, "generationJobDurations", GenerationJobDurations())
