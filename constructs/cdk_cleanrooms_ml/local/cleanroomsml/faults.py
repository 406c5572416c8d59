"""Misbehaviour to inject into the endpoint: throttling, rate limits, 500s, lost answers,
failing exports, generation jobs still running or failing to be created or deleted, audience
models failing to be created or deleted, quota hits. Each fault applies to the next matching
calls only; :mod:`.admin_faults` reads one from the admin API's JSON. The Clean Rooms endpoint
mounted beside this one (:mod:`..cleanrooms`) takes its faults from here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ..cleanrooms.operations import OPERATIONS as CLEANROOMS_OPERATIONS
from .exceptions import ServiceError
from .models import CleanRoomsMlBackend
from .models.audience_export_jobs import in_flight_quota_error, per_job_quota_error
from .models.audience_generation_jobs import generation_quota_error
from .operations import OPERATIONS as CLEANROOMSML_OPERATIONS
from .operations import START, START_GENERATION_JOB

EXPORT_FAILURE_MESSAGE: Final = "The export job failed (injected)"
GENERATION_FAILURE_MESSAGE: Final = "The audience generation job failed (injected)"
GENERATION_DELETE_FAILURE_MESSAGE: Final = (
    "The audience generation job could not be deleted (injected)"
)
MODEL_FAILURE_MESSAGE: Final = "The audience model failed to train (injected)"
MODEL_DELETE_FAILURE_MESSAGE: Final = "The audience model could not be deleted (injected)"

# Faults apply to the operations of both services the endpoint serves (Clean Rooms' tag operations
# share their names with Clean Rooms ML's, so a fault on one of those names applies to either).
OPERATIONS: Final = tuple(dict.fromkeys((*CLEANROOMSML_OPERATIONS, *CLEANROOMS_OPERATIONS)))


def _check_operation(operation: str | None) -> None:
    if operation is not None and operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}")


@dataclass
class _Fault:
    operation: str | None
    code: str
    message: str
    remaining: int
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class _TokenBucket:
    """``rate`` requests a second, bursts up to ``burst``; a refused request takes no token."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class _Failure:
    # The name or ARN of the resource it applies to; None: the next one.
    name: str | None
    status_code: str
    message: str


@dataclass
class _Failures:
    """Failures waiting for the next resource (of a name or ARN, or any) they apply to."""

    waiting: list[_Failure] = field(default_factory=list)

    def add(self, key: str | None, status_code: str, message: str) -> None:
        self.waiting.append(_Failure(key, status_code, message))

    def take(self, key: str) -> dict[str, str] | None:
        for failure in self.waiting:
            if failure.name in (None, key):
                self.waiting.remove(failure)
                return {"statusCode": failure.status_code, "message": failure.message}
        return None


class Faults:
    """Misbehaviour to inject; every fault applies to the next matching calls only."""

    def __init__(self, backend: CleanRoomsMlBackend) -> None:
        self._backend = backend
        self._errors: list[_Fault] = []
        self._export_failures = _Failures()
        self._create_failures = _Failures()
        self._delete_failures = _Failures()
        self._model_failures = _Failures()
        self._model_delete_failures = _Failures()
        # Per operation: a token bucket (ThrottlingException when empty).
        self._rate_limits: dict[str, _TokenBucket] = {}
        # Per operation: calls that commit and then answer 500, as if the answer were lost.
        self._lost_answers: dict[str, int] = {}

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
        self._inject(ServiceError(code, message or f"injected {code}", **extra), count, operation)

    def _inject(self, error: ServiceError, count: int, operation: str | None) -> None:
        _check_operation(operation)
        with self._backend.lock:
            self._errors.append(
                _Fault(operation, error.code, error.message, count, dict(error.extra))
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
        self._inject(per_job_quota_error(), count, START)

    def in_flight_quota_hit(self, count: int = 1) -> None:
        """The next Start calls fail on the account's quota of in-flight exports."""
        self._inject(in_flight_quota_error(), count, START)

    def rate_limit(
        self, per_second: float, *, operation: str | None = None, burst: float | None = None
    ) -> None:
        """At most ``per_second`` calls of each operation (or of ``operation``) a second;
        calls past it get ThrottlingException. ``per_second`` 0 removes the limit."""
        _check_operation(operation)
        if per_second < 0:
            raise ValueError("per_second must not be negative")
        with self._backend.lock:
            for op in (operation,) if operation else OPERATIONS:
                if per_second == 0:
                    self._rate_limits.pop(op, None)
                    continue
                size = burst if burst is not None else per_second
                self._rate_limits[op] = _TokenBucket(per_second, size, size, self._backend.clock())

    def lose_answers(self, count: int = 1, *, operation: str = START) -> None:
        """The next ``count`` calls of ``operation`` (export Starts unless told) are committed,
        then answered with a 500."""
        _check_operation(operation)
        with self._backend.lock:
            self._lost_answers[operation] = self._lost_answers.get(operation, 0) + count

    def lose_generation_answers(self, count: int = 1) -> None:
        """The next ``count`` generation-job Starts are committed, then answered with a 500."""
        self.lose_answers(count, operation=START_GENERATION_JOB)

    def fail_export(
        self,
        *,
        name: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = EXPORT_FAILURE_MESSAGE,
    ) -> None:
        """The next export started (with ``name``, or any) ends CREATE_FAILED."""
        with self._backend.lock:
            self._export_failures.add(name, status_code, message)

    def generation_quota_hit(self, count: int = 1) -> None:
        """The next generation-job Starts fail on the account's quota of in-flight jobs."""
        self._inject(generation_quota_error(), count, START_GENERATION_JOB)

    def fail_generation_job(
        self,
        *,
        name: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = GENERATION_FAILURE_MESSAGE,
    ) -> None:
        """The next generation job started (with ``name``, or any) ends CREATE_FAILED."""
        with self._backend.lock:
            self._create_failures.add(name, status_code, message)

    def fail_generation_job_delete(
        self,
        *,
        job_arn: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = GENERATION_DELETE_FAILURE_MESSAGE,
    ) -> None:
        """The next generation job deleted (``job_arn``, or any) ends DELETE_FAILED."""
        with self._backend.lock:
            self._delete_failures.add(job_arn, status_code, message)

    def generation_job_in_progress(
        self, job_arn: str, *, seconds: float, status: str = "CREATE_IN_PROGRESS"
    ) -> None:
        """The generation job reports ``status`` for ``seconds`` more, then ACTIVE."""
        self._backend.set_generation_job_in_progress(job_arn, seconds=seconds, status=status)

    def fail_audience_model(
        self,
        *,
        name: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = MODEL_FAILURE_MESSAGE,
    ) -> None:
        """The next audience model created (with ``name``, or any) ends CREATE_FAILED."""
        with self._backend.lock:
            self._model_failures.add(name, status_code, message)

    def fail_audience_model_delete(
        self,
        *,
        model_arn: str | None = None,
        status_code: str = "INTERNAL_ERROR",
        message: str = MODEL_DELETE_FAILURE_MESSAGE,
    ) -> None:
        """The next audience model deleted (``model_arn``, or any) ends DELETE_FAILED."""
        with self._backend.lock:
            self._model_delete_failures.add(model_arn, status_code, message)

    def clear(self) -> None:
        with self._backend.lock:
            self._errors.clear()
            for failures in (
                self._export_failures,
                self._create_failures,
                self._delete_failures,
                self._model_failures,
                self._model_delete_failures,
            ):
                failures.waiting.clear()
            self._rate_limits.clear()
            self._lost_answers.clear()

    def throttled(self, op: str) -> ServiceError | None:
        bucket = self._rate_limits.get(op)
        if bucket is None or bucket.take(self._backend.clock()):
            return None
        return ServiceError("ThrottlingException", "Rate exceeded")

    def take_lost_answer(self, op: str) -> bool:
        if self._lost_answers.get(op, 0) <= 0:
            return False
        self._lost_answers[op] -= 1
        return True

    def take_error(self, op: str) -> ServiceError | None:
        for fault in self._errors:
            if fault.operation in (None, op) and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._errors.remove(fault)
                return ServiceError(fault.code, fault.message, **fault.extra)
        return None

    def take_export_failure(self, name: str) -> dict[str, str] | None:
        return self._export_failures.take(name)

    def take_generation_failure(self, name: str) -> dict[str, str] | None:
        return self._create_failures.take(name)

    def take_generation_delete_failure(self, job_arn: str) -> dict[str, str] | None:
        return self._delete_failures.take(job_arn)

    def take_model_failure(self, name: str) -> dict[str, str] | None:
        return self._model_failures.take(name)

    def take_model_delete_failure(self, model_arn: str) -> dict[str, str] | None:
        return self._model_delete_failures.take(model_arn)
