"""Template per resource type: N of each construct in one stack against its nearest peer.

Each entry of :data:`TYPES` is one resource type: how a user declares N of ours (the stack's
own provider comes with the first) and N of the peer. Adding a type is one entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from . import per_type_builds as builds
from . import per_type_collaboration as collaboration
from .report import Row, Section
from .synth import (
    SDK_SERVICE,
    STACK_RESOURCE_LIMIT,
    Build,
    Synthesized,
    build_ours,
    build_peer,
    per_extra,
    synthesize,
)


@dataclass(frozen=True)
class ResourceType:
    """One row of the table: the construct, the peer's description, and both builds."""

    name: str
    peer: str
    ours: Build
    theirs: Build


def _sdk(create: str, delete: str | None, policy: str) -> str:
    calls = f"`{create}`" + (f" / `{delete}`" if delete else " (no delete API)")
    return f"`AwsCustomResource` {calls}, {policy}"


TYPES: Final[tuple[ResourceType, ...]] = (
    ResourceType(
        "AudienceExport",
        _sdk("StartAudienceExportJob", None, "`from_sdk_calls` on its job"),
        build_ours,
        build_peer,
    ),
    ResourceType(
        "AudienceGenerationJob",
        _sdk(
            "StartAudienceGenerationJob",
            "DeleteAudienceGenerationJob",
            "statements: both actions on its model and the account's jobs, PassRole on the seed"
            " role",
        ),
        builds.our_jobs,
        builds.peer_jobs,
    ),
    ResourceType(
        "AudienceModel",
        _sdk(
            "CreateAudienceModel",
            "DeleteAudienceModel",
            "`from_sdk_calls` on its dataset and the account's models",
        ),
        builds.our_models,
        builds.peer_models,
    ),
    ResourceType(
        "ConfiguredAudienceModel",
        _sdk(
            "CreateConfiguredAudienceModel",
            "DeleteConfiguredAudienceModel",
            "statements: both actions on its model and the account's configured models, PassRole"
            " on the output role",
        ),
        builds.our_configured_models,
        builds.peer_configured_models,
    ),
    ResourceType(
        "ConfiguredAudienceModelPolicy",
        _sdk(
            "PutConfiguredAudienceModelPolicy",
            "DeleteConfiguredAudienceModelPolicy",
            "`from_sdk_calls` on its model (no drift check)",
        ),
        collaboration.our_policies,
        collaboration.peer_policies,
    ),
    ResourceType(
        "ConfiguredAudienceModelAssociation",
        "`AwsCustomResource` (CleanRooms) `CreateConfiguredAudienceModelAssociation` / `Delete…`,"
        " statements: both on the membership's associations, Create's dependent actions on the"
        " model",
        collaboration.our_associations,
        collaboration.peer_associations,
    ),
    ResourceType(
        "TrainingDataset",
        "`CfnTrainingDataset` and a reader role (same trust and Glue read) written by hand",
        builds.our_datasets,
        builds.peer_datasets,
    ),
)


@dataclass(frozen=True)
class Line:
    """A side's template bytes or resources against N: fixed part and growth per instance."""

    values: Mapping[int, float]

    @property
    def each(self) -> float:
        return per_extra(self.values)

    @property
    def fixed(self) -> float:
        low = min(self.values)
        return self.values[low] - self.each * low

    def fits(self) -> float:
        """Instances one stack holds before CloudFormation's resource limit."""
        return (STACK_RESOURCE_LIMIT - self.fixed) // self.each if self.each > 0 else 0.0


def _lines(runs: Mapping[int, Synthesized]) -> tuple[Line, Line]:
    template_bytes = Line({n: float(run.template_bytes) for n, run in runs.items()})
    resources = Line({n: float(len(run.resources)) for n, run in runs.items()})
    return template_bytes, resources


def type_rows(kind: ResourceType, counts: Sequence[int]) -> list[Row]:
    """Both sides at every N (templates do not vary between runs: one synth each)."""
    ours = {n: synthesize(kind.ours, n) for n in counts}
    peer = {n: synthesize(kind.theirs, n) for n in counts}
    (our_bytes, our_resources), (peer_bytes, peer_resources) = _lines(ours), _lines(peer)
    name = kind.name
    rows = [
        Row(f"{name}: template size, N={n}", "B", our_bytes.values[n], peer_bytes.values[n])
        for n in counts
    ]
    return [
        *rows,
        Row(f"{name}: template bytes, fixed", "B", our_bytes.fixed, peer_bytes.fixed),
        Row(f"{name}: template bytes per instance", "B", our_bytes.each, peer_bytes.each),
        Row(f"{name}: resources, fixed", "", our_resources.fixed, peer_resources.fixed),
        Row(f"{name}: resources per instance", "", our_resources.each, peer_resources.each),
        Row(
            f"{name}: instances within the {STACK_RESOURCE_LIMIT}-resource stack limit",
            "",
            our_resources.fits(),
            peer_resources.fits(),
        ),
    ]


def section(counts: Sequence[int], types: Sequence[ResourceType] = TYPES) -> Section:
    low, high = min(counts), max(counts)
    rows = [row for kind in types for row in type_rows(kind, counts)]
    peers = [f"{kind.name}: {kind.peer}." for kind in types]
    return Section(
        title="Template per resource type",
        peer="per type, its nearest equivalent without this library, N of it in one stack",
        rows=rows,
        notes=(
            f"N = {', '.join(map(str, counts))} instances of one type in one stack (account"
            " 111122223333, us-east-1), each with inputs of its own (its own model, dataset or"
            " job), one synth per side and N. Ours is the construct as a user declares it: the"
            " first one adds the stack's provider, later ones grant into its shared policies."
            f" `AwsCustomResource` peers call `{SDK_SERVICE}`, the ARN in the response as the"
            " physical id, each call with its own policy; they share one singleton function."
            " Peers spell the account's ARNs with `Stack.format_arn`, as our grants do.",
            f"Fixed is the intercept, size(N={low}) - {low} x per instance; per instance is"
            f" (size(N={high}) - size(N={low})) / {high - low}; instances within the limit are"
            " ⌊(500 - fixed resources) / resources per instance⌋.",
            "The peers only make the calls: they answer once the call returns, and neither wait"
            " for a job or model to be ACTIVE nor handle tags, updates or retries.",
            *peers,
        ),
    )
