"""The library's provider code as Lambda runs it, without synthesizing an app.

The same files the synthesized asset holds (:mod:`cdk_cleanrooms_ml.asset_files`), written as
the archive and unpacked the way the harness unpacks a zip asset: for invoking the handler
directly, as the load benchmark and tests do.
"""

from __future__ import annotations

from pathlib import Path

import cdk_cleanrooms_ml._handler as handler_package

from ..asset_files import entries, write_archive
from .cloudformation.assembly import unpacked

HANDLER_DIR = Path(str(handler_package.__file__)).parent


def provider_code(target: Path, handler_dir: Path = HANDLER_DIR) -> Path:
    """The provider's files in the new folder ``target``.

    (``cleanrooms_ml_provider/``, ``crhelper/``)
    """
    archive = target.with_name(f"{target.name}.zip")
    write_archive(entries(handler_dir), archive)
    try:
        return unpacked(archive)
    finally:
        archive.unlink()
