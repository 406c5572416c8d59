"""What the command line prints of a run: progress lines, the clock it runs on, and the
stack's outputs and attributes once it is done."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from .clock import CLOCK_FILE
from .cloudformation.driver import ProgressEvent, StackResult
from .cloudformation.handled_types import is_handled


def progress_line(event: ProgressEvent) -> str:
    elapsed = f" ({event.elapsed:.1f} s)" if event.elapsed is not None else ""
    reason = f"  {event.reason}" if event.reason else ""
    # The run's clock: with --fast-clock, virtual time, like the stack events it stands for.
    clock = time.strftime("%H:%M:%S", time.localtime(event.at))
    # The construct id when the template has path metadata, the logical id otherwise.
    name = event.label or event.logical_id
    columns = f"{clock}  {name:<30}  {event.resource_type:<41}  {event.status}"
    return f"{columns}{elapsed}{reason}"


def print_result(result: StackResult, out: TextIO) -> None:
    if result.outputs:
        print("\nOutputs:", file=out)
        for name, value in result.outputs.items():
            print(f"{result.stack_name}.{name} = {value}", file=out)
    exports = {lid: r for lid, r in result.resources.items() if is_handled(r.type)}
    shown_now = result.succeeded and result.status != "DELETE_COMPLETE"
    if exports and shown_now:
        print("\nAttributes (as the stack's GetAtt reads them):", file=out)
        for logical_id, resource in exports.items():
            shown = f"{resource.label} ({logical_id})" if resource.label else logical_id
            print(f"{shown}  physical id {resource.physical_id}", file=out)
            for key, value in resource.data.items():
                print(f"  {key} = {value}", file=out)
            tags = tags_of(resource.properties)
            if tags:
                print(f"  (tags) {tags}", file=out)
    simulated = [r for r in result.resources.values() if not is_handled(r.type)]
    if simulated and shown_now:
        # Recorded with their properties only: nothing is created for them offline.
        print("\nSimulated, not run offline:", file=out)
        for resource in simulated:
            print(f"  {resource.label or resource.logical_id}  {resource.type}", file=out)
    if not result.succeeded or result.reason:
        print(f"\n{result.stack_name}: {result.status}: {result.reason}", file=out)


def tags_of(properties: dict[str, object]) -> str:
    """A resource's ``Tags`` property as ``key=value, ...`` ('' when it has none)."""
    tags = properties.get("Tags")
    if isinstance(tags, list):
        pairs = [t for t in tags if isinstance(t, dict) and "Key" in t]
        return ", ".join(f"{t['Key']}={t.get('Value', '')}" for t in pairs)
    if isinstance(tags, dict):  # AWS::CleanRoomsML::TrainingDataset's own list, or a map
        return ", ".join(f"{key}={value}" for key, value in tags.items())
    return ""


def clock_line(clock: object, state_dir: Path) -> str:
    """How the run tells time: real, or virtual (the offset kept in the state folder)."""
    offset = getattr(clock, "offset", None)
    if not callable(offset):
        return "time: real"
    ahead = float(offset())
    mode = "waits pass at once (--fast-clock)" if getattr(clock, "fast", False) else "real waits"
    return (
        f"time: virtual, {ahead / 3600:.1f} h ahead of real time ({mode}); the times below are "
        f"virtual, the durations real. Back to real time: delete {state_dir / CLOCK_FILE} once "
        "no stack is deployed there, or use another --state-dir"
    )
