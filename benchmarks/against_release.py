"""Today's library against earlier commits of it, in the same run: synth time, template
bytes, the provider's asset and its cold import.

The baselines (:data:`BASELINES`) are the previous release and the last commit before the
handler and the constructs took one module per resource: what changed since the release, and
what the reshaping itself changed. Every commit's library is named ``cdk_cleanrooms_ml``, so
each side synthesizes in processes of its own: a baseline's library is read from git
(:func:`previous_release.extract_library`) and put first on ``PYTHONPATH``; today's is the
installed one. Each process warms up, then
times :func:`synth.build_ours` (N exports) built and synthesized in process, as the Synth
section does; processes of the two sides alternate, and the samples of a side are pooled.
Without git history a baseline is reported as not measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from . import asset, cold_import, previous_release
from .report import Goal, Row, Section
from .synth import WARM_UP_ROUNDS
from .timing import median

ROOT: Final = Path(__file__).resolve().parents[1]
# (commit, what it is): each is a section of its own.
BASELINES: Final = (
    (previous_release.COMMIT, "the previous release"),
    ("f8d1205", "the last commit before one module per resource"),
)
PROCESS_TIMEOUT_S: Final = 900.0
# What "worse beyond noise" means, as ours / previous: timings vary run to run by several
# per cent on a shared machine; sizes are exact (the same inputs give the same bytes).
TIME_NOISE: Final = 1.10
SIZE_NOISE: Final = 1.0
# One side's process: warm-up synths, then `repeats` timed ones per N; the template bytes per
# N; and the one-export assembly written to `outdir` (its asset is measured by the parent).
_CHILD: Final = """
import json, sys
from pathlib import Path
import cdk_cleanrooms_ml
from benchmarks import synth
counts, repeats, outdir = json.loads(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
for _ in range(synth.WARM_UP_ROUNDS):
    synth.synthesize(synth.build_ours, min(counts))
seconds, sizes = {}, {}
for n in counts:
    runs = [synth.synthesize(synth.build_ours, n) for _ in range(repeats)]
    seconds[n] = [run.seconds for run in runs]
    sizes[n] = runs[-1].template_bytes
synth.synthesize_into(outdir, synth.build_ours, 1)
print(json.dumps({"library": cdk_cleanrooms_ml.__file__, "seconds": seconds, "bytes": sizes}))
"""


@dataclass
class Side:
    """One release's samples, pooled over its processes."""

    library: Path | None  # first on PYTHONPATH; None: the installed library (today's)
    seconds: dict[int, list[float]]
    template_bytes: dict[int, int]
    assembly: Path


def _run_child(side: Side, counts: Sequence[int], repeats: int, outdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # The benchmarks package from this checkout; the previous library before the installed one.
    paths = [str(side.library)] if side.library else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(list(counts)), str(repeats), str(outdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
        cwd=side.library or ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"synth process failed ({done.returncode}): {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    library = Path(result["library"]).resolve()
    if side.library is not None and not library.is_relative_to(side.library.resolve()):
        raise RuntimeError(f"the previous release was not the library imported: {library}")
    for n in counts:
        side.seconds.setdefault(n, []).extend(result["seconds"][str(n)])
        side.template_bytes[n] = int(result["bytes"][str(n)])
    side.assembly = outdir


def measure(
    library: Path, counts: Sequence[int], rounds: int, repeats: int, work: Path
) -> tuple[Side, Side]:
    """Today's side and the previous release's, ``rounds`` processes each, alternating."""
    ours = Side(None, {}, {}, work / "ours-0.out")
    previous = Side(library, {}, {}, work / "previous-0.out")
    for round_ in range(rounds):
        order = (ours, previous) if round_ % 2 == 0 else (previous, ours)
        for side in order:
            name = "ours" if side is ours else "previous"
            _run_child(side, counts, repeats, work / f"{name}-{round_}.out")
    return ours, previous


def _handler_import(asset_dir: Path) -> str:
    """``import <handler package>.index`` for the handler package in ``asset_dir``."""
    found = [p.parent.name for p in asset_dir.glob("*/index.py")]
    if len(found) != 1:
        raise RuntimeError(f"expected one handler package in {asset_dir}, found {found}")
    return f"import {found[0]}.index"


def cold_imports(
    ours_dir: Path, previous_dir: Path, runtime_dir: Path, work: Path, repeats: int
) -> tuple[float, float]:
    """Median in-process import time of each side's handler, alternating, after a warm-up."""
    sides = ((ours_dir, _handler_import(ours_dir)), (previous_dir, _handler_import(previous_dir)))
    samples: list[list[float]] = [[], []]
    for _ in range(repeats + 1):
        for index, (folder, statement) in enumerate(sides):
            timing = cold_import.run_child(statement, [folder, runtime_dir], work)
            samples[index].append(timing.statement_s)
    # The first of each side warmed the bytecode caches.
    return median(samples[0][1:]) * 1000, median(samples[1][1:]) * 1000


def _rows(
    ours: Side, previous: Side, counts: Sequence[int], imports_ms: tuple[float, float]
) -> list[Row]:
    time_goal, size_goal = Goal(TIME_NOISE, ratio=True), Goal(SIZE_NOISE, ratio=True)
    rows = [
        Row(
            f"synth time, N={n}",
            "s",
            median(ours.seconds[n]),
            median(previous.seconds[n]),
            time_goal,
        )
        for n in counts
    ]
    rows += [
        Row(
            f"template size, N={n}",
            "B",
            ours.template_bytes[n],
            previous.template_bytes[n],
            size_goal,
        )
        for n in counts
    ]
    ours_asset = asset.asset_dir(ours.assembly)
    previous_asset = asset.asset_dir(previous.assembly)
    rows += [
        Row(
            "asset size, unzipped",
            "KB",
            asset.size_bytes(ours_asset) / 1024,
            asset.size_bytes(previous_asset) / 1024,
            size_goal,
        ),
        Row(
            "asset as staged by synth",
            "KB",
            asset.staged_bytes(ours.assembly) / 1024,
            asset.staged_bytes(previous.assembly) / 1024,
            size_goal,
        ),
        Row("handler cold import, timed in process", "ms", *imports_ms, time_goal),
    ]
    return rows


def verdict(rows: Sequence[Row]) -> str:
    """ "none worse beyond noise", or the rows that are."""
    if not rows or any(row.peer is None for row in rows):
        return "not measured"
    worse = [row.metric for row in rows if row.met is False]
    return "none worse beyond noise" if not worse else "worse beyond noise: " + "; ".join(worse)


def section(
    baseline: tuple[str, str],
    *,
    counts: Sequence[int],
    rounds: int,
    repeats: int,
    runtime_dir: Path,
    import_repeats: int,
) -> Section:
    commit, what = baseline
    title = f"Against {what} ({commit})"
    peer = (
        f"the library at git {commit} (constructs and handler), in processes of its own,"
        " alternating with today's"
    )
    with tempfile.TemporaryDirectory(prefix="against-release-") as folder:
        work = Path(folder)
        try:
            library = previous_release.extract_library(work / "previous-library", commit)
        except previous_release.Missing as error:
            return Section(title, f"{peer} — not measured in this run", [], (f"{error}.",))
        ours, previous = measure(library, counts, rounds, repeats, work)
        imports_dir = work / "imports"
        imports_dir.mkdir()
        imports_ms = cold_imports(
            asset.asset_dir(ours.assembly),
            asset.asset_dir(previous.assembly),
            runtime_dir,
            imports_dir,
            import_repeats,
        )
        rows = _rows(ours, previous, counts, imports_ms)
    samples = rounds * repeats
    return Section(
        title=title,
        peer=peer,
        rows=rows,
        notes=(
            f"Verdict: {verdict(rows)}.",
            f"Noise: a timing is worse beyond noise above {TIME_NOISE:g}x the baseline's, a size"
            f" above {SIZE_NOISE:g}x (sizes do not vary between runs).",
            f"Synth: N exports (`AudienceExport`), built and synthesized in process; the median"
            f" of {samples} synth(s) per side and N: {rounds} process(es) per side, alternating,"
            f" each timing {repeats} after {WARM_UP_ROUNDS} warm-up synths. Both sides run from"
            " source, so each writes its code archive once per process.",
            "Template size: the compact JSON of the N-export stack. Asset: the provider's asset"
            " directory of a one-export app, unzipped, and as synth staged it.",
            f"Cold import: `import <handler package>.index` in fresh `python -I -S` processes"
            f" with the side's asset directory and the local Lambda runtime directory on"
            f" `sys.path`; the median of {import_repeats} per side, alternating, after one"
            " warm-up each.",
        ),
    )
