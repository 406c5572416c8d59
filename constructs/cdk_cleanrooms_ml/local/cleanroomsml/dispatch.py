"""One operation answered, as both endpoints (Clean Rooms ML, Clean Rooms) answer it: under the
backend's lock, throttled, parsed, checked against the input shape, failed or answered by the
endpoint's method of the operation's name, and its answer lost, as the faults say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..server import Request
from .exceptions import ServiceError
from .operations import method_name

# The params of an operation's request, parsed from it.
Parse = Callable[[Request], dict[str, object]]
# What the params break of the input shape: the error to answer, or None.
Check = Callable[[str, dict[str, object]], ServiceError | None]


def answer(
    endpoint: Any,
    op: str,
    request: Request,
    params: dict[str, object],
    *,
    parse: Parse,
    check: Check,
    server_error: str,
) -> dict[str, object]:
    """``op``'s answer; ``params`` is filled as soon as they are parsed (for the call log,
    also when a ServiceError is raised). ``server_error``: the service's code for a 500."""
    with endpoint.backend.lock:
        throttled = endpoint.faults.throttled(op)
        if throttled is not None:
            raise throttled
        params.update(parse(request))
        invalid = check(op, params)
        if invalid is not None:
            raise invalid
        injected = endpoint.faults.take_error(op)
        if injected is not None:
            raise injected
        method: Callable[[dict[str, object]], dict[str, object]] = getattr(
            endpoint, method_name(op)
        )
        result = method(params)
        if endpoint.faults.take_lost_answer(op):
            # Committed above; the caller only sees a server error.
            raise ServiceError(server_error, "An internal error occurred")
        return result
