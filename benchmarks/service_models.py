"""The service models the handler ships: the asset's size and the first client's cold start,
with them and without them (the same asset, its ``models`` folder removed)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from cdk_cleanrooms_ml.asset_files import HANDLER_PACKAGE, MODELS

from .asset import size_bytes
from .cold_import import run_child
from .report import Goal, Row, Section
from .timing import median

# The asset's ceiling once it carries the models (KB, unzipped).
SIZE_GOAL_KB: Final = 250.0
COLD_RATIO_GOAL: Final = 1.1
FIRST_CLIENT: Final = (
    f"import {HANDLER_PACKAGE}.index; from {HANDLER_PACKAGE} import clients; "
    "clients.cleanroomsml(); clients.cleanrooms(); clients.scheduler()"
)


def without_models(asset_dir: Path, work: Path) -> Path:
    """A copy of the asset without its service models: what the runtime's botocore loads."""
    copy = work / "asset-without-models"
    shutil.copytree(asset_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / HANDLER_PACKAGE / MODELS)
    return copy


def section(asset_dir: Path, runtime_dir: Path, work: Path, repeats: int) -> Section:
    bare = without_models(asset_dir, work)
    run_child(FIRST_CLIENT, [asset_dir, runtime_dir], work)
    run_child(FIRST_CLIENT, [bare, runtime_dir], work)
    ours, peer = [], []
    for _ in range(repeats):
        ours.append(run_child(FIRST_CLIENT, [asset_dir, runtime_dir], work).statement_s)
        peer.append(run_child(FIRST_CLIENT, [bare, runtime_dir], work).statement_s)
    return Section(
        title="Shipped service models",
        peer="the same asset without its `models` folder (the runtime's own botocore models)",
        rows=[
            Row(
                "asset size, unzipped",
                "KB",
                size_bytes(asset_dir) / 1024,
                size_bytes(bare) / 1024,
                Goal(SIZE_GOAL_KB, ratio=False),
            ),
            Row(
                "handler import + its three clients, timed in process",
                "ms",
                median(ours) * 1000,
                median(peer) * 1000,
                Goal(COLD_RATIO_GOAL, ratio=True),
            ),
        ],
        notes=(
            "The models (Clean Rooms ML and EventBridge Scheduler whole, Clean Rooms trimmed to "
            "the operations the handler calls; no documentation) travel gzipped; botocore loads "
            "them ahead of its own.",
            f"Cold start: median of {repeats} fresh `python -I -S` process(es) per side, "
            "alternating, after one warm-up each; sys.path holds the asset directory and the "
            "local Lambda runtime directory (this environment's boto3).",
        ),
    )
