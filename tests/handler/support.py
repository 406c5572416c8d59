"""Running the real handler entry point as Lambda would, and reading what CloudFormation got.

``invoke_handler(event, services=...)`` calls ``index.handler(event, context)`` with a Lambda-like
context on a fake clock and returns the body PUT to the event's ResponseURL, checked against
CloudFormation's rules for a response. The handler's clients come from :mod:`.services`
(botocore's Stubber, or the offline harness's Clean Rooms ML endpoint through
:mod:`.local_cleanroomsml`); answers go to the harness's ResponseURL recorder
(:mod:`.response_url`), so the handler's own PUT code runs unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cdk_cleanrooms_ml._handler import clients, index
from cdk_cleanrooms_ml._handler import clock as handler_clock
from cdk_cleanrooms_ml._handler import names as naming
from cdk_cleanrooms_ml.local.cloudformation.protocol import build_event, check_response
from cdk_cleanrooms_ml.local.cloudformation.stacks import ResourceState
from cdk_cleanrooms_ml.local.recorder import RecordedResponse
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.clock import FakeClock
from tests.handler.response_url import cloudformation
from tests.local.support import export_properties

if TYPE_CHECKING:  # services.py builds on the names and clock here
    from tests.handler.services import Call, Services

REGION = "us-east-1"
ACCOUNT = "111122223333"
JOB_ARN = (
    f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/"
    "0f1e2d3c-aaaa-bbbb-cccc-123456789012"
)
MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/model-1"
FUNCTION_NAME = "ExportStack-AudienceExportProvider-AbCdEf123456"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
STACK_NAME = "ExportStack"
STACK_ID = (
    f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK_NAME}/"
    "5b6a1c2e-0000-1111-2222-333344445555"
)
LOGICAL_ID = "AudienceExport"
SCHEDULE_GROUP = "ExportStack-Polls"
SCHEDULER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ExportStack-SchedulerRole"
OUTPUT_PREFIX = "s3://audience-output/exports"


class LambdaContext:
    """The parts of the Lambda context object the handler and crhelper read, on a fake clock.

    (The harness's Lambda runtime has its own, on the real clock, in its isolated process.)
    """

    def __init__(self, clock: FakeClock, remaining_ms: int) -> None:
        self._clock = clock
        self._end = clock.now() + remaining_ms / 1000
        self.function_name = FUNCTION_NAME
        self.invoked_function_arn = FUNCTION_ARN
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 256
        self.log_group_name = f"/aws/lambda/{FUNCTION_NAME}"
        self.log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - self._clock.now()) * 1000))


# --- the event -----------------------------------------------------------------------------


def properties(
    *,
    job_arn: str = JOB_ARN,
    size_type: str = "ABSOLUTE",
    size_value: str = "1000",
    name: str | None = "my-export",
    description: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """ResourceProperties as CloudFormation sends them to the provider: every value a string."""
    return export_properties(
        job_arn=job_arn,
        size_type=size_type,
        size_value=size_value,
        name=name,
        description=description,
        extra={"ServiceToken": FUNCTION_ARN, **extra},
    )


def cfn_event(
    request_type: str,
    resource_properties: Any,
    *,
    physical_id: str | None = None,
    old_properties: Any = None,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """The event CloudFormation sends, as the harness builds it, with ``resource_properties``
    as given: anything at all, as in a crafted event. Without ``physical_id`` an Update or
    Delete has none (crafted, too)."""
    resource = ResourceState(
        logical_id, RESOURCE_TYPE, physical_id or "", {"ServiceToken": FUNCTION_ARN}
    )
    event = build_event(
        cloudformation().recorder,
        stack_id,
        request_type,
        resource,
        old_properties=old_properties,
        physical_id=physical_id,
    )
    event["ResourceProperties"] = resource_properties
    if physical_id is None:
        event.pop("PhysicalResourceId", None)
    return event


def handle_url(logical_id: str = "CompletionHandle", *, stack_id: str = STACK_ID) -> str:
    """A new WaitConditionHandle URL of ``stack_id`` (default: the tests' stack), on the test's
    HTTPS server: what the handler accepts as ``CompletionSignalUrl``."""
    return cloudformation().handle_url(stack_id, logical_id)


def derived_name(
    size: tuple[str, int] = ("ABSOLUTE", 1000), *, logical_id: str = LOGICAL_ID
) -> str:
    """The name the handler derives for an export without Name: this stack, no description."""
    return naming.default_name(
        seed=f"{STACK_NAME}/{logical_id}",
        job_arn=JOB_ARN,
        size_type=size[0],
        size_value=size[1],
        description=None,
    )


# --- the entry point ------------------------------------------------------------------------


@dataclass
class Invocation:
    response: dict[str, Any] | None  # what CloudFormation received; None: no response was sent
    calls: list[Call]
    responses_sent: int

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def _schedule(self) -> dict[str, Any]:
        created = [call for call in self.calls if call.operation == "CreateSchedule"]
        assert len(created) == 1, self.operations
        return created[0].params

    def continuation_event(self) -> dict[str, Any]:
        """The event this invocation handed over to its follow-up invocation (the input of the
        one-time schedule it created)."""
        return dict(json.loads(self._schedule()["Target"]["Input"]))

    def scheduled_at(self) -> float:
        """When that schedule fires (epoch seconds; Scheduler fires within that minute)."""
        expression = str(self._schedule()["ScheduleExpression"])
        assert expression.startswith("at(") and expression.endswith(")"), expression
        when = dt.datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S")
        return when.replace(tzinfo=dt.UTC).timestamp()

    def schedule_name(self) -> str:
        return str(self._schedule()["Name"])

    def next_poll(self, clock: FakeClock) -> dict[str, Any]:
        """The follow-up event, once ``clock`` reached the time its schedule fires: Scheduler
        fires within the minute it names; here half-way through it, its average."""
        clock.advance(max(0.0, self.scheduled_at() + 30.0 - clock.now()))
        return self.continuation_event()


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# What the handler echoes back; an event's malformed value comes back as "".
ECHOED: Final = ("StackId", "RequestId", "LogicalResourceId")


def _checked(recorded: RecordedResponse, event: Mapping[str, Any]) -> dict[str, Any]:
    """The body, once CloudFormation's rules for a response (the harness's) hold for it."""
    echoed = {key: value if isinstance(value := event.get(key), str) else "" for key in ECHOED}
    check = check_response(recorded, {**event, **echoed})
    assert check.problems == [], check.problems
    return check.body


def invoke_handler(
    event: dict[str, Any],
    *,
    services: Services,
    remaining_ms: int = 300_000,
) -> Invocation:
    """Run ``index.handler(event, context)`` once; return what CloudFormation would receive.

    Every body PUT to the event's ResponseURL is checked against CloudFormation's contract.
    """
    side = cloudformation()
    clients.use(
        cleanroomsml=services.cleanroomsml,
        lambda_=services.lambda_,
        scheduler=services.scheduler,
        cleanrooms=services.cleanrooms,
    )
    handler_clock.use(services.clock)
    first_call = len(services.calls)
    context = LambdaContext(services.clock, remaining_ms)
    # The handler verifies the response endpoint with the default trust store; SSL_CERT_FILE is
    # how OpenSSL lets that store be the harness's loopback CA.
    with _env(
        SSL_CERT_FILE=str(side.certificate.ca_file),
        # The harness's handle URLs (handle_url) are served under this origin.
        CDK_CLEANROOMS_ML_LOCAL_SIGNAL_ORIGIN=side.origin,
        SCHEDULE_GROUP_NAME=SCHEDULE_GROUP,
        SCHEDULER_ROLE_ARN=SCHEDULER_ROLE_ARN,
    ):
        index.handler(json.loads(json.dumps(event)), context)
    url = event.get("ResponseURL")
    recorded = side.recorded_for(url) if isinstance(url, str) else []
    responses = [_checked(response, event) for response in recorded]
    return Invocation(
        responses[-1] if responses else None, services.calls[first_call:], len(recorded)
    )
