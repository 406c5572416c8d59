"""Which REST path and method is which operation (the service's ``http`` bindings)."""

from __future__ import annotations

from typing import Final

from .models import GET_GENERATION_JOB, LIST, START

EXPORT_PATH: Final = "/audience-export-job"
GENERATION_JOB_PREFIX: Final = "/audience-generation-job/"
# The harness's own API (state and faults), beside the service's paths.
ADMIN_PREFIX: Final = "/_local/"


def served(path: str) -> bool:
    return (
        path == EXPORT_PATH
        or path.startswith(GENERATION_JOB_PREFIX)
        or path.startswith(ADMIN_PREFIX)
    )


def operation_for(method: str, path: str) -> str | None:
    if path == EXPORT_PATH:
        return {"POST": START, "GET": LIST}.get(method)
    if path.startswith(GENERATION_JOB_PREFIX) and method == "GET":
        return GET_GENERATION_JOB
    return None
