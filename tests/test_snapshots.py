"""The example app's templates match their committed snapshots (``tests/snapshots/``).

Each mode of the app (``tests.snapshots.synth.MODES``) is synthesized in-process and
normalized (asset hashes become placeholders, so a change to the handler's code alone changes
no snapshot); every stack's template must equal its snapshot, and every snapshot must belong to
a stack the app still synthesizes. A change on purpose: regenerate and review the diff.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Final

import pytest

from cdk_cleanrooms_ml import asset
from tests.snapshots import REGENERATE, ROOT, TEMPLATES, committed, snapshot_file
from tests.snapshots.diff import differences, summary
from tests.snapshots.synth import MODES, normalize, synthesize, synthesize_fresh, synthesize_raw

HOW_TO_FIX: Final = (
    f"If the change is intended: {REGENERATE}, then review the diff of"
    f" {TEMPLATES.relative_to(ROOT)}/."
)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_each_stack_matches_its_snapshot(mode: str) -> None:
    for stack, template in synthesize(mode).items():
        path = snapshot_file(mode, stack)
        assert path.exists(), f"{mode}/{stack}: no snapshot. {HOW_TO_FIX}"
        snapshot = json.loads(path.read_text(encoding="utf-8"))
        if snapshot != template:
            pytest.fail(
                f"{mode}/{stack}: the template differs from its snapshot (snapshot -> now):\n"
                f"{summary(snapshot, template)}\n{HOW_TO_FIX}",
                pytrace=False,
            )


def test_every_snapshot_belongs_to_a_stack_of_a_mode() -> None:
    current = {(mode, stack) for mode in MODES for stack in synthesize(mode)}
    stale = sorted(f"{mode}/{stack}" for mode, stack in set(committed()) - current)
    assert stale == [], f"snapshots of stacks the app no longer has: {stale}. {HOW_TO_FIX}"


def test_the_modes_cover_the_documented_commands() -> None:
    # make deploy; -c job_arn=...; provider=shared (two stacks); make deploy FLOW=whole.
    assert {"default", "job_arn", "shared", "whole"} <= set(MODES)
    assert set(synthesize("shared")) == {
        "AudienceExportExample",
        "CleanRoomsMlAudienceExportProvider",
    }
    assert set(synthesize("whole")) == {"LookalikeFlowExample"}


def test_no_asset_hash_is_left_in_a_snapshot() -> None:
    """The provider's code is referenced by placeholder only: its hash changes with its code."""
    texts = {key: path.read_text(encoding="utf-8") for key, path in committed().items()}
    with_code = [key for key, text in texts.items() if '"AWS::Lambda::Function"' in text]
    assert with_code, "no snapshot holds the provider's Lambda"
    for key in with_code:
        assert '"S3Key": "<asset:' in texts[key], key
    hashes = {h for mode in MODES for h in synthesize_raw(mode)[1]}
    assert hashes, "the app has no asset"
    assert [key for key, text in texts.items() if any(h in text for h in hashes)] == []


def test_a_change_to_the_handler_code_changes_no_snapshot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another build of the provider's archive (another hash) synthesizes the same snapshot."""
    built = asset.archive()
    other = asset.Archive(Path(shutil.copy(built.path, tmp_path)), "0" * 64, prebuilt=False)
    monkeypatch.setattr(asset, "archive", lambda: other)
    templates, placeholders = synthesize_fresh("default")
    # CDK stages it under a hash of the given one: another key in the template.
    assert set(placeholders).isdisjoint(synthesize_raw("default")[1])
    assert {stack: normalize(t, placeholders) for stack, t in templates.items()} == (
        synthesize("default")
    )


def test_another_handler_build_normalizes_to_the_same_template() -> None:
    placeholder = "<asset:Provider/Function/Code>"
    old, new = "a" * 64, "b" * 64

    def template(asset_hash: str) -> dict[str, Any]:
        code = {"S3Bucket": "bucket", "S3Key": f"{asset_hash}.zip"}
        metadata = {"aws:asset:path": f"asset.{asset_hash}.zip"}
        return {"Resources": {"F": {"Properties": {"Code": code}, "Metadata": metadata}}}

    normalized = normalize(template(old), {old: placeholder})
    assert normalized == normalize(template(new), {new: placeholder})
    code, metadata = (
        normalized["Resources"]["F"]["Properties"]["Code"],
        normalized["Resources"]["F"]["Metadata"],
    )
    assert (code["S3Key"], metadata["aws:asset:path"]) == (
        f"{placeholder}.zip",
        f"asset.{placeholder}.zip",
    )


def test_the_diff_names_the_first_differing_paths() -> None:
    was = {"Resources": {"A": {"Properties": {"Name": "x", "Tags": [1, 2]}}, "B": {}}}
    now = {"Resources": {"A": {"Properties": {"Name": "y", "Tags": [1]}}, "C": {}}}
    assert list(differences(was, now)) == [
        "Resources.A.Properties.Name: 'x' -> 'y'",
        "Resources.A.Properties.Tags: 2 items -> 1",
        "Resources.B: removed (was {})",
        "Resources.C: added {}",
    ]
    assert summary(was, now, limit=2).splitlines()[-1] == "  ... and 2 more"
