"""Errors of the embedded EventBridge Scheduler, answered as the service does."""

from __future__ import annotations

import functools
from typing import Final

import botocore.session
from botocore.model import ServiceModel

SERVICE_NAME: Final = "scheduler"


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


class SchedulerError(Exception):
    """An error in the service's format; its HTTP status comes from botocore's model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        shape = next((s for s in service_model().error_shapes if s.name == self.code), None)
        if shape is None:
            return 500
        return int(shape.metadata["error"]["httpStatusCode"])


def validation(message: str) -> SchedulerError:
    return SchedulerError("ValidationException", message)


def not_found(message: str) -> SchedulerError:
    return SchedulerError("ResourceNotFoundException", message)


def conflict(message: str) -> SchedulerError:
    return SchedulerError("ConflictException", message)
