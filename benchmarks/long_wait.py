"""Waiting hours for a generation job: Lambda invocations and billed seconds per hour waited.

The real handler runs in this process on a simulated clock (a sleep moves it at once), against
the embedded endpoint on that clock, with Lambda's Invoke answered by botocore's Stubber; the
WaitConditionHandle is the harness's ResponseURL recorder. Each invocation has the provider's
900-second timeout, so what is measured is how the poller spends it. The peer is crhelper's
polling (``poll_create``): an EventBridge rule invokes the function every ``polling_interval``
minutes (default 2), each invocation a short look; it is not run here, its schedule is its
documented behaviour, and it cannot wait past CloudFormation's hour at all.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.stub import ANY, Stubber

from cdk_cleanrooms_ml._handler import clients, rules
from cdk_cleanrooms_ml._handler import clock as handler_clock
from cdk_cleanrooms_ml.local.cleanroomsml.generation_job import GenerationJobDurations
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.recorder import ResponseRecorder
from cdk_cleanrooms_ml.local.server import LoopbackServer
from cdk_cleanrooms_ml.local.tls import create_certificate

from .report import Row, Section

HOUR: Final = 3600.0
FUNCTION_TIMEOUT_S: Final = 900.0
CRHELPER_POLLS_PER_HOUR: Final = 30  # one invocation every 2 minutes (its default)
REGION: Final = "us-east-1"
ACCOUNT: Final = "111122223333"
MODEL: Final = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/bench"
FUNCTION_ARN: Final = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:provider"
NO_RETRIES: Final = Config(retries={"max_attempts": 1, "mode": "standard"})


class SimulatedClock:
    def __init__(self) -> None:
        self.time = 1_800_000_000.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += max(0.0, seconds)


class Context:
    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._end = clock.now() + FUNCTION_TIMEOUT_S
        self.invoked_function_arn = FUNCTION_ARN
        self.function_name = "provider"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - self._clock.now()) * 1000))


@dataclass(frozen=True)
class Measured:
    hours: float
    invocations: int
    billed_s: float
    signalled: str


def _event(response_url: str, signal_url: str) -> dict[str, Any]:
    return {
        "RequestType": "Create",
        "ResponseURL": response_url,
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Bench/{uuid.uuid4()}",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "Lookalikes",
        "ResourceType": rules.GENERATION_JOB_RESOURCE_TYPE,
        "ResourceProperties": {
            "ServiceToken": FUNCTION_ARN,
            "ConfiguredAudienceModelArn": MODEL,
            "SeedAudience": {
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/seed",
                "DataSource": {"S3Uri": "s3://seed/seed.jsonl"},
            },
            rules.KEY_SIGNAL_URL: signal_url,
            rules.KEY_SIGNAL_TIMEOUT: str(rules.SIGNAL_TIMEOUT_MAX_SECONDS),
        },
    }


def measure(hours: float, work: Path) -> Measured:
    """One job of ``hours``: every invocation from the Create to the signal."""
    # crhelper makes boto3 clients of its own (unused here) when the handler is imported.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from cdk_cleanrooms_ml._handler import index  # noqa: PLC0415

    clock = SimulatedClock()
    endpoint = CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [],
            "configuredAudienceModels": [
                {
                    "configuredAudienceModelArn": MODEL,
                    "offeredSizes": [{"type": "PERCENTAGE", "value": 20}],
                }
            ],
        },
        generation_durations=GenerationJobDurations(pending=60.0, in_progress=hours * HOUR - 60),
        clock=clock.now,
        account_id=ACCOUNT,
    )
    certificate = create_certificate(work / f"tls-{hours}")
    recorder = ResponseRecorder()
    answers = LoopbackServer([recorder], ssl_context=certificate.server_context()).start()
    recorder.base_url = answers.url
    service = LoopbackServer([endpoint]).start()
    cleanroomsml = boto3.client(
        "cleanroomsml",
        region_name=REGION,
        endpoint_url=service.url,
        config=NO_RETRIES,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    lambda_ = boto3.client(
        "lambda", region_name=REGION, aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    payloads: list[bytes] = []
    lambda_.meta.events.register(
        "provide-client-params.lambda.Invoke",
        lambda params, **_: payloads.append(params["Payload"]),
    )
    stub = Stubber(lambda_)
    stub.activate()
    clients.use(cleanroomsml=cleanroomsml, lambda_=lambda_)
    handler_clock.use(clock)
    saved = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(certificate.ca_file)

    signal_url = recorder.url_for("signal")
    event = _event(recorder.url_for("answer"), signal_url)
    invocations, billed = 0, 0.0
    try:
        while invocations < 200:
            stub.add_response(
                "invoke",
                {"StatusCode": 202},
                {"FunctionName": FUNCTION_ARN, "InvocationType": "Event", "Payload": ANY},
            )
            before, handed_over = clock.now(), len(payloads)
            index.handler(json.loads(json.dumps(event)), Context(clock))
            invocations += 1
            # Lambda bills each invocation's duration, rounded up to the millisecond.
            billed += clock.now() - before
            if len(payloads) == handed_over:
                break
            event = json.loads(payloads[-1])
    finally:
        answers.stop()
        service.stop()
        clients.reset()
        handler_clock.reset()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved
    signals = [json.loads(r.body) for r in recorder.for_request("signal")]
    return Measured(hours, invocations, billed, signals[-1]["Status"] if signals else "none")


def section(hours: tuple[float, ...]) -> Section:
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="long-wait-") as work:
        for h in hours:
            result = measure(h, Path(work))
            per_hour = result.invocations / h
            rows += [
                Row(
                    f"{h:g} h job: invocations per hour waited",
                    "",
                    round(per_hour, 2),
                    float(CRHELPER_POLLS_PER_HOUR),
                    peer_note="crhelper's 2-minute schedule",
                ),
                Row(
                    f"{h:g} h job: billed Lambda seconds per hour waited",
                    "s",
                    round(result.billed_s / h),
                    None,
                ),
            ]
            notes.append(
                f"{h:g} h job: {result.invocations} invocations, {result.billed_s:.0f} billed s, "
                f"signal {result.signalled}"
            )
    notes.append(
        "Each poller invocation waits inline until close to its 900 s timeout, then hands over"
        " (asynchronous self-invoke): no schedule, rule or permission is ever created, so there"
        " is nothing to clean up. The price is Lambda time: about 3,600 billed seconds per hour"
        " waited (at 128 MB, 450 GB-s). crhelper's polls are short, so it bills far fewer"
        " seconds, but each resource needs an EventBridge rule and a Lambda permission, and it"
        " cannot wait past CloudFormation's hour."
    )
    return Section(
        title="Waiting beyond one hour (simulated clock)",
        peer="crhelper poll_create (its documented 2-minute EventBridge schedule; it stops at 1 h)",
        rows=rows,
        notes=notes,
    )
