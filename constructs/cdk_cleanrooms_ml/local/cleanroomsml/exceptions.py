"""Errors of the embedded Clean Rooms ML endpoint."""

from __future__ import annotations

from .shapes import service_model


class SeedError(ValueError):
    """The seed file does not describe generation jobs the endpoint can serve."""


class ServiceError(Exception):
    """An error answered in the service's format; its status comes from the model."""

    def __init__(self, code: str, message: str, **extra: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.extra = extra

    @property
    def status(self) -> int:
        model = service_model()
        if code_shape := next((s for s in model.error_shapes if s.name == self.code), None):
            return int(code_shape.metadata["error"]["httpStatusCode"])
        return 500


def not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Audience generation job {arn} not found")


def quota_error(message: str, name: str, value: int) -> ServiceError:
    """A ServiceQuotaExceededException; quotas are told apart by ``quotaName``."""
    return ServiceError(
        "ServiceQuotaExceededException", message, quotaName=name, quotaValue=float(value)
    )
