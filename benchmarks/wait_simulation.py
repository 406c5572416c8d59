"""One long wait for a generation job, played invocation by invocation on a simulated clock.

The real handler runs in this process against the embedded Clean Rooms ML endpoint and the
harness's WaitConditionHandle server, both on the same clock. The clock runs with real time, so
the handler's own work (its calls over loopback HTTP) counts, and jumps over what would only be
waiting: inline sleeps and the gaps between invocations. How a wait is handed to the next
invocation is the difference measured:

- :class:`ScheduledPolls` (today's handler): ``scheduler:CreateSchedule`` on a real boto3
  ``scheduler`` client answered by botocore's Stubber; the schedule fires within the minute its
  ``at(...)`` expression names (a seeded uniform offset), with its Input as the event.
- :class:`InvokedChain` (the previous release): ``lambda:Invoke`` (``Event``) answered by a
  Stubber; the next invocation is triggered at once.

Either way the next invocation starts :data:`COLD_START_S` after it was triggered; that time
holds a concurrency slot and is billed (Lambda bills the INIT phase of on-demand invocations
since August 2025).
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import json
import math
import os
import random
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, Literal, Protocol

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.stub import Stubber

from cdk_cleanrooms_ml.local.cleanroomsml.models import GenerationJobDurations
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.recorder import ResponseServer
from cdk_cleanrooms_ml.local.scheduler.expressions import due_at
from cdk_cleanrooms_ml.local.server import LoopbackServer
from cdk_cleanrooms_ml.local.signals import SIGNAL_ORIGIN_ENV, WaitHandles
from cdk_cleanrooms_ml.local.tls import LoopbackCertificate

HOUR: Final = 3600.0
# The provider's Lambda timeout (cdk_cleanrooms_ml.provider.FUNCTION_TIMEOUT, 5 minutes), in
# both releases; not imported, so the benchmark does not load aws-cdk.
FUNCTION_TIMEOUT_S: Final = 300.0
# From trigger to handler start, and the billed INIT: a Python runtime starting and importing
# boto3 and crhelper (the cold-import section measures the imports alone at ~0.3-0.4 s). Every
# invocation of both releases is taken to be a cold start: the worst case, alike for both.
COLD_START_S: Final = 1.0
# Scheduler fires a one-time schedule within the minute its expression names.
SCHEDULER_WINDOW_S: Final = 60.0
# The job takes this long CREATE_PENDING, then CREATE_IN_PROGRESS until the wait's end.
PENDING_S: Final = 60.0
MAX_INVOCATIONS: Final = 2000  # a runaway chain stops the benchmark instead of running on
REGION: Final = "us-east-1"
ACCOUNT: Final = "111122223333"
MODEL: Final = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/bench"
FUNCTION_ARN: Final = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:provider"
SCHEDULE_GROUP: Final = "provider-polls"
SCHEDULER_ROLE: Final = f"arn:aws:iam::{ACCOUNT}:role/provider-scheduler"
CURRENT_PACKAGE: Final = "cdk_cleanrooms_ml._handler"
CREATE_REQUEST: Final = "create"  # the ResponseURL's request id
NO_RETRIES: Final = Config(retries={"max_attempts": 1, "mode": "standard"})
KEY: Final = "bench"  # any credentials: nothing here reaches AWS
# The template's type and keys: the same in both releases (a contract with deployed stacks).
GENERATION_JOB_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceGenerationJob"
SIGNAL_URL_KEY: Final = "CompletionSignalUrl"
SIGNAL_TIMEOUT_KEY: Final = "CompletionSignalTimeout"
SIGNAL_TIMEOUT_MAX_S: Final = 43_200  # 12 hours, the longest WaitCondition


class SimulatedClock:
    """Epoch seconds that run with real time and jump over sleeps and the gaps between
    invocations; ``slept`` adds up the sleeps (time an invocation held its slot, idle)."""

    fast = True

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._offset = start - time.perf_counter()
        self.slept = 0.0

    def now(self) -> float:
        return time.perf_counter() + self._offset

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._offset += seconds
            self.slept += seconds

    def advance(self, seconds: float) -> None:
        self._offset += max(0.0, seconds)

    def advance_to(self, moment: float) -> None:
        self.advance(moment - self.now())


class Context:
    """The Lambda context of one invocation of the provider's function."""

    def __init__(self, clock: SimulatedClock, started: float) -> None:
        self._clock = clock
        self._end = started + FUNCTION_TIMEOUT_S
        self.invoked_function_arn = FUNCTION_ARN
        self.function_name = "provider"
        self.memory_limit_in_mb = 256
        self.log_group_name = "/aws/lambda/provider"
        self.log_stream_name = "bench"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - self._clock.now()) * 1000))


@dataclass(frozen=True)
class Trigger:
    """A hand-over: the next invocation is triggered ``at`` with ``event``."""

    at: float
    event: dict[str, Any]


class HandOvers(Protocol):
    """How the handler under test hands a wait to its next invocation."""

    mechanism: str

    def inject(self, clients: ModuleType, cleanroomsml: Any) -> None:
        """Give the handler's ``clients`` module the stubbed clients."""
        ...

    def arm(self) -> None:
        """Queue an answer for the hand-over the next invocation may make."""
        ...

    def take(self) -> list[Trigger]:
        """The hand-overs made since the last call."""
        ...


def _client(service: Literal["scheduler", "lambda"]) -> BaseClient:
    settings: dict[str, Any] = {
        "region_name": REGION,
        "config": NO_RETRIES,
        "aws_access_key_id": KEY,
        "aws_secret_access_key": KEY,
    }
    if service == "scheduler":
        return boto3.client("scheduler", **settings)
    return boto3.client("lambda", **settings)


def _unanswered(service: Literal["scheduler", "lambda"]) -> BaseClient:
    """A client whose every call fails: a hand-over the mechanism does not use shows up."""
    client = _client(service)
    Stubber(client).activate()
    return client


class _Stubbed:
    """One stubbed operation; every call is answered ``response`` and recorded."""

    def __init__(
        self,
        service: Literal["scheduler", "lambda"],
        operation: str,
        event_name: str,
        response: dict[str, Any],
    ) -> None:
        self.client = _client(service)
        self._stub = Stubber(self.client)
        self._stub.activate()
        self._operation, self._response = operation, response
        self._queued = 0
        self.calls: list[dict[str, Any]] = []
        self.client.meta.events.register(
            f"provide-client-params.{service}.{event_name}",
            lambda params, **_: self.calls.append(dict(params)),
        )

    def arm(self) -> None:
        if self._queued == len(self.calls):
            self._stub.add_response(self._operation, self._response)
            self._queued += 1


class ScheduledPolls:
    """Today's hand-over: a one-time EventBridge Scheduler schedule invokes the function."""

    mechanism = "scheduler:CreateSchedule"

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._stubbed = _Stubbed(
            "scheduler",
            "create_schedule",
            "CreateSchedule",
            {"ScheduleArn": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{SCHEDULE_GROUP}/x"},
        )
        self._taken = 0

    def inject(self, clients: ModuleType, cleanroomsml: Any) -> None:
        clients.use(
            cleanroomsml=cleanroomsml,
            scheduler=self._stubbed.client,
            lambda_=_unanswered("lambda"),
        )

    def arm(self) -> None:
        self._stubbed.arm()

    def take(self) -> list[Trigger]:
        new = self._stubbed.calls[self._taken :]
        self._taken = len(self._stubbed.calls)
        return [self._fired(params) for params in new]

    def _fired(self, params: Mapping[str, Any]) -> Trigger:
        target = params["Target"]
        window = params.get("FlexibleTimeWindow", {}).get("Mode")
        if target.get("Arn") != FUNCTION_ARN or window != "OFF":
            raise ValueError(f"a schedule this benchmark does not model: {dict(params)}")
        due = due_at(params["ScheduleExpression"], params.get("ScheduleExpressionTimezone"))
        return Trigger(
            due + self._rng.uniform(0.0, SCHEDULER_WINDOW_S), json.loads(target["Input"])
        )


class InvokedChain:
    """The previous release's hand-over: an asynchronous ``lambda:Invoke`` of the function."""

    mechanism = "lambda:Invoke"

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._stubbed = _Stubbed("lambda", "invoke", "Invoke", {"StatusCode": 202})
        self._triggers: list[Trigger] = []
        self._stubbed.client.meta.events.register(
            "provide-client-params.lambda.Invoke", self._invoked
        )

    def _invoked(self, params: Mapping[str, Any], **_: Any) -> None:
        if params.get("FunctionName") != FUNCTION_ARN or params.get("InvocationType") != "Event":
            raise ValueError(f"an invocation this benchmark does not model: {dict(params)}")
        self._triggers.append(Trigger(self._clock.now(), json.loads(params["Payload"])))

    def inject(self, clients: ModuleType, cleanroomsml: Any) -> None:
        clients.use(cleanroomsml=cleanroomsml, lambda_=self._stubbed.client)

    def arm(self) -> None:
        self._stubbed.arm()

    def take(self) -> list[Trigger]:
        taken, self._triggers = self._triggers, []
        return taken


@dataclass(frozen=True)
class Invocation:
    started: float  # the handler began (its INIT took the COLD_START_S before)
    ended: float
    slept_s: float  # inline sleeps: the slot held with no call in flight
    late_s: float  # started this much after its trigger + cold start (the previous one ran on)

    @property
    def held_s(self) -> float:
        return COLD_START_S + self.ended - self.started

    @property
    def billed_s(self) -> float:
        """Lambda bills each invocation's duration (INIT included) rounded up to 1 ms."""
        return math.ceil(round(self.held_s * 1000, 6)) / 1000


@dataclass(frozen=True)
class WaitRun:
    """One wait of ``hours``: from the Create's trigger until its last invocation ended."""

    hours: float
    mechanism: str
    invocations: tuple[Invocation, ...]
    answer: str  # what CloudFormation was answered
    signal: str  # the WaitCondition's first signal: status and reason
    lag_s: float | None  # job ACTIVE -> that signal received (None: no SUCCESS signal)
    api_calls: int  # calls the Clean Rooms ML endpoint answered
    looks: tuple[float, ...]  # when the job's status was read (GetAudienceGenerationJob)

    def per_hour(self, total: float) -> float:
        return total / self.hours

    @property
    def billed_s(self) -> float:
        return sum(i.billed_s for i in self.invocations)

    @property
    def held_s(self) -> float:
        return sum(i.held_s for i in self.invocations)

    @property
    def slept_s(self) -> float:
        return sum(i.slept_s for i in self.invocations)

    @property
    def span_s(self) -> float:
        """From the Create's trigger to the end of the last invocation."""
        if not self.invocations:
            return 0.0
        return self.invocations[-1].ended - (self.invocations[0].started - COLD_START_S)

    @property
    def late_starts(self) -> int:
        return sum(1 for i in self.invocations if i.late_s > 0.001)

    @property
    def longest_look_gap_s(self) -> float:
        """The longest time the job went unlooked at: what the lag can reach at worst."""
        return max((b - a for a, b in itertools.pairwise(self.looks)), default=0.0)

    def poll_gaps_s(self) -> list[float]:
        """Seconds from each invocation's start to the next one's."""
        starts = [i.started for i in self.invocations]
        return [b - a for a, b in itertools.pairwise(starts)]


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the block, the previous ones restored after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def handler_environment(certificate: LoopbackCertificate, origin: str) -> dict[str, str]:
    """What the provider's function has in its environment here (both releases)."""
    return {
        "AWS_DEFAULT_REGION": REGION,  # crhelper builds clients of its own on import
        "SSL_CERT_FILE": str(certificate.ca_file),  # the loopback HTTPS ResponseURL / handle
        "SCHEDULE_GROUP_NAME": SCHEDULE_GROUP,
        "SCHEDULER_ROLE_ARN": SCHEDULER_ROLE,
        SIGNAL_ORIGIN_ENV: origin,  # the harness's handles are accepted from this origin
        "LOG_LEVEL": "WARNING",  # a healthy wait logs nothing at this level
    }


def _create_event(response_url: str, signal_url: str, stack_id: str) -> dict[str, Any]:
    return {
        "RequestType": "Create",
        "ServiceToken": FUNCTION_ARN,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "Lookalikes",
        "ResourceType": GENERATION_JOB_RESOURCE_TYPE,
        "ResourceProperties": {
            "ServiceToken": FUNCTION_ARN,
            "ConfiguredAudienceModelArn": MODEL,
            "SeedAudience": {
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/seed",
                "DataSource": {"S3Uri": "s3://seed/seed.jsonl"},
            },
            SIGNAL_URL_KEY: signal_url,
            SIGNAL_TIMEOUT_KEY: str(SIGNAL_TIMEOUT_MAX_S),
        },
    }


def _endpoint(clock: SimulatedClock, hours: float) -> CleanRoomsMlEndpoint:
    return CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [],
            "configuredAudienceModels": [
                {
                    "configuredAudienceModelArn": MODEL,
                    "offeredSizes": [{"type": "PERCENTAGE", "value": 20}],
                }
            ],
        },
        generation_durations=GenerationJobDurations(
            pending=PENDING_S, in_progress=hours * HOUR - PENDING_S
        ),
        clock=clock.now,
        account_id=ACCOUNT,
    )


def _status(body: Mapping[str, Any]) -> str:
    reason = str(body.get("Reason") or "")
    return f"{body.get('Status')}" + (f" ({reason})" if reason else "")


def simulate(
    package: str,
    hand_overs: HandOvers,
    clock: SimulatedClock,
    *,
    hours: float,
    certificate: LoopbackCertificate,
    seed: int,
) -> WaitRun:
    """One Create of a generation job with a completion signal, the job ACTIVE ``hours`` after
    it started, run by the handler in ``package`` (``<package>.index``) until no invocation is
    left to run."""
    endpoint = _endpoint(clock, hours)
    handles = WaitHandles(clock)
    responses = ResponseServer(certificate, handles).start()
    service = LoopbackServer([endpoint]).start()
    stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Bench/{uuid.uuid4()}"
    signal_url = handles.issue("Bench", stack_id, "LookalikesReady")
    create = _create_event(responses.recorder.url_for(CREATE_REQUEST), signal_url, stack_id)
    try:
        with environment(handler_environment(certificate, handles.base_url)):
            invocations = _run(
                package, hand_overs, clock, create=create, endpoint_url=service.url, seed=seed
            )
    finally:
        responses.stop()
        service.stop()
    answers = responses.recorder.for_request(CREATE_REQUEST)
    signals = handles.signals(signal_url) or []
    ready = [j.ready_at for j in endpoint.backend.generation_jobs.values() if j.ready_at]
    first = signals[0] if signals else None
    return WaitRun(
        hours=hours,
        mechanism=hand_overs.mechanism,
        invocations=tuple(invocations),
        answer=_status(answers[-1].json()) if answers else "none",
        signal=_status({"Status": first.status, "Reason": first.reason}) if first else "none",
        lag_s=(
            first.received_at - ready[0] if first and first.status == "SUCCESS" and ready else None
        ),
        api_calls=len(endpoint.calls),
        looks=tuple(c.at for c in endpoint.calls if c.operation == "GetAudienceGenerationJob"),
    )


def _run(
    package: str,
    hand_overs: HandOvers,
    clock: SimulatedClock,
    *,
    create: dict[str, Any],
    endpoint_url: str,
    seed: int,
) -> list[Invocation]:
    """Every invocation, from the Create's until none is pending."""
    index = importlib.import_module(f"{package}.index")  # crhelper needs the region on import
    clients = importlib.import_module(f"{package}.clients")
    handler_clock = importlib.import_module(f"{package}.clock")
    cleanroomsml = boto3.client(
        "cleanroomsml",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=NO_RETRIES,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
    )
    hand_overs.inject(clients, cleanroomsml)
    handler_clock.use(clock)
    clients.seed_jitter(seed)
    # (start, order, event): the Create is triggered now and starts after its cold start.
    pending: list[tuple[float, int, dict[str, Any]]] = [(clock.now() + COLD_START_S, 0, create)]
    invocations: list[Invocation] = []
    try:
        while pending:
            if len(invocations) >= MAX_INVOCATIONS:
                raise RuntimeError(f"the wait did not end within {MAX_INVOCATIONS} invocations")
            due, _, event = heapq.heappop(pending)
            clock.advance_to(due)
            started, slept = clock.now(), clock.slept
            hand_overs.arm()
            index.handler(event, Context(clock, started))
            invocations.append(Invocation(started, clock.now(), clock.slept - slept, started - due))
            for trigger in hand_overs.take():
                entry = (trigger.at + COLD_START_S, len(invocations), trigger.event)
                heapq.heappush(pending, entry)
    finally:
        clients.reset()
        clients.seed_jitter(None)
        handler_clock.reset()
    return invocations
