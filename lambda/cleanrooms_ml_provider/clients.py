"""The AWS clients the handler uses, and how one call is retried within a time budget.

Tests inject botocore-stubbed clients with :func:`use`; a local endpoint is reached through the
standard ``AWS_ENDPOINT_URL_CLEANROOMSML`` / ``AWS_ENDPOINT_URL_LAMBDA`` variables, which boto3
honours by itself.

botocore's own retries are off: its standard mode sleeps up to 20 s between 10 attempts, which
knows nothing of the invocation's time left (one throttled call took 56-84 s). :func:`call`
retries instead, with full jitter, and never starts an attempt whose socket timeouts would run
past ``until``; each attempt's timeouts are cut to the time left.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from . import service_models
from .clock import Clock

if TYPE_CHECKING:  # the Lambda runtime has no stubs; they are only needed by mypy
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

# One attempt: connect plus read. Short, so a hung connection costs little of the budget.
CONNECT_TIMEOUT_S: Final = 3.0
READ_TIMEOUT_S: Final = 10.0
ATTEMPT_MAX_S: Final = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
# Below this, an attempt cannot even connect: give up instead.
ATTEMPT_MIN_S: Final = 1.0
# Full jitter between attempts: uniform(0, min(cap, base * 2**n)).
RETRY_BASE_S: Final = 0.25
RETRY_CAP_S: Final = 5.0
# Errors that say "not now" rather than "no": worth another attempt.
THROTTLING_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalServiceException",
        "InternalFailure",
    }
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

_cleanroomsml: dict[int, CleanRoomsMLClient] = {}
# Clean Rooms (collaborations, memberships): no stubs are installed for it, hence Any.
_cleanrooms: dict[int, Any] = {}
_lambda: dict[int, LambdaClient] = {}
_scheduler: dict[int, EventBridgeSchedulerClient] = {}
_injected_cleanroomsml: CleanRoomsMLClient | None = None
_injected_cleanrooms: Any = None
_injected_lambda: LambdaClient | None = None
_injected_scheduler: EventBridgeSchedulerClient | None = None
# Jitter only; seeded by tests through :func:`seed_jitter` for repeatable sleeps.
_random = random.Random()


def seed_jitter(seed: int | None) -> None:
    _random.seed(seed)


def jitter(low: float, high: float) -> float:
    """A uniform draw in [low, high] from the handler's jitter source."""
    return _random.uniform(low, high) if high > low else low


def _config(timeout_s: int) -> Config:
    connect = min(CONNECT_TIMEOUT_S, max(1.0, timeout_s / 3))
    return Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=connect,
        read_timeout=max(1.0, timeout_s - connect),
    )


def _bucket(timeout_s: float | None) -> int:
    # Whole seconds, so a handful of clients serve every timeout (each costs ~20 ms to build).
    if timeout_s is None:
        return int(ATTEMPT_MAX_S)
    return max(2, min(int(ATTEMPT_MAX_S), math.ceil(timeout_s)))


def _cached(cache: dict[int, Any], service: str, timeout_s: float | None) -> Any:
    """The client of ``service`` for about ``timeout_s`` per attempt, built once per bucket."""
    key = _bucket(timeout_s)
    if key not in cache:
        made = service_models.session().client(service, config=_config(key))  # type: ignore[call-overload]
        cache[key] = made
    return cache[key]


def cleanroomsml(timeout_s: float | None = None) -> CleanRoomsMLClient:
    """A client whose attempt (connect + read) ends within about ``timeout_s`` seconds."""
    if _injected_cleanroomsml is not None:
        return _injected_cleanroomsml
    client: CleanRoomsMLClient = _cached(_cleanroomsml, "cleanroomsml", timeout_s)
    return client


def cleanrooms(timeout_s: float | None = None) -> Any:
    """A Clean Rooms client (``AWS_ENDPOINT_URL_CLEANROOMS`` reaches a local endpoint)."""
    if _injected_cleanrooms is not None:
        return _injected_cleanrooms
    return _cached(_cleanrooms, "cleanrooms", timeout_s)


def lambda_(timeout_s: float | None = None) -> LambdaClient:
    if _injected_lambda is not None:
        return _injected_lambda
    client: LambdaClient = _cached(_lambda, "lambda", timeout_s)
    return client


def scheduler(timeout_s: float | None = None) -> EventBridgeSchedulerClient:
    if _injected_scheduler is not None:
        return _injected_scheduler
    client: EventBridgeSchedulerClient = _cached(_scheduler, "scheduler", timeout_s)
    return client


def use(
    *,
    cleanroomsml: CleanRoomsMLClient | None = None,
    lambda_: LambdaClient | None = None,
    scheduler: EventBridgeSchedulerClient | None = None,
    cleanrooms: Any = None,
) -> None:
    """Inject clients (tests, local harness); ``None`` leaves that client unchanged."""
    global _injected_cleanroomsml, _injected_lambda, _injected_scheduler  # noqa: PLW0603
    global _injected_cleanrooms  # noqa: PLW0603
    if cleanroomsml is not None:
        _injected_cleanroomsml = cleanroomsml
    if cleanrooms is not None:
        _injected_cleanrooms = cleanrooms
    if lambda_ is not None:
        _injected_lambda = lambda_
    if scheduler is not None:
        _injected_scheduler = scheduler


def reset() -> None:
    """Forget all clients; the next getter call builds a fresh one."""
    global _injected_cleanroomsml, _injected_lambda, _injected_scheduler  # noqa: PLW0603
    global _injected_cleanrooms  # noqa: PLW0603
    _injected_cleanroomsml = None
    _injected_cleanrooms = None
    _cleanrooms.clear()
    _injected_lambda = None
    _injected_scheduler = None
    _cleanroomsml.clear()
    _lambda.clear()
    _scheduler.clear()
    service_models.reset()


# --- one call, retried within a budget ----------------------------------------------------------


class Unavailable(Exception):  # noqa: N818 - a state of the service, not a bug
    """Every attempt was throttled or failed in transit, and time ran out.

    The call's outcome is unknown (a Start may have been committed); ``last`` names the last
    error code or exception seen.
    """

    def __init__(self, action: str, last: str, attempts: int) -> None:
        super().__init__(f"{action}: {last} ({attempts} attempt{'s' * (attempts != 1)})")
        self.action = action
        self.last = last
        self.attempts = attempts


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def transient(error: Exception) -> bool:
    """Throttling, a 5xx, or a connection that failed or timed out."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(error) in THROTTLING_CODES or int(status or 0) >= 500 or status == 429
    return isinstance(error, BotoConnectionError | HTTPClientError)


def describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error_code(error) or "ClientError"
    return type(error).__name__


def call(
    operation: Callable[[float], T],
    *,
    clock: Clock,
    until: float,
    action: str,
    attempts: int | None = None,
) -> T:
    """``operation(timeout_s)`` until it succeeds, fails for good, or ``until`` comes.

    Permanent errors propagate at once; transient ones are retried with full jitter. Raises
    :class:`Unavailable` when ``attempts`` are used up or no further attempt fits before ``until``.
    """
    tried = 0
    last = "no time left for an attempt"
    while True:
        left = until - clock.now()
        if left < ATTEMPT_MIN_S:
            break
        tried += 1
        try:
            return operation(min(ATTEMPT_MAX_S, left))
        except (ClientError, BotoCoreError) as error:
            if not transient(error):
                raise
            last = describe(error)
            logger.warning("%s: %s (attempt %d)", action, last, tried)
        if attempts is not None and tried >= attempts:
            break
        pause = jitter(0.0, min(RETRY_CAP_S, RETRY_BASE_S * 2**tried))
        if clock.now() + pause + ATTEMPT_MIN_S > until:
            break
        clock.sleep(pause)
    raise Unavailable(action, last, tried)
