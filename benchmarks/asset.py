"""The provider's asset as synthesized: its unzipped size next to AwsCustomResource's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cdk_cleanrooms_ml.local.cloudformation.assembly import unpacked

from .report import Goal, Row, Section
from .synth import build_ours, build_peer, synthesize_into

GOAL_KB: Final = 150.0


class AssetError(RuntimeError):
    """The cloud assembly does not hold exactly one asset directory."""


@dataclass(frozen=True)
class Assemblies:
    """One-export apps of both sides, synthesized into a work directory the run keeps."""

    ours: Path
    peer: Path


def synthesize_both(work: Path) -> Assemblies:
    ours, peer = work / "ours.out", work / "peer.out"
    synthesize_into(ours, build_ours, 1)
    synthesize_into(peer, build_peer, 1)
    return Assemblies(ours, peer)


def _staged(app_dir: Path) -> Path:
    """The single ``asset.*`` synth wrote (not the folder a local deploy unpacks beside a zip)."""
    found = sorted(p for p in app_dir.glob("asset.*") if not p.with_name(f"{p.name}.zip").is_file())
    if len(found) != 1:
        raise AssetError(f"expected one asset in {app_dir}, found {len(found)}")
    return found[0]


def asset_dir(app_dir: Path) -> Path:
    """The files of the single ``asset.*`` of a one-function assembly (a zip is unpacked)."""
    staged = _staged(app_dir)
    return staged if staged.is_dir() else unpacked(staged)


def staged_bytes(app_dir: Path) -> int:
    """What synth writes for the asset: the archive, or the folder's files."""
    staged = _staged(app_dir)
    return staged.stat().st_size if staged.is_file() else size_bytes(staged)


def _shipped(path: Path, root: Path) -> bool:
    # Bytecode caches appear once the local runtime has run the handler from this directory;
    # a fresh synth has none, so they are not counted.
    return path.is_file() and "__pycache__" not in path.relative_to(root).parts


def size_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if _shipped(p, directory))


def file_count(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*") if _shipped(p, directory))


def section(assemblies: Assemblies) -> Section:
    ours, peer = asset_dir(assemblies.ours), asset_dir(assemblies.peer)
    return Section(
        title="Asset",
        peer="the `AwsCustomResource` provider's asset (aws-cdk-lib's bundled Node.js handler)",
        rows=[
            Row(
                "asset size, unzipped",
                "KB",
                size_bytes(ours) / 1024,
                size_bytes(peer) / 1024,
                Goal(GOAL_KB, ratio=False),
            ),
            Row("asset files", "", file_count(ours), file_count(peer)),
            Row(
                "asset as staged by synth",
                "KB",
                staged_bytes(assemblies.ours) / 1024,
                staged_bytes(assemblies.peer) / 1024,
            ),
        ],
    )
