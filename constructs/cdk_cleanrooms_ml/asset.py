"""The provider Lambda's code: one zip archive, prebuilt into the wheel.

Like aws-cdk-lib's own handlers, the installed package ships its archive ready made
(``_asset/provider.zip``, written by the wheel build from :mod:`cdk_cleanrooms_ml.asset_files`)
with its hash beside it, so synth copies one file and computes nothing: no Docker, no network,
no bundling step and no boto3. A source checkout (the editable install) has no prebuilt
archive: it is written from the sources once per process, into a private temporary folder
removed at exit. Either way the hash depends only on the archive's file names and contents.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

import cdk_cleanrooms_ml._handler as _handler_package
from cdk_cleanrooms_ml.asset_files import (
    ARCHIVE_NAME,
    HANDLER,
    HASH_NAME,
    entries,
    write_archive,
)

__all__ = ["HANDLER", "Archive", "archive", "handler_code", "package_dir"]

PREBUILT_DIR: Final = Path(__file__).resolve().parent / "_asset"


def package_dir(module: ModuleType) -> Path:
    """The real directory of a package.

    The editable install is a tree of symlinks to single files, so the directory of the
    resolved ``__init__.py`` is the source folder and also holds modules added since.
    """
    init = module.__file__
    if init is None:
        raise RuntimeError(f"{module.__name__} has no __init__.py to locate it by")
    return Path(init).resolve().parent


@dataclass(frozen=True)
class Archive:
    path: Path
    asset_hash: str
    prebuilt: bool


_archive: Archive | None = None


def _prebuilt() -> Archive | None:
    path, hash_file = PREBUILT_DIR / ARCHIVE_NAME, PREBUILT_DIR / HASH_NAME
    if not (path.is_file() and hash_file.is_file()):
        return None
    return Archive(path, hash_file.read_text(encoding="ascii").strip(), prebuilt=True)


def _write_once() -> Archive:
    root = Path(tempfile.mkdtemp(prefix="cdk-cleanrooms-ml-asset-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    path = root / ARCHIVE_NAME
    asset_hash = write_archive(entries(package_dir(_handler_package)), path)
    return Archive(path, asset_hash, prebuilt=False)


def archive() -> Archive:
    """The provider's archive: the wheel's, or one written on first use in this process."""
    global _archive  # noqa: PLW0603 - one archive per process, like CDK's own asset cache
    if _archive is None or not _archive.path.is_file():
        _archive = _prebuilt() or _write_once()
    return _archive


def handler_code() -> lambda_.Code:
    """The provider Lambda's code asset, with its hash given (CDK then hashes nothing)."""
    found = archive()
    return lambda_.Code.from_asset(
        str(found.path), asset_hash=found.asset_hash, asset_hash_type=AssetHashType.CUSTOM
    )
