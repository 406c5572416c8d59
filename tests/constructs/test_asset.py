"""The provider's code asset: handler + crhelper, bundled locally and deterministically."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import cdk_cleanrooms_ml._handler as handler_package
from cdk_cleanrooms_ml import AudienceExport, AudienceSize
from cdk_cleanrooms_ml.asset import bundle, bundled_dir, content_hash, package_dir
from tests.constructs.support import JOB_ARN, new_stack, resources_of_type, template_of

CRHELPER_VERSION = importlib.metadata.version("crhelper")


def synth_asset(outdir: Path) -> tuple[str, Path]:
    """Synthesize a stack with one export into ``outdir``: (S3 key, staged asset directory)."""
    stack = new_stack(outdir)
    AudienceExport(
        stack, "E", audience_generation_job_arn=JOB_ARN, audience_size=AudienceSize.absolute(10)
    )
    template: dict[str, Any] = template_of(stack)
    stack.node.root.synth()  # type: ignore[attr-defined]
    (function,) = resources_of_type(template, "AWS::Lambda::Function").values()
    key = function["Properties"]["Code"]["S3Key"]
    assert isinstance(key, str)
    assert key.endswith(".zip")
    return key, outdir / f"asset.{key.removesuffix('.zip')}"


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def first_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return synth_asset(tmp_path_factory.mktemp("synth-one") / "cdk.out")


def test_asset_holds_the_handler_and_crhelper(first_synth: tuple[str, Path]) -> None:
    _, asset = first_synth
    files = tree(asset)
    handler_sources = {
        f"audience_export/{path.name}" for path in package_dir(handler_package).glob("*.py")
    }
    assert {"audience_export/index.py", "audience_export/rules.py"} <= handler_sources
    assert handler_sources <= set(files)
    for module in ("__init__.py", "resource_helper.py", "utils.py", "log_helper.py"):
        assert f"crhelper/{module}" in files
    dist_info = f"crhelper-{CRHELPER_VERSION}.dist-info"
    assert f"Version: {CRHELPER_VERSION}".encode() in files[f"{dist_info}/METADATA"]
    assert f"{dist_info}/LICENSE" in files
    tops = {name.split("/")[0] for name in files}
    assert tops == {"audience_export", "crhelper", dist_info}


def test_asset_has_no_caches_and_no_boto3(first_synth: tuple[str, Path]) -> None:
    _, asset = first_synth
    names = list(tree(asset))
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if n.split("/")[0] in {"boto3", "botocore", "s3transfer"}]


def test_asset_hash_is_stable_across_synths(first_synth: tuple[str, Path], tmp_path: Path) -> None:
    key, asset = first_synth
    second_key, second_asset = synth_asset(tmp_path / "elsewhere" / "cdk.out")
    assert second_key == key
    assert tree(second_asset) == tree(asset)


def test_bundle_copies_contents_only_and_skips_caches(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub" / "__pycache__").mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "sub" / "mod.py").write_text("X = 1\n")
    (source / "sub" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (source / "stale.pyc").write_bytes(b"\0")
    (source / ".hidden").write_text("")
    # The editable install: a tree of symlinks to the real files.
    links = tmp_path / "links"
    links.mkdir()
    (links / "__init__.py").symlink_to(source / "__init__.py")
    module = types.ModuleType("fake")
    module.__file__ = str(links / "__init__.py")
    assert package_dir(module) == source

    from cdk_cleanrooms_ml.asset import _copy_package

    target = tmp_path / "out"
    _copy_package(package_dir(module), target)
    assert tree(target) == {"__init__.py": b"", "sub/mod.py": b"X = 1\n"}


def test_bundle_is_deterministic(tmp_path: Path) -> None:
    bundle(tmp_path / "a")
    bundle(tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


@pytest.mark.slow
def test_handler_imports_from_the_asset_alone(first_synth: tuple[str, Path]) -> None:
    _, asset = first_synth
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import audience_export.index, crhelper;"
        "assert crhelper.__file__.startswith(sys.argv[1]), crhelper.__file__;"
        "print(audience_export.index.handler.__module__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(asset)],
        capture_output=True,
        text=True,
        env=env,
        cwd=asset,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audience_export.index"


def test_asset_folder_is_written_once_per_process_and_again_if_removed() -> None:
    first = bundled_dir()
    assert bundled_dir() == first  # every provider of the process stages the same folder
    contents = tree(first)
    shutil.rmtree(first.parent)  # e.g. a temp cleaner between two synths of a long session
    second = bundled_dir()
    assert second != first
    assert tree(second) == contents


def test_content_hash_follows_names_and_contents_only(tmp_path: Path) -> None:
    def tree_at(name: str, files: dict[str, bytes]) -> Path:
        root = tmp_path / name
        for relative, content in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
        return root

    base = content_hash(tree_at("base", {"a/x.py": b"1", "b.py": b"2"}))
    assert content_hash(tree_at("same", {"b.py": b"2", "a/x.py": b"1"})) == base
    cached = tree_at("cached", {"a/x.py": b"1", "b.py": b"2", "a/__pycache__/x.pyc": b"\0"})
    assert content_hash(cached) == base
    assert content_hash(tree_at("edited", {"a/x.py": b"1", "b.py": b"3"})) != base
    assert content_hash(tree_at("renamed", {"a/y.py": b"1", "b.py": b"2"})) != base
    # Boundaries count: the same bytes split differently between name and content differ.
    assert content_hash(tree_at("s1", {"ab": b"c"})) != content_hash(tree_at("s2", {"a": b"bc"}))
