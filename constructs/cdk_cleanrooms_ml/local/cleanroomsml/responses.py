"""The service's REST-JSON wire format: routing, parsing and answering requests.

An unmodified boto3 client reaches :class:`CleanRoomsMlEndpoint` through ``endpoint_url`` or
``AWS_ENDPOINT_URL_CLEANROOMSML``. Every request and response is checked against botocore's
model of the service; errors are answered as the service does (status code,
``x-amzn-ErrorType`` header, ``{"message": ...}`` body). ``/_local/state`` and
``/_local/faults`` are the harness's admin API.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from ..cleanrooms.urls import for_cleanrooms
from ..server import LoopbackServer, Request, Response
from .admin_faults import apply_admin_fault
from .dispatch import answer
from .exceptions import ServiceError
from .faults import Faults
from .models import (
    AudienceModelDurations,
    CleanRoomsMlBackend,
    ExportDurations,
    ExportRequest,
    GenerationJobDurations,
)
from .owner_responses import ModelOwnerResponses
from .owner_seed import parse_owner_seed
from .pagination import page
from .parsing import PARSERS
from .seed import default_seed, load_seed_file, parse_generation_settings, parse_seed
from .shapes import operation, validate
from .tag_responses import TaggingBackend, TagResponses
from .urls import ADMIN_PREFIX, operation_for, served

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


class CleanRoomsMlEndpoint(ModelOwnerResponses, TagResponses):
    """The service on the wire; mount it on a :class:`LoopbackServer`.

    ``backend`` holds the resources (:mod:`.models`), ``faults`` what to get wrong on purpose,
    ``calls`` every request answered. Training datasets are made in ``region``.
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
        generation_durations: GenerationJobDurations | None = None,
        audience_model_durations: AudienceModelDurations | None = None,
        region: str = "us-east-1",
    ) -> None:
        seed_data = load_seed_file(seed) if isinstance(seed, Path) else seed
        if seed_data is None:
            seed_data = default_seed()
        # Also read by the Clean Rooms endpoint mounted beside this one (its memberships).
        self.seed = seed_data
        jobs, seed_durations, prefix = parse_seed(seed_data, now=clock())
        models, seed_generation_durations = parse_generation_settings(seed_data)
        owner = parse_owner_seed(seed_data, now=clock())
        self.backend = CleanRoomsMlBackend(
            generation_jobs=jobs,
            durations=durations or seed_durations,
            output_prefix=prefix,
            state_file=state_file,
            clock=clock,
            account_id=account_id,
            configured_audience_models=models,
            generation_durations=generation_durations or seed_generation_durations,
            training_datasets=owner.training_datasets,
            audience_models=owner.audience_models,
            audience_model_durations=audience_model_durations or owner.durations,
            region=region,
        )
        self.page_size = page_size
        self.faults = Faults(self.backend)
        self.calls: list[Call] = []
        # Responses that broke the model: always empty unless the endpoint itself has a bug.
        self.model_violations: list[str] = []

    def exports(self, job_arn: str | None = None) -> list[dict[str, object]]:
        """Export jobs as ListAudienceExportJobs would show them (all pages)."""
        return self.backend.list_audience_export_jobs(job_arn)

    def calls_to(self, op: str) -> list[Call]:
        with self.backend.lock:
            return [call for call in self.calls if call.operation == op]

    def snapshot(self) -> dict[str, object]:
        backend = self.backend
        with backend.lock:
            backend.purge()
            now = backend.clock()
            return {
                "generationJobs": [
                    {"audienceGenerationJobArn": arn, "status": job.status_at(now)[0]}
                    for arn, job in backend.generation_jobs.items()
                ],
                "exportJobs": backend.list_audience_export_jobs(),
                "trainingDatasets": backend.list_training_datasets(),
                "audienceModels": backend.list_audience_models(),
                "configuredAudienceModels": backend.list_configured_audience_models(),
                "calls": [asdict(call) for call in self.calls],
                "modelViolations": list(self.model_violations),
            }

    # --- HTTP ------------------------------------------------------------------------------

    def handles(self, request: Request) -> bool:
        # /tags/ is Clean Rooms' path too: a request signed for it is not this service's.
        return served(request.path) and not for_cleanrooms(request)

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
            result = answer(
                self,
                op,
                request,
                params,
                parse=PARSERS[op],
                check=_input_problems,
                server_error="InternalServiceException",
            )
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

    # --- one method per operation, each answered by the backend method of the same name --

    def start_audience_export_job(self, params: dict[str, object]) -> dict[str, object]:
        request = ExportRequest.from_params(params)
        self.backend.start_audience_export_job(request, self.faults.take_export_failure)
        return {}

    def list_audience_export_jobs(self, params: dict[str, object]) -> dict[str, object]:
        arn = params.get("audienceGenerationJobArn")
        items = self.backend.list_audience_export_jobs(_optional(arn))
        return page(params, "audienceExportJobs", items, arn, self.page_size)

    def get_audience_generation_job(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.get_audience_generation_job(str(params["audienceGenerationJobArn"]))

    def start_audience_generation_job(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.start_audience_generation_job(
            params, self.faults.take_generation_failure
        )

    def list_audience_generation_jobs(self, params: dict[str, object]) -> dict[str, object]:
        model = _optional(params.get("configuredAudienceModelArn"))
        collaboration = _optional(params.get("collaborationId"))
        items = self.backend.list_audience_generation_jobs(model, collaboration)
        return page(params, "audienceGenerationJobs", items, [model, collaboration], self.page_size)

    def delete_audience_generation_job(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_audience_generation_job(
            str(params["audienceGenerationJobArn"]), self.faults.take_generation_delete_failure
        )
        return {}

    @property
    def tagging(self) -> TaggingBackend:
        return self.backend

    # --- the harness's admin API ------------------------------------------------------------

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


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _headers() -> dict[str, str]:
    return {"Content-Type": _JSON, "x-amzn-RequestId": str(uuid.uuid4())}


def _input_problems(op: str, params: dict[str, object]) -> ServiceError | None:
    input_shape = operation(op).input_shape
    problems = [] if input_shape is None else validate(input_shape, params, "")
    return ServiceError("ValidationException", "; ".join(problems)) if problems else None


def _error_response(error: ServiceError) -> Response:
    body: dict[str, object] = {"message": error.message, **error.extra}
    headers = _headers()
    headers["x-amzn-ErrorType"] = error.code
    return Response(error.status, json.dumps(body).encode(), headers)


@contextmanager
def serve_endpoint(endpoint: CleanRoomsMlEndpoint, *, port: int = 0) -> Iterator[str]:
    """Serve ``endpoint`` alone on loopback; yields its URL."""
    with LoopbackServer([endpoint], port=port) as server:
        yield server.url
