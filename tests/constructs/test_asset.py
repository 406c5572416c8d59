"""The provider's code asset: handler + crhelper in one reproducible zip archive."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, asset
from cdk_cleanrooms_ml.asset_files import (
    ARCHIVE_NAME,
    HASH_NAME,
    Entry,
    content_hash,
    entries,
    lean_source,
    prebuild,
    write_archive,
)
from cdk_cleanrooms_ml.local.cloudformation.assembly import unpacked
from tests.constructs.support import JOB_ARN, new_stack, resources_of_type, template_of
from tests.processes import run_ok

CRHELPER_VERSION = importlib.metadata.version("crhelper")
HANDLER_SOURCE = Path(__file__).resolve().parents[2] / "lambda" / "cleanrooms_ml_provider"


def synth_asset(outdir: Path) -> tuple[str, Path]:
    """Synthesize a stack with one export into ``outdir``: (S3 key, staged archive)."""
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
    # A ready-made archive is staged as one file, as Lambda takes it.
    return key, outdir / f"asset.{key}"


def archive_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in sorted(archive.namelist())}


@pytest.fixture(scope="module")
def first_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return synth_asset(tmp_path_factory.mktemp("synth-one") / "cdk.out")


def test_asset_holds_the_handler_and_crhelper(first_synth: tuple[str, Path]) -> None:
    _, staged = first_synth
    files = archive_files(staged)
    handler_sources = {
        f"cleanrooms_ml_provider/{path.name}" for path in HANDLER_SOURCE.glob("*.py")
    }
    assert {"cleanrooms_ml_provider/index.py", "cleanrooms_ml_provider/rules.py"} <= handler_sources
    assert handler_sources <= set(files)
    # Exactly the current sources (lean): a stale archive would deploy an old handler.
    for path in HANDLER_SOURCE.rglob("*.py"):
        name = path.relative_to(HANDLER_SOURCE).as_posix()
        assert files[f"cleanrooms_ml_provider/{name}"] == lean_source(path.read_bytes()), name
    for module in ("__init__.py", "resource_helper.py", "utils.py", "log_helper.py"):
        assert f"crhelper/{module}" in files
    dist_info = f"crhelper-{CRHELPER_VERSION}.dist-info"
    assert f"Version: {CRHELPER_VERSION}".encode() in files[f"{dist_info}/METADATA"]
    assert f"{dist_info}/LICENSE" in files
    tops = {name.split("/")[0] for name in files}
    assert tops == {"cleanrooms_ml_provider", "crhelper", dist_info}


def test_asset_has_no_caches_and_no_boto3(first_synth: tuple[str, Path]) -> None:
    _, staged = first_synth
    names = list(archive_files(staged))
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if n.split("/")[0] in {"boto3", "botocore", "s3transfer"}]


def test_archive_entries_are_readable_by_lambda(first_synth: tuple[str, Path]) -> None:
    _, staged = first_synth
    with zipfile.ZipFile(staged) as archive:
        for info in archive.infolist():
            assert (info.external_attr >> 16) & 0o444 == 0o444, info.filename
            assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_asset_hash_is_stable_across_synths(first_synth: tuple[str, Path], tmp_path: Path) -> None:
    key, staged = first_synth
    second_key, second_staged = synth_asset(tmp_path / "elsewhere" / "cdk.out")
    assert second_key == key
    assert second_staged.read_bytes() == staged.read_bytes()
    # CDK names the asset by the SHA-256 of the hash it was given: the archive's content hash.
    given = content_hash(entries(HANDLER_SOURCE)).encode()
    assert key == f"{hashlib.sha256(given).hexdigest()}.zip"


def test_archive_is_reproducible_and_skips_caches(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub" / "__pycache__").mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "sub" / "mod.py").write_text("X = 1\n")
    (source / "sub" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (source / "stale.pyc").write_bytes(b"\0")
    (source / ".hidden").write_text("")
    found = entries(source)
    assert [e.name for e in found if e.name.startswith("cleanrooms_ml_provider/")] == [
        "cleanrooms_ml_provider/__init__.py",
        "cleanrooms_ml_provider/sub/mod.py",
    ]
    first = write_archive(found, tmp_path / "a.zip")
    second = write_archive(entries(source), tmp_path / "b.zip")
    assert first == second
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_content_hash_follows_names_and_contents_only() -> None:
    base = content_hash([Entry("a/x.py", b"1"), Entry("b.py", b"2")])
    assert content_hash([Entry("a/x.py", b"1"), Entry("b.py", b"3")]) != base
    assert content_hash([Entry("a/y.py", b"1"), Entry("b.py", b"2")]) != base
    # Boundaries count: the same bytes split differently between name and content differ.
    assert content_hash([Entry("ab", b"c")]) != content_hash([Entry("a", b"bc")])


def test_prebuilt_archive_is_used_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wheel's case: the archive and its hash ship in the package; synth computes nothing."""
    asset_hash = prebuild(HANDLER_SOURCE, tmp_path / "_asset")
    assert (tmp_path / "_asset" / HASH_NAME).read_text().strip() == asset_hash
    monkeypatch.setattr(asset, "PREBUILT_DIR", tmp_path / "_asset")
    monkeypatch.setattr(asset, "_archive", None)
    found = asset.archive()
    assert found.prebuilt
    assert found.path == tmp_path / "_asset" / ARCHIVE_NAME
    assert found.asset_hash == asset_hash


def test_archive_is_written_once_per_process_and_again_if_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asset, "_archive", None)
    first = asset.archive()
    assert not first.prebuilt  # a source checkout has no prebuilt archive
    assert asset.archive() is first  # every provider of the process stages the same file
    contents = first.path.read_bytes()
    first.path.unlink()  # e.g. a temp cleaner between two synths of a long session
    second = asset.archive()
    assert second.path.read_bytes() == contents
    assert second.asset_hash == first.asset_hash


@pytest.mark.slow
def test_handler_imports_from_the_asset_alone(first_synth: tuple[str, Path]) -> None:
    _, staged = first_synth
    code = unpacked(staged)  # as Lambda unpacks it
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import cleanrooms_ml_provider.index, crhelper;"
        "assert crhelper.__file__.startswith(sys.argv[1]), crhelper.__file__;"
        "print(cleanrooms_ml_provider.index.handler.__module__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    result = run_ok([sys.executable, "-I", "-c", probe, str(code)], env=env, cwd=code, timeout=60)
    assert result.stdout.strip() == "cleanrooms_ml_provider.index"


@pytest.mark.slow
def test_synth_needs_no_boto3(tmp_path: Path) -> None:
    """Synth never imports boto3 (the wheel does not declare it); the packaging test proves it
    on a clean install, this one fails fast in the development environment."""
    probe = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'boto3', 'botocore'}:\n"
        "            raise ImportError(f'synth imported {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import aws_cdk as cdk\n"
        "from cdk_cleanrooms_ml import AudienceExport, AudienceSize\n"
        "from cdk_cleanrooms_ml.provider_app import build\n"
        "app = cdk.App(outdir=sys.argv[1])\n"
        "stack = cdk.Stack(app, 'NoBoto3')\n"
        f"AudienceExport(stack, 'E', audience_generation_job_arn={JOB_ARN!r},\n"
        "    audience_size=AudienceSize.absolute(10))\n"
        "build(app)\n"
        "app.synth()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run_ok([sys.executable, "-c", probe, str(tmp_path / "cdk.out")], env=env, timeout=300)
    assert (tmp_path / "cdk.out" / "NoBoto3.template.json").is_file()
