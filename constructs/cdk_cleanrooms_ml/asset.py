"""The provider Lambda's code, bundled locally (no Docker, no network) from installed packages.

The asset root holds::

    audience_export/                  the handler package (``audience_export.index.handler``)
    crhelper/                         crhelper, copied from the installed distribution
    crhelper-<version>.dist-info/     its METADATA, LICENSE and NOTICE

boto3 is not bundled: the Lambda runtime provides it. The folder is written once per process
(into a private temporary folder, removed at exit) and handed to CDK as a plain directory asset:
no bundling step and no Docker at synth. Its hash (:func:`content_hash`) depends only on file
names and contents, so it is the same on every machine and changes whenever the handler or
crhelper's version changes.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.metadata
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

import cdk_cleanrooms_ml._handler as _handler_package

HANDLER_PACKAGE: Final = "audience_export"
HANDLER: Final = f"{HANDLER_PACKAGE}.index.handler"
CRHELPER: Final = "crhelper"
# The licence files travel with the code we ship; METADATA carries the version into the hash.
_DIST_INFO_FILES: Final = ("METADATA", "LICENSE", "NOTICE")
_SKIPPED_SUFFIXES: Final = (".pyc", ".pyo")


def package_dir(module: ModuleType) -> Path:
    """The real directory of a package.

    The editable install is a tree of symlinks to single files, so the directory of the
    resolved ``__init__.py`` is the source folder and also holds modules added since.
    """
    init = module.__file__
    if init is None:
        raise RuntimeError(f"{module.__name__} has no __init__.py to locate it by")
    return Path(init).resolve().parent


def _files(root: Path) -> Iterator[Path]:
    """The files to ship under ``root``, sorted; caches and hidden files left out."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part == "__pycache__" or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix not in _SKIPPED_SUFFIXES:
            yield path


def _copy_package(source: Path, target: Path) -> None:
    for path in _files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Content only: modes and times are not part of the asset.
        shutil.copyfile(path, destination)


def _copy_dist_info(distribution: importlib.metadata.Distribution, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in _DIST_INFO_FILES:
        text = distribution.read_text(name)
        if text is not None:
            (target / name).write_bytes(text.encode("utf-8"))


def bundle(output_dir: Path) -> None:
    """Write the asset's files into ``output_dir``."""
    import crhelper  # noqa: PLC0415  (imported here: only bundling needs it)

    _copy_package(package_dir(_handler_package), output_dir / HANDLER_PACKAGE)
    _copy_package(package_dir(crhelper), output_dir / CRHELPER)
    distribution = importlib.metadata.distribution(CRHELPER)
    _copy_dist_info(distribution, output_dir / f"{CRHELPER}-{distribution.version}.dist-info")


def content_hash(root: Path) -> str:
    """SHA-256 of a folder's files: their relative paths and contents, in sorted order."""
    digest = hashlib.sha256()
    for path in _files(root):
        name = path.relative_to(root).as_posix().encode("utf-8")
        content = path.read_bytes()
        # Lengths first, so no two different trees can feed the same bytes.
        digest.update(b"%d:%s%d:" % (len(name), name, len(content)))
        digest.update(content)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Bundle:
    path: Path
    asset_hash: str


_bundled: _Bundle | None = None


def _bundle_once() -> _Bundle:
    global _bundled  # noqa: PLW0603 - one folder per process, like CDK's own asset cache
    if _bundled is None or not _bundled.path.is_dir():
        root = Path(tempfile.mkdtemp(prefix="cdk-cleanrooms-ml-asset-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        bundle(root / "asset")
        _bundled = _Bundle(root / "asset", content_hash(root / "asset"))
    return _bundled


def bundled_dir() -> Path:
    """The asset folder, written on first use in this process (again if it was removed)."""
    return _bundle_once().path


def handler_code() -> lambda_.Code:
    """The provider Lambda's code asset.

    Its hash is computed here once per process: CDK would otherwise fingerprint the folder
    again for every stack (most of a small app's synth time).
    """
    bundled = _bundle_once()
    return lambda_.Code.from_asset(
        str(bundled.path), asset_hash=bundled.asset_hash, asset_hash_type=AssetHashType.CUSTOM
    )
