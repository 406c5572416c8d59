"""Handler cold import vs importing boto3 and making one client, in fresh isolated processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cdk_cleanrooms_ml.asset_files import HANDLER_PACKAGE
from cdk_cleanrooms_ml.local.awslambda.runtime import FAKE_CREDENTIALS

from .report import Goal, Row, Section
from .timing import median

REGION: Final = "us-east-1"
HANDLER_IMPORT: Final = f"import {HANDLER_PACKAGE}.index"
PEER_IMPORT: Final = f"import boto3; boto3.client('cleanroomsml', region_name={REGION!r})"
RATIO_GOAL: Final = 1.5
PROCESS_TIMEOUT_S: Final = 60.0

# Runs in the child: only the timed statement is inside the clock; the interpreter's own start
# is the same for both sides and is reported separately (whole-process time).
_CHILD: Final = """\
import sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""


class ColdImportError(RuntimeError):
    """A child process failed: the statement does not import in the Lambda-like setting."""


@dataclass(frozen=True)
class Timing:
    statement_s: float
    process_s: float


def _environment(work: Path) -> dict[str, str]:
    # Like the Lambda runtime: region set, fake credentials, no developer AWS config or IMDS.
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **FAKE_CREDENTIALS,
    }


def run_child(statement: str, paths: Sequence[Path], work: Path) -> Timing:
    """One fresh ``python -I -S`` process: no site-packages, no PYTHON* variables, no cwd."""
    code = _CHILD.format(paths=[str(p) for p in paths], statement=statement)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=work,
        env=_environment(work),
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        raise ColdImportError(f"{statement!r} failed ({done.returncode}): {done.stderr[-2000:]}")
    return Timing(float(done.stdout.strip().splitlines()[-1]), process_s)


def measure(paths: Sequence[Path], work: Path, repeats: int) -> tuple[list[Timing], list[Timing]]:
    """Alternate the sides; one discarded run each first warms the bytecode caches alike."""
    run_child(HANDLER_IMPORT, paths, work)
    run_child(PEER_IMPORT, paths, work)
    ours: list[Timing] = []
    peer: list[Timing] = []
    for _ in range(repeats):
        ours.append(run_child(HANDLER_IMPORT, paths, work))
        peer.append(run_child(PEER_IMPORT, paths, work))
    return ours, peer


def section(asset_dir: Path, runtime_dir: Path, work: Path, repeats: int) -> Section:
    # The same sys.path on both sides: the asset, then the runtime's boto3 (the asset has none).
    ours, peer = measure([asset_dir, runtime_dir], work, repeats)
    return Section(
        title="Handler cold import",
        peer="`import boto3; boto3.client('cleanroomsml', region_name='us-east-1')`",
        rows=[
            Row(
                f"`{HANDLER_IMPORT}`, timed in process",
                "ms",
                median([t.statement_s for t in ours]) * 1000,
                median([t.statement_s for t in peer]) * 1000,
                Goal(RATIO_GOAL, ratio=True),
            ),
            Row(
                "whole `python -I -S` process",
                "ms",
                median([t.process_s for t in ours]) * 1000,
                median([t.process_s for t in peer]) * 1000,
            ),
        ],
        notes=(
            f"Median of {repeats} fresh process(es) per side, alternating, after one warm-up "
            "each; sys.path holds the asset directory and the local Lambda runtime directory "
            "(boto3, botocore and their dependencies) on both sides.",
        ),
    )
