"""Which REST path and method is which operation (the service's ``http`` bindings)."""

from __future__ import annotations

from typing import Final

from .operations import (
    DELETE_GENERATION_JOB,
    GET_GENERATION_JOB,
    LIST,
    LIST_GENERATION_JOBS,
    LIST_TAGS,
    START,
    START_GENERATION_JOB,
    TAG,
    UNTAG,
)

EXPORT_PATH: Final = "/audience-export-job"
GENERATION_JOB_PATH: Final = "/audience-generation-job"
GENERATION_JOB_PREFIX: Final = "/audience-generation-job/"
TAGS_PREFIX: Final = "/tags/"
# The harness's own API (state and faults), beside the service's paths.
ADMIN_PREFIX: Final = "/_local/"


def served(path: str) -> bool:
    return path in (EXPORT_PATH, GENERATION_JOB_PATH) or path.startswith(
        (GENERATION_JOB_PREFIX, TAGS_PREFIX, ADMIN_PREFIX)
    )


def operation_for(method: str, path: str) -> str | None:
    if path == EXPORT_PATH:
        return {"POST": START, "GET": LIST}.get(method)
    if path == GENERATION_JOB_PATH:
        return {"POST": START_GENERATION_JOB, "GET": LIST_GENERATION_JOBS}.get(method)
    if path.startswith(GENERATION_JOB_PREFIX):
        return {"GET": GET_GENERATION_JOB, "DELETE": DELETE_GENERATION_JOB}.get(method)
    if path.startswith(TAGS_PREFIX):
        return {"POST": TAG, "DELETE": UNTAG, "GET": LIST_TAGS}.get(method)
    return None
