"""Many exports at once against a rate-limited endpoint: wall time and API calls per export.

Every Create runs the handler from an asset laid out as in Lambda, each invocation in its own
``python -I -S`` process (the offline harness's Lambda runtime), cold starts staggered and then
all running at once, against
the embedded endpoint limited to ``RATE_PER_S`` calls a second per operation, with the account's
quota of 20 in-flight exports enforced. The tests use :func:`run_load` for the acceptance checks.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cdk_cleanrooms_ml._handler import schedules
from cdk_cleanrooms_ml.local.awslambda.invocations import Invocation
from cdk_cleanrooms_ml.local.awslambda.runtime import LocalFunction
from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.provider_code import provider_code
from cdk_cleanrooms_ml.local.recorder import RecordedResponse
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE

from .report import Row, Section

RATE_PER_S: Final = 5.0
# Exports finish about 1 s after Start: the time measured is the handler's and the limits'.
DURATIONS: Final = ExportDurations(pending=0.3, in_progress=0.7)
EXPORTS_PER_JOB: Final = 20  # under the 25 active exports a generation job may have
FUNCTION_TIMEOUT_S: Final = 300.0
SERVICE_TIMEOUT_S: Final = 900
ACCOUNT: Final = "111122223333"
REGION: Final = "us-east-1"
# Where the provider schedules the next poll of a wait longer than its first invocation's.
SCHEDULE_GROUP: Final = "LoadProviderPolls"
SCHEDULER_ROLE_ARN: Final = f"arn:aws:iam::{ACCOUNT}:role/LoadProviderScheduler"
# Cold starts are staggered: on a small shared machine, dozens of processes importing boto3 at
# once exceed the runtime's 10 s init timeout. Once started, they all run at the same time.
MAX_INITIALIZING: Final = 2


def job_arn(index: int) -> str:
    return f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/load-{index}"


def seed(exports: int) -> dict[str, Any]:
    jobs = max(1, -(-exports // EXPORTS_PER_JOB))
    return {
        "audienceGenerationJobs": [
            {
                "audienceGenerationJobArn": job_arn(j),
                "offeredSizes": [{"type": "PERCENTAGE", "value": 20}],
            }
            for j in range(jobs)
        ]
    }


def function(asset: Path) -> LocalFunction:
    return LocalFunction(
        function_name="LoadProvider",
        handler="cleanrooms_ml_provider.index.handler",
        code_dir=asset,
        timeout_seconds=FUNCTION_TIMEOUT_S,
        memory_mb=256,
        environment={
            "LOG_LEVEL": "INFO",
            schedules.GROUP_ENV: SCHEDULE_GROUP,
            schedules.ROLE_ENV: SCHEDULER_ROLE_ARN,
        },
        region=REGION,
        account=ACCOUNT,
    )


def create_event(
    cloud: LocalCloud, provider: LocalFunction, index: int, *, request_id: str | None = None
) -> dict[str, Any]:
    request_id = request_id or str(uuid.uuid4())
    return {
        "RequestType": "Create",
        "ServiceToken": provider.arn,
        "ResponseURL": cloud.responses.recorder.url_for(request_id),
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Load/{uuid.uuid4()}",
        "RequestId": request_id,
        "LogicalResourceId": f"Export{index}",
        "ResourceType": RESOURCE_TYPE,
        "ResourceProperties": {
            "ServiceToken": provider.arn,
            "AudienceGenerationJobArn": job_arn(index // EXPORTS_PER_JOB),
            "AudienceSize": {"Type": "PERCENTAGE", "Value": "20"},
            "Name": f"load-{index}",
            "ServiceTimeout": str(SERVICE_TIMEOUT_S),
        },
    }


@dataclass(frozen=True)
class LoadResult:
    wall_s: float
    answers: dict[str, list[RecordedResponse]]  # by RequestId
    calls: Counter[str]  # answered calls per operation
    throttled: int  # calls answered ThrottlingException
    exports: int  # exports the endpoint holds
    crashed: int  # invocations that did not end "ok"

    def statuses(self) -> Counter[str]:
        return Counter(
            str(answers[-1].json().get("Status")) if answers else "NO ANSWER"
            for answers in self.answers.values()
        )

    @property
    def answered_twice(self) -> int:
        return sum(1 for answers in self.answers.values() if len(answers) > 1)


def run_load(
    cloud: LocalCloud,
    provider: LocalFunction,
    events: list[dict[str, Any]],
    *,
    timeout_s: float,
    max_initializing: int = MAX_INITIALIZING,
) -> LoadResult:
    """Invoke every event (asynchronously, as CloudFormation does) and wait for all of them
    and their follow-ups (scheduled polls included); at most ``max_initializing`` are in their
    cold start at a time."""
    emulator = cloud.emulator
    if SCHEDULE_GROUP not in {group.name for group in cloud.scheduler.list_schedule_groups()}:
        cloud.scheduler.create_schedule_group(SCHEDULE_GROUP)  # what the provider's stack has
    emulator.max_concurrency = max(emulator.max_concurrency, len(events) + 10)
    emulator.max_invocations = max(emulator.max_invocations, 4 * len(events) + 10)
    emulator.register(provider)
    first_call = len(cloud.endpoint.calls)
    started = time.monotonic()
    logs = emulator.runtime.work_dir / "logs"
    launched: list[tuple[Invocation, Path]] = []

    def initializing() -> int:
        return sum(
            1
            for invocation, log in launched
            if invocation.result is None
            and b"START RequestId" not in (log.read_bytes() if log.exists() else b"")
        )

    for event in events:
        while initializing() >= max_initializing:
            time.sleep(0.05)
        invocation = emulator.invoke_async(provider, json.dumps(event).encode(), source="load")
        launched.append(
            (invocation, logs / f"{provider.function_name}-{invocation.request_id}.log")
        )
    # Done when nothing runs and no poll is pending (a firing invokes its target before its
    # schedule goes, so while a chain goes on one of the two always holds).
    end = started + timeout_s
    while emulator.wait_idle(max(0.0, end - time.monotonic())) and cloud.scheduler.pending():
        if time.monotonic() >= end:
            break
        time.sleep(0.1)
    wall = time.monotonic() - started
    calls = cloud.endpoint.calls[first_call:]
    answers = {
        str(event["RequestId"]): cloud.responses.recorder.for_request(str(event["RequestId"]))
        for event in events
    }
    return LoadResult(
        wall_s=wall,
        answers=answers,
        calls=Counter(call.operation for call in calls),
        throttled=sum(1 for call in calls if call.error == "ThrottlingException"),
        exports=len(cloud.endpoint.exports()),
        crashed=sum(
            1
            for invocation in emulator.invocations
            if invocation.result is None or invocation.result.status != "ok"
        ),
    )


def measure(n: int, work: Path, runtime_cache: Path) -> LoadResult:
    asset = provider_code(work / f"asset-{n}")
    with LocalCloud(
        state_dir=work / f"state-{n}",
        seed=seed(n),
        durations=DURATIONS,
        runtime_cache=runtime_cache,
    ) as cloud:
        cloud.endpoint.faults.rate_limit(RATE_PER_S)
        provider = function(asset)
        events = [create_event(cloud, provider, i) for i in range(n)]
        return run_load(cloud, provider, events, timeout_s=SERVICE_TIMEOUT_S)


def section(counts: tuple[int, ...], work: Path, runtime_cache: Path) -> Section:
    rows: list[Row] = []
    notes: list[str] = []
    for n in counts:
        result = measure(n, work, runtime_cache)
        statuses = result.statuses()
        calls = sum(result.calls.values())
        rows += [
            Row(f"{n} exports: wall time", "s", round(result.wall_s, 1), None),
            Row(f"{n} exports: API calls per export", "", round(calls / n, 1), None),
            Row(
                f"{n} exports: throttled calls per export", "", round(result.throttled / n, 1), None
            ),
            Row(f"{n} exports: SUCCESS answers", "", float(statuses.get("SUCCESS", 0)), None),
        ]
        notes.append(
            f"{n} exports: {dict(statuses)}; exports in the endpoint {result.exports}; "
            f"calls {dict(result.calls)}; answered twice {result.answered_twice}; "
            f"invocations not ok {result.crashed}"
        )
    return Section(
        title=f"Concurrent exports under a {RATE_PER_S:g} TPS limit per operation",
        peer="none (no other handler is measured here)",
        rows=rows,
        notes=notes,
    )
