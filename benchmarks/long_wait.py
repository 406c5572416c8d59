"""Waiting hours for a generation job: what each hour waited costs in Lambda, and how late the
WaitCondition hears of the end.

Today's handler (one short invocation per poll, each scheduling the next with EventBridge
Scheduler) against the previous release's in the same run (each invocation sleeps inline until
close to its timeout, then invokes the function again), both simulated the same way
(:mod:`.wait_simulation`). The previous release is read from git (:mod:`.previous_release`);
without that history the peer is reported as not measured.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Final

from cdk_cleanrooms_ml.local.tls import LoopbackCertificate, create_certificate

from . import previous_release
from .report import Goal, Row, Section
from .wait_simulation import (
    COLD_START_S,
    CURRENT_PACKAGE,
    HOUR,
    InvokedChain,
    ScheduledPolls,
    SimulatedClock,
    WaitRun,
    environment,
    simulate,
)

SEED: Final = 20_260_601  # scheduler offsets and the handlers' jitter: repeatable runs
BILLED_GOAL_S: Final = Goal(60.0, ratio=False)  # per hour waited
INVOCATIONS_GOAL: Final = Goal(15.0, ratio=False)  # per hour waited
IDLE_GOAL_S: Final = Goal(0.0, ratio=False)  # no slot held between polls
LAG_GOAL_S: Final = Goal(360.0, ratio=False)  # the longest poll interval (5 min) + 1 minute


def current(hours: float, certificate: LoopbackCertificate, seed: int) -> WaitRun:
    return simulate(
        CURRENT_PACKAGE,
        ScheduledPolls(random.Random(seed)),
        SimulatedClock(),
        hours=hours,
        certificate=certificate,
        seed=seed,
    )


def previous(hours: float, certificate: LoopbackCertificate, seed: int) -> WaitRun:
    """The previous release's handler must be imported (:func:`previous_release.imported`)."""
    clock = SimulatedClock()
    return simulate(
        previous_release.PACKAGE,
        InvokedChain(clock),
        clock,
        hours=hours,
        certificate=certificate,
        seed=seed,
    )


def _checked(run: WaitRun, who: str) -> WaitRun:
    """A wait that did not end in SUCCESS measured something else: that is a bug, not a row."""
    if run.lag_s is None or not run.answer.startswith("SUCCESS"):
        raise RuntimeError(f"{who}, {run.hours:g} h: answered {run.answer}, signalled {run.signal}")
    return run


def _rows(ours: WaitRun, peer: WaitRun | None) -> list[Row]:
    label = f"{ours.hours:g} h wait:"
    note = "" if peer is not None else "not measured"

    def row(
        metric: str, unit: str, value: float, peer_value: float | None, goal: Goal | None
    ) -> Row:
        return Row(f"{label} {metric}", unit, value, peer_value, goal, peer_note=note)

    def per_hour(run: WaitRun, total: float) -> float:
        return round(run.per_hour(total), 1)

    return [
        row(
            "billed Lambda seconds per hour waited",
            "s",
            per_hour(ours, ours.billed_s),
            per_hour(peer, peer.billed_s) if peer else None,
            BILLED_GOAL_S,
        ),
        row(
            "invocations per hour waited",
            "",
            per_hour(ours, len(ours.invocations)),
            per_hour(peer, len(peer.invocations)) if peer else None,
            INVOCATIONS_GOAL,
        ),
        row(
            "slot-seconds held per hour waited",
            "s",
            per_hour(ours, ours.held_s),
            per_hour(peer, peer.held_s) if peer else None,
            None,
        ),
        row(
            "slot-seconds held between polls (sleeping) per hour waited",
            "s",
            per_hour(ours, ours.slept_s),
            per_hour(peer, peer.slept_s) if peer else None,
            IDLE_GOAL_S,
        ),
        row(
            "detection lag, job ACTIVE → signal received",
            "s",
            round(ours.lag_s or 0.0),
            round(peer.lag_s or 0.0) if peer else None,
            LAG_GOAL_S,
        ),
        row(
            "longest gap between two looks at the job (the lag's bound)",
            "s",
            round(ours.longest_look_gap_s),
            round(peer.longest_look_gap_s) if peer else None,
            LAG_GOAL_S,
        ),
    ]


def _describe(run: WaitRun) -> str:
    gaps = run.poll_gaps_s()
    spread = f"{min(gaps):.0f}-{max(gaps):.0f} s apart" if gaps else "no second invocation"
    late = f", {run.late_starts} started late" if run.late_starts else ""
    share = run.held_s / run.span_s if run.span_s else 0.0
    return (
        f"{len(run.invocations)} invocations ({run.mechanism}; {spread}{late}), "
        f"{run.billed_s:,.1f} billed s, a slot held {share:.1%} of the {run.span_s / HOUR:.2f} h "
        f"from the Create to the last invocation's end, {run.api_calls} Clean Rooms ML calls, "
        f"lag {run.lag_s or 0:.0f} s, answer {run.answer}, signal {run.signal}"
    )


def section(hours: tuple[float, ...]) -> Section:
    rows: list[Row] = []
    notes: list[str] = []
    missing = ""
    with tempfile.TemporaryDirectory(prefix="long-wait-") as work:
        certificate = create_certificate(Path(work) / "tls")
        ours = [_checked(current(h, certificate, SEED + i), "ours") for i, h in enumerate(hours)]
        peers: list[WaitRun | None] = [None] * len(hours)
        try:
            # crhelper builds boto3 clients when the handler is imported: it needs a region.
            with (
                environment({"AWS_DEFAULT_REGION": "us-east-1"}),
                previous_release.imported(Path(work) / "previous"),
            ):
                peers = [
                    _checked(previous(h, certificate, SEED + i), "previous release")
                    for i, h in enumerate(hours)
                ]
        except previous_release.Missing as error:
            missing = str(error)
    for run, peer_run in zip(ours, peers, strict=True):
        rows += _rows(run, peer_run)
        notes.append(f"{run.hours:g} h wait, ours: {_describe(run)}")
        if peer_run is not None:
            notes.append(f"{run.hours:g} h wait, peer: {_describe(peer_run)}")
    if missing:
        notes.append(f"Peer not measured in this run: {missing}.")
    notes += [
        "Per hour waited divides by the job's time to ACTIVE. The job is started by the Create"
        " and turns ACTIVE after the given hours; the resource has a completion signal (a"
        " WaitCondition of 12 h, its longest), so the Create is answered at once and the poller"
        " signals the handle.",
        "Ours asks for polls 1, 2, 3, 4, then every 5 minutes, each a schedule for a whole"
        " minute; Scheduler fires it somewhere within that minute (a seeded uniform offset"
        " here), and the next is counted from the minute the last one was scheduled for, so"
        " two looks are at most the interval + 60 s apart (the longest-gap rows). The lag row is"
        " one sample per wait, depending on where ACTIVE fell between two looks; the"
        " longest-gap row is what it can reach.",
        f"Every invocation of both is taken as a cold start of {COLD_START_S:g} s (billed, and a"
        " slot held); a slot held is one unit of the function's concurrency. The peer's"
        " invocations sleep between their polls (every 1-30 s), which is the slot held"
        " between polls.",
    ]
    peer = (
        f"the previous release's handler (git {previous_release.COMMIT}), run the same way: each"
        " invocation polls inline until ~50 s before its 300 s timeout, then invokes the"
        " function again (lambda:Invoke)"
    )
    return Section(
        title="Waiting beyond one hour (simulated clock)",
        peer=peer if not missing else f"{peer} — not measured in this run",
        rows=rows,
        notes=notes,
    )
