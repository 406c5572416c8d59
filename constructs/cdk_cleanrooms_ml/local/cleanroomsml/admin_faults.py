"""Faults posted to the admin API (``POST /_local/faults``) as JSON, by ``kind``.

``{"kind": "throttle" | "server-error", "count"?, "operation"?}``,
``{"kind": "error", "code", "message"?, "count"?, "operation"?}``,
``{"kind": "rate-limit", "perSecond", "burst"?, "operation"?}``,
``{"kind": "lose-answer", "count"?, "operation"?}`` (export Starts unless told),
``{"kind": "quota" | "in-flight-quota" | "generation-quota", "count"?}``,
``{"kind": "fail-export", "name"?, "statusCode"?, "message"?}``,
``{"kind": "fail-generation-job", "name"?, ...}``,
``{"kind": "fail-generation-job-delete", "audienceGenerationJobArn"?, ...}``,
``{"kind": "generation-in-progress", "audienceGenerationJobArn", "seconds"}``,
``{"kind": "fail-audience-model", "name"?, "statusCode"?, "message"?}``,
``{"kind": "fail-audience-model-delete", "audienceModelArn"?, "statusCode"?, "message"?}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .faults import (
    EXPORT_FAILURE_MESSAGE,
    GENERATION_DELETE_FAILURE_MESSAGE,
    GENERATION_FAILURE_MESSAGE,
    MODEL_DELETE_FAILURE_MESSAGE,
    MODEL_FAILURE_MESSAGE,
    Faults,
)
from .operations import START


def _failure(body: Mapping[str, Any], default_message: str) -> dict[str, str]:
    return {
        "status_code": str(body.get("statusCode", "INTERNAL_ERROR")),
        "message": str(body.get("message", default_message)),
    }


def _rate_limit(faults: Faults, body: Mapping[str, Any]) -> None:
    burst = body.get("burst")
    faults.rate_limit(
        float(body["perSecond"]),
        operation=body.get("operation"),
        burst=None if burst is None else float(burst),
    )


def _count(body: Mapping[str, Any]) -> int:
    return int(body.get("count", 1))


_KINDS: Final[Mapping[str, Callable[[Faults, Mapping[str, Any]], None]]] = {
    "throttle": lambda f, b: f.throttle(_count(b), operation=b.get("operation")),
    "server-error": lambda f, b: f.server_error(_count(b), operation=b.get("operation")),
    "quota": lambda f, b: f.quota_hit(_count(b)),
    "in-flight-quota": lambda f, b: f.in_flight_quota_hit(_count(b)),
    "rate-limit": _rate_limit,
    "lose-answer": lambda f, b: f.lose_answers(_count(b), operation=str(b.get("operation", START))),
    "error": lambda f, b: f.error(
        str(b["code"]), count=_count(b), operation=b.get("operation"), message=b.get("message")
    ),
    "fail-export": lambda f, b: f.fail_export(
        name=b.get("name"), **_failure(b, EXPORT_FAILURE_MESSAGE)
    ),
    "generation-quota": lambda f, b: f.generation_quota_hit(_count(b)),
    "fail-generation-job": lambda f, b: f.fail_generation_job(
        name=b.get("name"), **_failure(b, GENERATION_FAILURE_MESSAGE)
    ),
    "fail-generation-job-delete": lambda f, b: f.fail_generation_job_delete(
        job_arn=b.get("audienceGenerationJobArn"),
        **_failure(b, GENERATION_DELETE_FAILURE_MESSAGE),
    ),
    "generation-in-progress": lambda f, b: f.generation_job_in_progress(
        str(b["audienceGenerationJobArn"]), seconds=float(b["seconds"])
    ),
    "fail-audience-model": lambda f, b: f.fail_audience_model(
        name=b.get("name"), **_failure(b, MODEL_FAILURE_MESSAGE)
    ),
    "fail-audience-model-delete": lambda f, b: f.fail_audience_model_delete(
        model_arn=b.get("audienceModelArn"), **_failure(b, MODEL_DELETE_FAILURE_MESSAGE)
    ),
}


def apply_admin_fault(faults: Faults, body: dict[str, Any]) -> None:
    """Inject the fault ``body`` describes; ValueError / KeyError / TypeError when it is bad."""
    kind = body["kind"]
    handler = _KINDS.get(kind)
    if handler is None:
        raise ValueError(f"unknown kind {kind!r}; known kinds are {', '.join(_KINDS)}")
    handler(faults, body)
