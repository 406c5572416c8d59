"""``python -m benchmarks`` (full, writes docs/benchmarks.md) or ``--smoke`` (CI, prints only)."""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cdk_cleanrooms_ml.local.awslambda.packages import build_runtime_dir

from . import (
    against_release,
    asset,
    cold_import,
    handler,
    long_wait,
    per_type,
    service_models,
    synth,
    synth_process,
    throttled,
)
from .report import Section, command_line, missed, page, render_sections, write_page

DEFAULT_PAGE: Final = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Settings:
    counts: tuple[int, ...]
    synth_repeats: int
    handler_repeats: int
    import_repeats: int
    process_counts: tuple[int, ...]
    process_repeats: int
    # Against the previous release: processes per side, and timed synths in each.
    release_rounds: int
    release_repeats: int


FULL: Final = Settings(
    counts=(1, 10, 100),
    synth_repeats=15,
    handler_repeats=3,
    import_repeats=11,
    process_counts=(1, 10),
    process_repeats=5,
    release_rounds=3,
    release_repeats=5,
)
# CI: enough to prove every benchmark still runs, well under two minutes.
SMOKE: Final = Settings(
    counts=(1, 2),
    synth_repeats=1,
    handler_repeats=1,
    import_repeats=1,
    process_counts=(1,),
    process_repeats=1,
    release_rounds=1,
    release_repeats=1,
)
# Concurrent exports under the rate limit (throttled.py): N for the full run and for --smoke.
THROTTLED_COUNTS: Final = (10, 50, 100)
THROTTLED_SMOKE_COUNTS: Final = (3,)
# Instances of each resource type per stack (per_type.py): the fixed cost shows at N=1, the
# cost per instance between the two.
PER_TYPE_COUNTS: Final = (1, 10)
PER_TYPE_SMOKE_COUNTS: Final = (1, 2)


# Simulated job durations (long_wait.py): hours for the full run and for --smoke. The longest
# stays under the 12 h a WaitCondition can wait, with room for the lag.
LONG_WAIT_HOURS: Final = (1.0, 3.0, 11.5)
LONG_WAIT_SMOKE_HOURS: Final = (0.5,)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny N, one repeat; never writes the page"
    )
    parser.add_argument(
        "--write", type=Path, default=DEFAULT_PAGE, help="page to write (default: %(default)s)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    return parser.parse_args(argv)


class Run:
    """Runs sections one by one; a crashing one is reported and the others still run."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.crashed: list[str] = []

    def add(self, name: str, make: Callable[[], Section]) -> None:
        print(f"running: {name}", file=sys.stderr, flush=True)
        try:
            self.sections.append(make())
        except Exception:
            traceback.print_exc()
            self.crashed.append(name)


def run(settings: Settings, work: Path) -> Run:
    result = Run()
    result.add("synth", lambda: synth.section(settings.counts, settings.synth_repeats))
    result.add(
        "template per resource type",
        lambda: per_type.section(PER_TYPE_SMOKE_COUNTS if settings is SMOKE else PER_TYPE_COUNTS),
    )
    result.add(
        "synth process",
        lambda: synth_process.section(settings.process_counts, settings.process_repeats, work),
    )
    try:
        # The one-export apps the remaining sections share (asset dir, deployed stack).
        assemblies = asset.synthesize_both(work)
        runtime_cache = work / "runtime-cache"
        runtime_dir = build_runtime_dir(runtime_cache)
    except Exception:
        traceback.print_exc()
        result.crashed.append("one-export synth / runtime dir")
        return result
    result.add(
        "handler",
        lambda: handler.section(assemblies.ours, work, runtime_cache, settings.handler_repeats),
    )
    result.add(
        "throttled",
        lambda: throttled.section(
            THROTTLED_SMOKE_COUNTS if settings is SMOKE else THROTTLED_COUNTS, work, runtime_cache
        ),
    )
    result.add(
        "long wait",
        lambda: long_wait.section(LONG_WAIT_SMOKE_HOURS if settings is SMOKE else LONG_WAIT_HOURS),
    )
    result.add("asset", lambda: asset.section(assemblies))
    for baseline in against_release.BASELINES:
        result.add(
            f"against {baseline[0]}",
            functools.partial(
                against_release.section,
                baseline,
                counts=settings.counts,
                rounds=settings.release_rounds,
                repeats=settings.release_repeats,
                runtime_dir=runtime_dir,
                import_repeats=settings.import_repeats,
            ),
        )
    imports_dir = work / "imports"
    imports_dir.mkdir()
    result.add(
        "cold import",
        lambda: cold_import.section(
            asset.asset_dir(assemblies.ours), runtime_dir, imports_dir, settings.import_repeats
        ),
    )
    result.add(
        "service models",
        lambda: service_models.section(
            asset.asset_dir(assemblies.ours), runtime_dir, imports_dir, settings.import_repeats
        ),
    )
    return result


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    settings = SMOKE if args.smoke else FULL
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cdk-cleanrooms-ml-bench-") as work:
        result = run(settings, Path(work))
    elapsed = time.perf_counter() - started
    print(render_sections(result.sections))
    misses = missed(result.sections)
    print("goals missed: " + ("; ".join(misses) if misses else "none"))
    print(f"took {elapsed:.1f} s")
    if result.crashed:
        print(f"crashed: {', '.join(result.crashed)} (page not written)", file=sys.stderr)
        return 1
    if not args.smoke and not args.no_write:
        write_page(args.write, page(result.sections, command=command_line(), elapsed_s=elapsed))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
