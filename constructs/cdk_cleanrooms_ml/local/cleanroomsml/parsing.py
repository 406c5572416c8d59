"""From an HTTP request to an operation's parameters, as the service's ``http`` bindings put
them (JSON body, query string, ARN in the path)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import unquote

from ..server import Request
from . import operations as op
from .exceptions import ServiceError
from .urls import (
    AUDIENCE_MODEL_PREFIX,
    CONFIGURED_MODEL_PREFIX,
    GENERATION_JOB_PREFIX,
    POLICY_SUFFIX,
    TAGS_PREFIX,
    TRAINING_DATASET_PREFIX,
)


def parse_body(request: Request) -> dict[str, object]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise ServiceError("ValidationException", "Request body is not valid JSON") from error
    if not isinstance(body, dict):
        raise ServiceError("ValidationException", "Request body must be a JSON object")
    return body


def parse_query(request: Request) -> dict[str, object]:
    params: dict[str, object] = {}
    for key, values in request.query.items():
        if len(values) != 1:
            raise ServiceError("ValidationException", f"{key} must be given once")
        params[key] = values[0]
    if "maxResults" in params:
        try:
            params["maxResults"] = int(str(params["maxResults"]))
        except ValueError as error:
            raise ServiceError("ValidationException", "maxResults must be an integer") from error
    return params


def _arn_in_path(prefix: str, member: str) -> Callable[[Request], dict[str, object]]:
    """The parser of an operation whose one parameter is the ARN the path ends in."""

    def parse(request: Request) -> dict[str, object]:
        return {member: unquote(request.path[len(prefix) :])}

    return parse


_job_arn = _arn_in_path(GENERATION_JOB_PREFIX, "audienceGenerationJobArn")
_dataset_arn = _arn_in_path(TRAINING_DATASET_PREFIX, "trainingDatasetArn")
_model_arn = _arn_in_path(AUDIENCE_MODEL_PREFIX, "audienceModelArn")
_configured_arn = _arn_in_path(CONFIGURED_MODEL_PREFIX, "configuredAudienceModelArn")


def _parse_update(request: Request) -> dict[str, object]:
    return {**parse_body(request), **_configured_arn(request)}


def _policy_arn(request: Request) -> dict[str, object]:
    """The configured model's ARN, between the prefix and ``/policy``."""
    raw = request.path[len(CONFIGURED_MODEL_PREFIX) : -len(POLICY_SUFFIX)]
    return {"configuredAudienceModelArn": unquote(raw)}


def _parse_put_policy(request: Request) -> dict[str, object]:
    return {**parse_body(request), **_policy_arn(request)}


def _resource_arn(request: Request) -> dict[str, object]:
    return {"resourceArn": unquote(request.path[len(TAGS_PREFIX) :])}


def _parse_tag(request: Request) -> dict[str, object]:
    return {**parse_body(request), **_resource_arn(request)}


def _parse_untag(request: Request) -> dict[str, object]:
    return {**_resource_arn(request), "tagKeys": list(request.query.get("tagKeys", []))}


PARSERS: Final[Mapping[str, Callable[[Request], dict[str, object]]]] = {
    op.START: parse_body,
    op.LIST: parse_query,
    op.GET_GENERATION_JOB: _job_arn,
    op.START_GENERATION_JOB: parse_body,
    op.LIST_GENERATION_JOBS: parse_query,
    op.DELETE_GENERATION_JOB: _job_arn,
    op.TAG: _parse_tag,
    op.UNTAG: _parse_untag,
    op.LIST_TAGS: _resource_arn,
    op.CREATE_TRAINING_DATASET: parse_body,
    op.GET_TRAINING_DATASET: _dataset_arn,
    op.LIST_TRAINING_DATASETS: parse_query,
    op.DELETE_TRAINING_DATASET: _dataset_arn,
    op.CREATE_AUDIENCE_MODEL: parse_body,
    op.GET_AUDIENCE_MODEL: _model_arn,
    op.LIST_AUDIENCE_MODELS: parse_query,
    op.DELETE_AUDIENCE_MODEL: _model_arn,
    op.CREATE_CONFIGURED_MODEL: parse_body,
    op.GET_CONFIGURED_MODEL: _configured_arn,
    op.LIST_CONFIGURED_MODELS: parse_query,
    op.UPDATE_CONFIGURED_MODEL: _parse_update,
    op.DELETE_CONFIGURED_MODEL: _configured_arn,
    op.PUT_CONFIGURED_MODEL_POLICY: _parse_put_policy,
    op.GET_CONFIGURED_MODEL_POLICY: _policy_arn,
    op.DELETE_CONFIGURED_MODEL_POLICY: _policy_arn,
}
