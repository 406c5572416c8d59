"""Errors as Clean Rooms words them: its status codes, its members, its name for a server error.

Errors are :class:`..cleanroomsml.exceptions.ServiceError` (the faults and the paging both
services share raise those); this module gives them Clean Rooms' status codes and members.
``ResourceNotFoundException`` carries ``resourceType`` only where the model's enum has a value
for the resource (``MEMBERSHIP``): it has none for an association or a configured audience
model, and inventing one would teach the handler a value the service never sends.
"""

from __future__ import annotations

from typing import Final

from ..cleanroomsml.exceptions import ServiceError
from ..cleanroomsml.shapes import service_model
from .shapes import SERVICE_NAME

# Clean Rooms ML's name for a failure on the service's side (injected faults, lost answers);
# Clean Rooms calls the same error InternalServerException.
_RENAMED: Final = {"InternalServiceException": "InternalServerException"}


def in_cleanrooms_terms(error: ServiceError) -> ServiceError:
    """``error`` under the name Clean Rooms gives it."""
    code = _RENAMED.get(error.code)
    return error if code is None else ServiceError(code, error.message, **error.extra)


def status_of(code: str) -> int:
    """The HTTP status of the error ``code`` in the model (500 for one it does not list)."""
    shape = next((s for s in service_model(SERVICE_NAME).error_shapes if s.name == code), None)
    return 500 if shape is None else int(shape.metadata["error"]["httpStatusCode"])


def invalid(problems: list[str]) -> ServiceError:
    """A ValidationException naming each field that broke the model, in its message and its
    ``fieldList``."""
    fields = [
        {"name": name, "message": message}
        for name, _, message in (problem.partition(": ") for problem in problems)
    ]
    return ServiceError(
        "ValidationException",
        "; ".join(problems),
        reason="FIELD_VALIDATION_FAILED",
        fieldList=fields,
    )


def not_found(what: str, resource_id: str, resource_type: str | None = None) -> ServiceError:
    extra: dict[str, object] = {"resourceId": resource_id}
    if resource_type is not None:
        extra["resourceType"] = resource_type
    return ServiceError("ResourceNotFoundException", f"{what} {resource_id} not found", **extra)


def conflict(message: str, resource_id: str) -> ServiceError:
    """A ConflictException over the existing resource ``resource_id``."""
    return ServiceError(
        "ConflictException", message, reason="ALREADY_EXISTS", resourceId=resource_id
    )
