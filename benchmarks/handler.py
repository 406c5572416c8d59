"""The handler against the embedded endpoint: polling lag after ACTIVE and Delete latency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, StackResult
from cdk_cleanrooms_ml.local.cloudformation.protocol import SUCCESS, Operation
from cdk_cleanrooms_ml.local.harness import LocalCloud

from .report import Goal, Row, Section
from .synth import PERCENT, STACK, job_arn
from .timing import median

# A few seconds in flight: the export is ACTIVE 4 s after it starts, between two of the
# handler's polls (about 1 s, 2.5 s, 4.75 s...), so the lag measured is the handler's own.
DURATIONS: Final = ExportDurations(pending=1.0, in_progress=3.0)
EXPORT_NAME: Final = "export-0"
ACTIVE_GOAL_S: Final = 5.0
DELETE_GOAL_S: Final = 2.0
# crhelper's CfnResource(sleep_on_delete=120): what a handler keeping the default waits.
CRHELPER_SLEEP_ON_DELETE_S: Final = 120.0
# Bounds the harness's waits so a hung handler fails the benchmark instead of stalling it.
MAX_WAIT_S: Final = 120.0


class HandlerBenchmarkError(RuntimeError):
    """The deployment itself went wrong: there is nothing meaningful to time."""


def seed() -> dict[str, Any]:
    """The generation job the one-export app (``synth.build_ours``) points at."""
    return {
        "audienceGenerationJobs": [
            {
                "audienceGenerationJobArn": job_arn(0),
                "offeredSizes": [{"type": "PERCENTAGE", "value": PERCENT}],
            }
        ]
    }


@dataclass(frozen=True)
class Sample:
    active_to_success_s: float
    create_s: float
    delete_s: float


def _only(result: StackResult, request_type: str) -> Operation:
    operations = result.operations_of(request_type)
    if len(operations) != 1 or operations[0].status != SUCCESS:
        raise HandlerBenchmarkError(
            f"{request_type}: expected one SUCCESS, got {len(operations)} operation(s); "
            f"stack {result.status}: {result.reason}"
        )
    return operations[0]


def _active_at(cloud: LocalCloud) -> float:
    """When the endpoint turned the export ACTIVE (epoch seconds): start + its durations."""
    [job] = [j for j in cloud.endpoint.backend.export_jobs if j.name == EXPORT_NAME]
    return job.created_at + job.pending_seconds + job.in_progress_seconds


def run_once(app_dir: Path, state_dir: Path, runtime_cache: Path) -> Sample:
    """Deploy and destroy the one-export stack on a fresh endpoint (so nothing is adopted)."""
    stack = load_stack(app_dir, STACK)
    with LocalCloud(
        state_dir=state_dir,
        seed=seed(),
        durations=DURATIONS,
        runtime_cache=runtime_cache,
        options=DriverOptions(max_wait=MAX_WAIT_S),
    ) as cloud:
        create = _only(cloud.deploy(stack), "Create")
        [response] = cloud.responses.recorder.for_request(str(create.event["RequestId"]))
        active_to_success = response.received_at - _active_at(cloud)
        delete = _only(cloud.destroy(STACK), "Delete")
    return Sample(active_to_success, create.elapsed, delete.elapsed)


def section(app_dir: Path, work: Path, runtime_cache: Path, repeats: int) -> Section:
    samples = [
        run_once(app_dir, work / f"handler-state-{i}", runtime_cache) for i in range(repeats)
    ]
    in_flight = DURATIONS.pending + DURATIONS.in_progress
    return Section(
        title="Handler (embedded endpoint)",
        peer="crhelper's default `sleep_on_delete` (120 s) for Delete; for the wait, none: "
        "`AwsCustomResource` answers right after starting the export, without waiting for it",
        rows=[
            Row(
                "export ACTIVE → SUCCESS received",
                "s",
                median([s.active_to_success_s for s in samples]),
                None,
                Goal(ACTIVE_GOAL_S, ratio=False),
            ),
            Row(
                "Delete sent → response received",
                "s",
                median([s.delete_s for s in samples]),
                CRHELPER_SLEEP_ON_DELETE_S,
                Goal(DELETE_GOAL_S, ratio=False),
                peer_note="crhelper default",
            ),
            Row(
                f"Create sent → SUCCESS (export in flight {in_flight:g} s)",
                "s",
                median([s.create_s for s in samples]),
                None,
            ),
        ],
        notes=(
            f"Median of {repeats} deploy + destroy run(s), each on a fresh endpoint; export "
            f"CREATE_PENDING {DURATIONS.pending:g} s then CREATE_IN_PROGRESS "
            f"{DURATIONS.in_progress:g} s. Each invocation is a new `python -I -S` process "
            "(a cold start), included in the Create and Delete times.",
        ),
    )
