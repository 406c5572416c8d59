"""An embedded AWS Clean Rooms ML endpoint speaking the service's REST-JSON wire format.

An unmodified boto3 client reaches it through ``endpoint_url`` or ``AWS_ENDPOINT_URL_CLEANROOMSML``.
It serves the three operations the audience export handler uses, checks every request and
response against botocore's model of the service, answers errors the way the service does
(status code, ``x-amzn-ErrorType`` header, ``{"message": ...}`` body), moves export jobs through
CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE on a clock, enforces the export quotas, and can be
told to misbehave (throttling, 500s, failing exports, generation jobs still running, quota hits)
through :attr:`CleanRoomsMlEndpoint.faults` or its small admin API under ``/_local/``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote

from .server import LoopbackServer, Request, Response
from .shapes import operation, service_model, validate

START: Final = "StartAudienceExportJob"
LIST: Final = "ListAudienceExportJobs"
GET_GENERATION_JOB: Final = "GetAudienceGenerationJob"
OPERATIONS: Final = (START, LIST, GET_GENERATION_JOB)

EXPORTS_PER_GENERATION_JOB: Final = 25
IN_FLIGHT_EXPORTS_PER_ACCOUNT: Final = 20
DEFAULT_PAGE_SIZE: Final = 10

_JSON: Final = "application/json"
_EXPORT_PATH: Final = "/audience-export-job"
_GENERATION_JOB_PREFIX: Final = "/audience-generation-job/"
_ADMIN_PREFIX: Final = "/_local/"
_IN_FLIGHT: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
_COUNTED: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")


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


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class ExportDurations:
    """How long a new export stays in each in-flight status (seconds)."""

    pending: float = 1.0
    in_progress: float = 2.0


@dataclass
class GenerationJob:
    arn: str
    name: str
    configured_audience_model_arn: str
    offered_sizes: list[tuple[str, int]]
    status: str = "ACTIVE"
    description: str | None = None
    created_at: float = 0.0
    # For a job seeded (or made) CREATE_PENDING / CREATE_IN_PROGRESS: when it turns ACTIVE.
    ready_at: float | None = None
    status_details: dict[str, str] | None = None

    def status_at(self, now: float) -> tuple[str, float]:
        if self.ready_at is not None and self.status in _IN_FLIGHT:
            if now >= self.ready_at:
                return "ACTIVE", self.ready_at
            return self.status, self.created_at
        return self.status, self.created_at


@dataclass
class ExportJob:
    name: str
    job_arn: str
    size_type: str
    size_value: int
    description: str | None
    created_at: float
    pending_seconds: float
    in_progress_seconds: float
    output_location: str
    failure: dict[str, str] | None = None

    def status_at(self, now: float) -> tuple[str, float]:
        in_progress_at = self.created_at + self.pending_seconds
        done_at = in_progress_at + self.in_progress_seconds
        if now < in_progress_at:
            return "CREATE_PENDING", self.created_at
        if now < done_at:
            return "CREATE_IN_PROGRESS", in_progress_at
        return ("CREATE_FAILED" if self.failure else "ACTIVE"), done_at

    def summary(self, now: float) -> dict[str, object]:
        status, updated = self.status_at(now)
        item: dict[str, object] = {
            "createTime": _iso(self.created_at),
            "updateTime": _iso(updated),
            "name": self.name,
            "audienceGenerationJobArn": self.job_arn,
            "audienceSize": {"type": self.size_type, "value": self.size_value},
            "status": status,
        }
        if self.description is not None:
            item["description"] = self.description
        if status == "CREATE_FAILED" and self.failure:
            item["statusDetails"] = dict(self.failure)
        if status == "ACTIVE":
            item["outputLocation"] = self.output_location
        return item


@dataclass
class Call:
    """One request the endpoint answered (the tests' view of what the handler did)."""

    operation: str
    params: dict[str, object]
    status: int
    error: str | None
    at: float


@dataclass
class _Fault:
    operation: str | None
    code: str
    message: str
    remaining: int
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class _ExportFailure:
    name: str | None
    status_code: str
    message: str


class Faults:
    """Misbehaviour to inject; every fault applies to the next matching calls only."""

    def __init__(self, endpoint: CleanRoomsMlEndpoint) -> None:
        self._endpoint = endpoint
        self._errors: list[_Fault] = []
        self._export_failures: list[_ExportFailure] = []

    def error(
        self,
        code: str,
        *,
        count: int = 1,
        operation: str | None = None,
        message: str | None = None,
        **extra: object,
    ) -> None:
        """Answer the next ``count`` calls (of ``operation``, or any) with the error ``code``."""
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}")
        with self._endpoint.lock:
            self._errors.append(
                _Fault(operation, code, message or f"injected {code}", count, dict(extra))
            )

    def throttle(self, count: int = 1, *, operation: str | None = None) -> None:
        self.error("ThrottlingException", count=count, operation=operation, message="Rate exceeded")

    def server_error(self, count: int = 1, *, operation: str | None = None) -> None:
        self.error(
            "InternalServiceException",
            count=count,
            operation=operation,
            message="An internal error occurred",
        )

    def quota_hit(self, count: int = 1) -> None:
        """The next Start calls fail as if the 25-exports quota were reached."""
        self.error(
            "ServiceQuotaExceededException",
            count=count,
            operation=START,
            message="You have reached the maximum number of active audience export jobs "
            "for this audience generation job",
            quotaName="Active audience export jobs per audience generation job",
            quotaValue=float(EXPORTS_PER_GENERATION_JOB),
        )

    def fail_export(
        self,
        *,
        name: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = "The export job failed (injected)",
    ) -> None:
        """The next export started (with ``name``, or any) ends CREATE_FAILED."""
        with self._endpoint.lock:
            self._export_failures.append(_ExportFailure(name, status_code, message))

    def generation_job_in_progress(
        self, job_arn: str, *, seconds: float, status: str = "CREATE_IN_PROGRESS"
    ) -> None:
        """The generation job reports ``status`` for ``seconds`` more, then ACTIVE."""
        self._endpoint.set_generation_job_in_progress(job_arn, seconds=seconds, status=status)

    def clear(self) -> None:
        with self._endpoint.lock:
            self._errors.clear()
            self._export_failures.clear()

    def _take_error(self, op: str) -> ServiceError | None:
        for fault in self._errors:
            if fault.operation in (None, op) and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._errors.remove(fault)
                return ServiceError(fault.code, fault.message, **fault.extra)
        return None

    def _take_export_failure(self, name: str) -> dict[str, str] | None:
        for failure in self._export_failures:
            if failure.name in (None, name):
                self._export_failures.remove(failure)
                return {"statusCode": failure.status_code, "message": failure.message}
        return None


def _load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def default_seed() -> dict[str, Any]:
    """The seed shipped with the library: the example app's generation job."""
    text = (
        resources.files(__package__ or "cdk_cleanrooms_ml.local")
        .joinpath("default_seed.json")
        .read_text(encoding="utf-8")
    )
    seed: dict[str, Any] = json.loads(text)
    return seed


def _seed_size(raw: object, where: str) -> tuple[str, int]:
    if not isinstance(raw, dict) or set(raw) != {"type", "value"}:
        raise SeedError(f"{where}: expected {{'type': ..., 'value': ...}}")
    problems = validate(service_model().shape_for("AudienceSize"), raw, where)
    if problems:
        raise SeedError("; ".join(problems))
    return str(raw["type"]), int(raw["value"])


def parse_seed(
    seed: Mapping[str, Any], *, now: float
) -> tuple[list[GenerationJob], ExportDurations, str]:
    """Generation jobs, export durations and the S3 prefix exports are written to."""
    jobs_raw = seed.get("audienceGenerationJobs")
    if not isinstance(jobs_raw, list):
        raise SeedError("seed: 'audienceGenerationJobs' must be a list")
    arn_shape = service_model().shape_for("AudienceGenerationJobArn")
    model_shape = service_model().shape_for("ConfiguredAudienceModelArn")
    jobs: list[GenerationJob] = []
    for index, raw in enumerate(jobs_raw):
        where = f"audienceGenerationJobs[{index}]"
        if not isinstance(raw, dict):
            raise SeedError(f"{where}: expected an object")
        arn = raw.get("audienceGenerationJobArn")
        problems = validate(arn_shape, arn, f"{where}.audienceGenerationJobArn")
        job_id = str(arn).rsplit("/", 1)[-1]
        default_model = str(arn).split(":audience-generation-job/")[0] + (
            f":configured-audience-model/{job_id}-model"
        )
        model_arn = raw.get("configuredAudienceModelArn", default_model)
        problems += validate(model_shape, model_arn, f"{where}.configuredAudienceModelArn")
        status = raw.get("status", "ACTIVE")
        problems += validate(
            service_model().shape_for("AudienceGenerationJobStatus"), status, f"{where}.status"
        )
        if problems:
            raise SeedError("; ".join(problems))
        sizes_raw = raw.get("offeredSizes", [])
        if not isinstance(sizes_raw, list):
            raise SeedError(f"{where}.offeredSizes: expected a list")
        sizes = [_seed_size(s, f"{where}.offeredSizes[{i}]") for i, s in enumerate(sizes_raw)]
        ready_after = raw.get("activeAfterSeconds")
        details = raw.get("statusDetails")
        jobs.append(
            GenerationJob(
                arn=str(arn),
                name=str(raw.get("name", job_id))[:63],
                configured_audience_model_arn=str(model_arn),
                offered_sizes=sizes,
                status=str(status),
                description=raw.get("description"),
                created_at=now,
                ready_at=None if ready_after is None else now + float(ready_after),
                status_details=dict(details) if isinstance(details, dict) else None,
            )
        )
    durations_raw = seed.get("exportDurations", {})
    durations = ExportDurations(
        pending=float(durations_raw.get("pendingSeconds", 1.0)),
        in_progress=float(durations_raw.get("inProgressSeconds", 2.0)),
    )
    prefix = str(seed.get("outputLocationPrefix", "s3://cleanrooms-ml-local-exports/exports"))
    if not prefix.startswith("s3://"):
        raise SeedError("seed: 'outputLocationPrefix' must start with s3://")
    return jobs, durations, prefix.rstrip("/")


class CleanRoomsMlEndpoint:
    """The service's state and request handling; mount it on a :class:`LoopbackServer`."""

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
        self.lock = threading.RLock()
        self.clock = clock
        self.account_id = account_id
        self.page_size = page_size
        self.state_file = state_file
        seed_data = _load_json(seed) if isinstance(seed, Path) else seed
        jobs, seed_durations, self.output_prefix = parse_seed(
            seed_data if seed_data is not None else default_seed(), now=clock()
        )
        self.durations = durations or seed_durations
        self.generation_jobs: dict[str, GenerationJob] = {job.arn: job for job in jobs}
        self.export_jobs: list[ExportJob] = []
        self.calls: list[Call] = []
        # Responses that broke the model: always empty unless the endpoint itself has a bug.
        self.model_violations: list[str] = []
        self.faults = Faults(self)
        if state_file is not None and state_file.exists():
            self._load_state(state_file)

    # --- state -----------------------------------------------------------------------------

    def _load_state(self, path: Path) -> None:
        data = _load_json(path)
        self.export_jobs = [ExportJob(**item) for item in data.get("exportJobs", [])]

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        payload = {"exportJobs": [asdict(job) for job in self.export_jobs]}
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".endpoint-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
        os.replace(tmp, self.state_file)

    def add_generation_job(self, job: GenerationJob) -> None:
        with self.lock:
            self.generation_jobs[job.arn] = job

    def set_generation_job_in_progress(
        self, job_arn: str, *, seconds: float, status: str = "CREATE_IN_PROGRESS"
    ) -> None:
        if status not in _IN_FLIGHT:
            raise ValueError(f"status must be one of {', '.join(_IN_FLIGHT)}")
        with self.lock:
            job = self.generation_jobs[job_arn]
            job.status = status
            job.ready_at = self.clock() + seconds

    def exports(self, job_arn: str | None = None) -> list[dict[str, object]]:
        """Export jobs as ListAudienceExportJobs would show them (all pages)."""
        with self.lock:
            now = self.clock()
            return [
                job.summary(now)
                for job in self.export_jobs
                if job_arn is None or job.job_arn == job_arn
            ]

    def calls_to(self, op: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.operation == op]

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            now = self.clock()
            return {
                "generationJobs": [
                    {"audienceGenerationJobArn": arn, "status": job.status_at(now)[0]}
                    for arn, job in self.generation_jobs.items()
                ],
                "exportJobs": self.exports(),
                "calls": [asdict(call) for call in self.calls],
                "modelViolations": list(self.model_violations),
            }

    # --- HTTP ------------------------------------------------------------------------------

    def handles(self, request: Request) -> bool:
        return (
            request.path == _EXPORT_PATH
            or request.path.startswith(_GENERATION_JOB_PREFIX)
            or request.path.startswith(_ADMIN_PREFIX)
        )

    def handle(self, request: Request) -> Response:
        if request.path.startswith(_ADMIN_PREFIX):
            return self._admin(request)
        if request.path == _EXPORT_PATH and request.method == "POST":
            return self._call(START, request, self._parse_start)
        if request.path == _EXPORT_PATH and request.method == "GET":
            return self._call(LIST, request, self._parse_list)
        if request.path.startswith(_GENERATION_JOB_PREFIX) and request.method == "GET":
            return self._call(GET_GENERATION_JOB, request, self._parse_get)
        return _error_response(ServiceError("ValidationException", "Unsupported operation"))

    def _call(
        self,
        op: str,
        request: Request,
        parse: Callable[[Request], dict[str, object]],
    ) -> Response:
        params: dict[str, object] = {}
        try:
            with self.lock:
                params = parse(request)
                input_shape = operation(op).input_shape
                problems = [] if input_shape is None else validate(input_shape, params, "")
                if problems:
                    raise ServiceError("ValidationException", "; ".join(problems))
                injected = self.faults._take_error(op)
                if injected is not None:
                    raise injected
                result = self._dispatch(op, params)
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
        with self.lock:
            self.calls.append(Call(op, params, status, error, self.clock()))

    def _dispatch(self, op: str, params: dict[str, object]) -> dict[str, object]:
        if op == START:
            self._start(params)
            return {}
        if op == LIST:
            return self._list(params)
        return self._get_generation_job(str(params["audienceGenerationJobArn"]))

    # --- request parsing -------------------------------------------------------------------

    @staticmethod
    def _parse_start(request: Request) -> dict[str, object]:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as error:
            raise ServiceError("ValidationException", "Request body is not valid JSON") from error
        if not isinstance(body, dict):
            raise ServiceError("ValidationException", "Request body must be a JSON object")
        return body

    @staticmethod
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
                raise ServiceError(
                    "ValidationException", "maxResults must be an integer"
                ) from error
        return params

    @staticmethod
    def _parse_get(request: Request) -> dict[str, object]:
        return {"audienceGenerationJobArn": unquote(request.path[len(_GENERATION_JOB_PREFIX) :])}

    # --- operations ------------------------------------------------------------------------

    def _start(self, params: Mapping[str, object]) -> None:
        arn = str(params["audienceGenerationJobArn"])
        name = str(params["name"])
        size = params["audienceSize"]
        assert isinstance(size, dict)  # the model check above guarantees it
        size_type, size_value = str(size["type"]), int(size["value"])
        now = self.clock()
        job = self.generation_jobs.get(arn)
        if job is None:
            raise ServiceError(
                "ResourceNotFoundException", f"Audience generation job {arn} not found"
            )
        status, _ = job.status_at(now)
        if status != "ACTIVE":
            raise ServiceError(
                "ValidationException",
                f"Audience generation job {arn} is {status}; exports need an ACTIVE job",
            )
        if job.offered_sizes and (size_type, size_value) not in job.offered_sizes:
            offered = ", ".join(f"{t} {v}" for t, v in job.offered_sizes)
            raise ServiceError(
                "ValidationException",
                f"audienceSize {size_type} {size_value} is not offered by the job; "
                f"offered: {offered}",
            )
        if any(e.job_arn == arn and e.name == name for e in self.export_jobs):
            raise ServiceError(
                "ConflictException",
                f"An audience export job named {name} already exists for {arn}",
            )
        counted = [
            e for e in self.export_jobs if e.job_arn == arn and e.status_at(now)[0] in _COUNTED
        ]
        if len(counted) >= EXPORTS_PER_GENERATION_JOB:
            raise ServiceError(
                "ServiceQuotaExceededException",
                "You have reached the maximum number of active audience export jobs "
                "for this audience generation job",
                quotaName="Active audience export jobs per audience generation job",
                quotaValue=float(EXPORTS_PER_GENERATION_JOB),
            )
        in_flight = [e for e in self.export_jobs if e.status_at(now)[0] in _IN_FLIGHT]
        if len(in_flight) >= IN_FLIGHT_EXPORTS_PER_ACCOUNT:
            raise ServiceError(
                "ServiceQuotaExceededException",
                "You have reached the maximum number of pending or in-progress audience "
                "export jobs for this account",
                quotaName="Pending or in-progress audience export jobs per account",
                quotaValue=float(IN_FLIGHT_EXPORTS_PER_ACCOUNT),
            )
        job_id = arn.rsplit("/", 1)[-1]
        description = params.get("description")
        self.export_jobs.append(
            ExportJob(
                name=name,
                job_arn=arn,
                size_type=size_type,
                size_value=size_value,
                description=None if description is None else str(description),
                created_at=now,
                pending_seconds=self.durations.pending,
                in_progress_seconds=self.durations.in_progress,
                output_location=f"{self.output_prefix}/{job_id}/{quote(name, safe='')}/",
                failure=self.faults._take_export_failure(name),
            )
        )
        self._save_state()

    def _list(self, params: Mapping[str, object]) -> dict[str, object]:
        arn = params.get("audienceGenerationJobArn")
        page_size = int(str(params.get("maxResults", self.page_size)))
        offset = 0
        token = params.get("nextToken")
        if token is not None:
            offset = _decode_token(str(token), arn)
        items = self.exports(None if arn is None else str(arn))
        page = items[offset : offset + page_size]
        result: dict[str, object] = {"audienceExportJobs": page}
        if offset + page_size < len(items):
            result["nextToken"] = _encode_token(offset + page_size, arn)
        return result

    def _get_generation_job(self, arn: str) -> dict[str, object]:
        job = self.generation_jobs.get(arn)
        if job is None:
            raise ServiceError(
                "ResourceNotFoundException", f"Audience generation job {arn} not found"
            )
        status, updated = job.status_at(self.clock())
        result: dict[str, object] = {
            "createTime": _iso(job.created_at),
            "updateTime": _iso(updated),
            "audienceGenerationJobArn": job.arn,
            "name": job.name,
            "status": status,
            "configuredAudienceModelArn": job.configured_audience_model_arn,
            "startedBy": self.account_id,
        }
        if job.description is not None:
            result["description"] = job.description
        if job.status_details and status != "ACTIVE":
            result["statusDetails"] = dict(job.status_details)
        if status == "ACTIVE" and job.offered_sizes:
            count = len(job.offered_sizes)
            result["metrics"] = {
                "relevanceMetrics": [
                    # Smaller audiences are the closer matches: a plausible, deterministic score.
                    {
                        "audienceSize": {"type": t, "value": v},
                        "score": round(9.0 - 8.0 * i / count, 2),
                    }
                    for i, (t, v) in enumerate(job.offered_sizes)
                ],
                "recallMetric": 0.42,
            }
        return result

    # --- admin API -------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        action = request.path[len(_ADMIN_PREFIX) :]
        if action == "state" and request.method == "GET":
            return Response(200, json.dumps(self.snapshot()).encode(), _headers())
        if action == "faults" and request.method == "POST":
            try:
                self._admin_fault(json.loads(request.body or b"{}"))
            except (ValueError, KeyError, TypeError) as error:
                message = json.dumps({"message": f"bad fault: {error}"}).encode()
                return Response(400, message, _headers())
            return Response(204)
        if action == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response(204)
        return Response(404, b'{"message":"unknown admin action"}', _headers())

    def _admin_fault(self, body: dict[str, Any]) -> None:
        kind = body["kind"]
        count = int(body.get("count", 1))
        op = body.get("operation")
        if kind == "throttle":
            self.faults.throttle(count, operation=op)
        elif kind == "server-error":
            self.faults.server_error(count, operation=op)
        elif kind == "quota":
            self.faults.quota_hit(count)
        elif kind == "error":
            self.faults.error(
                str(body["code"]), count=count, operation=op, message=body.get("message")
            )
        elif kind == "fail-export":
            self.faults.fail_export(
                name=body.get("name"),
                status_code=str(body.get("statusCode", "INTERNAL_ERROR")),
                message=str(body.get("message", "The export job failed (injected)")),
            )
        elif kind == "generation-in-progress":
            self.faults.generation_job_in_progress(
                str(body["audienceGenerationJobArn"]), seconds=float(body["seconds"])
            )
        else:
            raise ValueError(f"unknown kind {kind!r}")


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
