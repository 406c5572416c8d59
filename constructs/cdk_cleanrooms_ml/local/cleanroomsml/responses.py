"""The service's REST-JSON wire format: routing, parsing and answering requests.

An unmodified boto3 client reaches :class:`CleanRoomsMlEndpoint` through ``endpoint_url`` or
``AWS_ENDPOINT_URL_CLEANROOMSML``. Every request and response is checked against botocore's
model of the service; errors are answered as the service does (status code,
``x-amzn-ErrorType`` header, ``{"message": ...}`` body). ``/_local/state`` and
``/_local/faults`` are the harness's admin API.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from ..server import LoopbackServer, Request, Response
from .exceptions import ServiceError
from .faults import Faults, apply_admin_fault
from .models import (
    GET_GENERATION_JOB,
    LIST,
    START,
    CleanRoomsMlBackend,
    ExportDurations,
    ExportRequest,
)
from .seed import default_seed, load_seed_file, parse_seed
from .shapes import operation, validate
from .urls import ADMIN_PREFIX, GENERATION_JOB_PREFIX, operation_for, served

DEFAULT_PAGE_SIZE: Final = 10
_JSON: Final = "application/json"


@dataclass
class Call:
    """One request the endpoint answered (the tests' view of what the handler did)."""

    operation: str
    params: dict[str, object]
    status: int
    error: str | None
    at: float


def _parse_start(request: Request) -> dict[str, object]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise ServiceError("ValidationException", "Request body is not valid JSON") from error
    if not isinstance(body, dict):
        raise ServiceError("ValidationException", "Request body must be a JSON object")
    return body


def _parse_list(request: Request) -> dict[str, object]:
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


def _parse_get(request: Request) -> dict[str, object]:
    return {"audienceGenerationJobArn": unquote(request.path[len(GENERATION_JOB_PREFIX) :])}


_PARSERS: Final[Mapping[str, Callable[[Request], dict[str, object]]]] = {
    START: _parse_start,
    LIST: _parse_list,
    GET_GENERATION_JOB: _parse_get,
}


class CleanRoomsMlEndpoint:
    """The service on the wire; mount it on a :class:`LoopbackServer`.

    ``backend`` holds the jobs (:mod:`.models`), ``faults`` what to get wrong on purpose,
    ``calls`` every request answered.
    """

    def __init__(
        self,
        *,
        seed: Mapping[str, Any] | Path | None = None,
        durations: ExportDurations | None = None,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        account_id: str = "111122223333",
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        seed_data = load_seed_file(seed) if isinstance(seed, Path) else seed
        jobs, seed_durations, prefix = parse_seed(
            seed_data if seed_data is not None else default_seed(), now=clock()
        )
        self.backend = CleanRoomsMlBackend(
            generation_jobs=jobs,
            durations=durations or seed_durations,
            output_prefix=prefix,
            state_file=state_file,
            clock=clock,
            account_id=account_id,
        )
        self.page_size = page_size
        self.faults = Faults(self.backend)
        self.calls: list[Call] = []
        # Responses that broke the model: always empty unless the endpoint itself has a bug.
        self.model_violations: list[str] = []

    def exports(self, job_arn: str | None = None) -> list[dict[str, object]]:
        """Export jobs as ListAudienceExportJobs would show them (all pages)."""
        return self.backend.exports(job_arn)

    def calls_to(self, op: str) -> list[Call]:
        with self.backend.lock:
            return [call for call in self.calls if call.operation == op]

    def snapshot(self) -> dict[str, object]:
        backend = self.backend
        with backend.lock:
            now = backend.clock()
            return {
                "generationJobs": [
                    {"audienceGenerationJobArn": arn, "status": job.status_at(now)[0]}
                    for arn, job in backend.generation_jobs.items()
                ],
                "exportJobs": backend.exports(),
                "calls": [asdict(call) for call in self.calls],
                "modelViolations": list(self.model_violations),
            }

    # --- HTTP ------------------------------------------------------------------------------

    def handles(self, request: Request) -> bool:
        return served(request.path)

    def handle(self, request: Request) -> Response:
        if request.path.startswith(ADMIN_PREFIX):
            return self._admin(request)
        op = operation_for(request.method, request.path)
        if op is None:
            return _error_response(ServiceError("ValidationException", "Unsupported operation"))
        return self._call(op, request)

    def _call(self, op: str, request: Request) -> Response:
        params: dict[str, object] = {}
        try:
            with self.backend.lock:
                throttled = self.faults.throttled(op)
                if throttled is not None:
                    raise throttled
                params = _PARSERS[op](request)
                input_shape = operation(op).input_shape
                problems = [] if input_shape is None else validate(input_shape, params, "")
                if problems:
                    raise ServiceError("ValidationException", "; ".join(problems))
                injected = self.faults.take_error(op)
                if injected is not None:
                    raise injected
                result = self._dispatch(op, params)
                if op == START and self.faults.take_lost_answer():
                    # Committed above; the caller only sees a server error.
                    raise ServiceError("InternalServiceException", "An internal error occurred")
        except ServiceError as error:
            self._record(op, params, error.status, error.code)
            return _error_response(error)
        output = operation(op).output_shape
        if output is not None:
            violations = validate(output, result, op)
            if violations:
                self.model_violations.extend(violations)
                broken = ServiceError("InternalServiceException", "; ".join(violations))
                self._record(op, params, 500, broken.code)
                return _error_response(broken)
        self._record(op, params, 200, None)
        body = json.dumps(result).encode() if output is not None else b""
        return Response(200, body, _headers())

    def _record(self, op: str, params: dict[str, object], status: int, error: str | None) -> None:
        with self.backend.lock:
            self.calls.append(Call(op, params, status, error, self.backend.clock()))

    def _dispatch(self, op: str, params: dict[str, object]) -> dict[str, object]:
        if op == START:
            request = ExportRequest.from_params(params)
            self.backend.start_export(request, self.faults.take_export_failure)
            return {}
        if op == LIST:
            return self._list(params)
        return self.backend.describe_generation_job(str(params["audienceGenerationJobArn"]))

    def _list(self, params: Mapping[str, object]) -> dict[str, object]:
        arn = params.get("audienceGenerationJobArn")
        page_size = int(str(params.get("maxResults", self.page_size)))
        token = params.get("nextToken")
        offset = 0 if token is None else _decode_token(str(token), arn)
        items = self.backend.exports(None if arn is None else str(arn))
        result: dict[str, object] = {"audienceExportJobs": items[offset : offset + page_size]}
        if offset + page_size < len(items):
            result["nextToken"] = _encode_token(offset + page_size, arn)
        return result

    def _admin(self, request: Request) -> Response:
        action = request.path[len(ADMIN_PREFIX) :]
        if action == "state" and request.method == "GET":
            return Response(200, json.dumps(self.snapshot()).encode(), _headers())
        if action == "faults" and request.method == "POST":
            try:
                apply_admin_fault(self.faults, json.loads(request.body or b"{}"))
            except (ValueError, KeyError, TypeError) as error:
                message = json.dumps({"message": f"bad fault: {error}"}).encode()
                return Response(400, message, _headers())
            return Response(204)
        if action == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response(204)
        return Response(404, b'{"message":"unknown admin action"}', _headers())


def _headers() -> dict[str, str]:
    return {"Content-Type": _JSON, "x-amzn-RequestId": str(uuid.uuid4())}


def _error_response(error: ServiceError) -> Response:
    body: dict[str, object] = {"message": error.message, **error.extra}
    headers = _headers()
    headers["x-amzn-ErrorType"] = error.code
    return Response(error.status, json.dumps(body).encode(), headers)


def _encode_token(offset: int, arn: object) -> str:
    raw = json.dumps({"o": offset, "a": arn}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str, arn: object) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        same_filter = data["a"] == arn
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ServiceError("ValidationException", "The nextToken is not valid") from error
    if not same_filter or offset < 0:
        raise ServiceError("ValidationException", "The nextToken does not belong to this request")
    return offset


@contextmanager
def serve_endpoint(endpoint: CleanRoomsMlEndpoint, *, port: int = 0) -> Iterator[str]:
    """Serve ``endpoint`` alone on loopback; yields its URL."""
    with LoopbackServer([endpoint], port=port) as server:
        yield server.url
