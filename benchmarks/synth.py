"""Synth: ``AudienceExport`` vs the same calls made with ``AwsCustomResource``."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import custom_resources as cr

from cdk_cleanrooms_ml import AudienceExport, AudienceSize

from .report import Goal, Row, Section
from .timing import median

ACCOUNT: Final = "111122223333"
REGION: Final = "us-east-1"
STACK: Final = "Bench"
PERCENT: Final = 20
# CloudFormation's hard limit of resources in one stack.
STACK_RESOURCE_LIMIT: Final = 500
# aws-cdk-lib accepts both the v2 name "CleanRoomsML" and "@aws-sdk/client-cleanroomsml"; both
# become the IAM action cleanrooms-ml:StartAudienceExportJob.
SDK_SERVICE: Final = "CleanRoomsML"
WARM_UP_ROUNDS: Final = 3

Template = Mapping[str, Any]
Build = Callable[[cdk.Stack, int], None]


def job_arn(index: int) -> str:
    return f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/job-{index}"


def build_ours(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        AudienceExport(
            stack,
            f"Export{i}",
            audience_generation_job_arn=job_arn(i),
            audience_size=AudienceSize.percentage(PERCENT),
            name=f"export-{i}",
        )


def build_peer(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        arn, name = job_arn(i), f"export-{i}"
        cr.AwsCustomResource(
            stack,
            f"Export{i}",
            on_create=cr.AwsSdkCall(
                service=SDK_SERVICE,
                action="StartAudienceExportJob",
                parameters={
                    "name": name,
                    "audienceGenerationJobArn": arn,
                    "audienceSize": {"type": "PERCENTAGE", "value": PERCENT},
                },
                physical_resource_id=cr.PhysicalResourceId.of(name),
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[arn]),
        )


@dataclass(frozen=True)
class Synthesized:
    seconds: float
    template: Template

    @property
    def template_bytes(self) -> int:
        return len(json.dumps(self.template, separators=(",", ":")).encode("utf-8"))

    def count(self, resource_type: str) -> int:
        return sum(1 for r in self.resources.values() if r.get("Type") == resource_type)

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.template.get("Resources", {})
        return resources


def synthesize_into(out: Path, build: Build, count: int) -> Synthesized:
    """Build and synthesize one app; the time covers both (that is what ``cdk synth`` runs)."""
    started = time.perf_counter()
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account=ACCOUNT, region=REGION))
    build(stack, count)
    assembly = app.synth()
    seconds = time.perf_counter() - started
    template: Template = assembly.get_stack_artifact(stack.artifact_id).template
    return Synthesized(seconds, template)


def synthesize(build: Build, count: int) -> Synthesized:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as out:
        return synthesize_into(Path(out), build, count)


@dataclass(frozen=True)
class Variant:
    """One side's results: the median synth per N and one template per N."""

    seconds: dict[int, float]
    runs: dict[int, Synthesized]


def measure(counts: Sequence[int], repeats: int) -> tuple[Variant, Variant]:
    """Both variants for every N; alternating, so drift (GC, caches) hits both alike."""
    smallest = min(counts)
    # Warm-up: jsii starts its Node process and loads aws-cdk-lib on first use, and Node's JIT
    # needs a few rounds of both sides' code before times settle.
    for _ in range(WARM_UP_ROUNDS):
        synthesize(build_ours, smallest)
        synthesize(build_peer, smallest)
    ours = Variant({}, {})
    peer = Variant({}, {})
    for count in counts:
        samples: dict[str, list[float]] = {"ours": [], "peer": []}
        for repeat in range(repeats):
            # Swap who goes first each repeat: neither side always runs on a fresher heap.
            order = [("ours", build_ours), ("peer", build_peer)]
            for side, build in order if repeat % 2 == 0 else reversed(order):
                result = synthesize(build, count)
                samples[side].append(result.seconds)
                (ours if side == "ours" else peer).runs[count] = result
        ours.seconds[count] = median(samples["ours"])
        peer.seconds[count] = median(samples["peer"])
    return ours, peer


def per_extra(values: Mapping[int, float]) -> float:
    """Growth per export between the smallest and largest N."""
    low, high = min(values), max(values)
    return (values[high] - values[low]) / (high - low)


def fits_in_limit(resources: Mapping[int, float]) -> int:
    """Exports one stack can hold before CloudFormation's 500-resource limit."""
    each = per_extra(resources)
    low = min(resources)
    fixed = resources[low] - each * low
    return int((STACK_RESOURCE_LIMIT - fixed) // each)


def section(counts: Sequence[int], repeats: int) -> Section:
    ours, peer = measure(counts, repeats)
    top = max(counts)
    rows: list[Row] = [
        Row(f"synth time, N={n}", "s", ours.seconds[n], peer.seconds[n], Goal(1.0, ratio=True))
        for n in counts
    ]
    rows.append(
        Row(
            "synth time per extra export",
            "s",
            per_extra(ours.seconds),
            per_extra(peer.seconds),
            Goal(1.0, ratio=True),
        )
    )
    ours_bytes = {n: float(r.template_bytes) for n, r in ours.runs.items()}
    peer_bytes = {n: float(r.template_bytes) for n, r in peer.runs.items()}
    rows += [Row(f"template size, N={n}", "B", ours_bytes[n], peer_bytes[n]) for n in counts]
    rows.append(
        Row(
            "template bytes per extra export",
            "B",
            per_extra(ours_bytes),
            per_extra(peer_bytes),
            Goal(0.5, ratio=True),
        )
    )
    for label, kind in (
        ("Lambda functions", "AWS::Lambda::Function"),
        ("IAM roles", "AWS::IAM::Role"),
    ):
        rows.append(
            Row(f"{label}, N={top}", "", ours.runs[top].count(kind), peer.runs[top].count(kind))
        )
    ours_resources = {n: float(len(r.resources)) for n, r in ours.runs.items()}
    peer_resources = {n: float(len(r.resources)) for n, r in peer.runs.items()}
    rows.append(
        Row(
            "resources per export",
            "",
            per_extra(ours_resources),
            per_extra(peer_resources),
            Goal(1.0, ratio=False),
        )
    )
    rows.append(
        Row(
            f"exports within the {STACK_RESOURCE_LIMIT}-resource stack limit",
            "",
            fits_in_limit(ours_resources),
            fits_in_limit(peer_resources),
        )
    )
    return Section(
        title="Synth",
        peer=f"`AwsCustomResource` (`{SDK_SERVICE}` `StartAudienceExportJob`), same N calls",
        rows=rows,
        notes=(
            f"N = {', '.join(map(str, counts))}; synth time is the median of {repeats} "
            f"alternating run(s) after {WARM_UP_ROUNDS} warm-up synths of each side.",
            "At small N the provider's fixed cost dominates our synth time: its own log group,"
            " inline and self-invoke policies, and a Python asset of a few dozen files staged"
            " into the cloud assembly, against the peer's single prebuilt JavaScript file.",
        ),
    )
