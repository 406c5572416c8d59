"""Synth as ``cdk synth`` runs it: a fresh Python process per app, ours vs the peer."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .report import Goal, Row, Section
from .timing import median

# A one-file app per side: the same stack as the in-process synth benchmark.
_APP: Final = """
import sys
import aws_cdk as cdk
from benchmarks import synth
app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, synth.STACK, env=cdk.Environment(account=synth.ACCOUNT, region=synth.REGION))
getattr(synth, sys.argv[2])(stack, int(sys.argv[3]))
app.synth()
"""
SIDES: Final = (("ours", "build_ours"), ("peer", "build_peer"))
ROOT: Final = Path(__file__).resolve().parents[1]


def _synth_once(build: str, count: int, work: Path) -> float:
    with tempfile.TemporaryDirectory(dir=work) as out:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONPATH"] = str(ROOT)  # the benchmarks package; the library is installed
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _APP, out, build, str(count)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        return time.perf_counter() - started


def section(counts: Sequence[int], repeats: int, work: Path) -> Section:
    rows = []
    for count in counts:
        samples: dict[str, list[float]] = {side: [] for side, _ in SIDES}
        for repeat in range(repeats):
            order = SIDES if repeat % 2 == 0 else tuple(reversed(SIDES))
            for side, build in order:
                samples[side].append(_synth_once(build, count, work))
        rows.append(
            Row(
                f"synth process, N={count}",
                "s",
                median(samples["ours"]),
                median(samples["peer"]),
                Goal(1.0, ratio=True),
            )
        )
    return Section(
        title="Synth as a process",
        peer="`AwsCustomResource`, same N calls, same app shape",
        rows=rows,
        notes=(
            f"Median of {repeats} fresh `python` process(es) per side and N, alternating; each"
            " starts jsii's Node.js process, builds the app and synthesizes it, as `cdk synth`"
            " runs an app. Includes what happens once per process, which the in-process rows"
            " above amortize. Measured from a source checkout, which writes the code archive"
            " once per process; the installed wheel ships it prebuilt with its hash, so it"
            " does not even do that.",
        ),
    )
