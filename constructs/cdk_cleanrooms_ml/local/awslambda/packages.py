"""The packages the AWS Lambda Python runtime provides (boto3 and its dependencies).

Copied once per set of versions from the installed distributions into a cache folder, which the
runtime processes get on their ``sys.path``: no network, and nothing else of this environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Final

# What the AWS Lambda Python runtime ships besides the standard library.
RUNTIME_DISTRIBUTIONS: Final = (
    "boto3",
    "botocore",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "s3transfer",
)


class RuntimeSetupError(RuntimeError):
    """The runtime directory could not be built from the installed distributions."""


def _skip(relative: Path) -> bool:
    parts = relative.parts
    return (
        not parts
        or parts[0] == ".."
        or "__pycache__" in parts
        or relative.suffix in (".pyc", ".pyo")
    )


def build_runtime_dir(cache_dir: Path) -> Path:
    """A directory with the Lambda runtime's packages, built once per set of versions.

    Files are taken from each installed distribution's RECORD (no network); hard links are used
    where the file system allows, copies elsewhere.
    """
    dists: list[metadata.Distribution] = []
    for name in RUNTIME_DISTRIBUTIONS:
        try:
            dists.append(metadata.distribution(name))
        except metadata.PackageNotFoundError as error:
            raise RuntimeSetupError(
                f"{name} is not installed; the local Lambda runtime copies it from this "
                "Python environment (pip install boto3)"
            ) from error
    fingerprint = json.dumps(
        [sys.version_info[:2], sorted(f"{d.metadata['Name']}=={d.version}" for d in dists)]
    )
    key = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    target = cache_dir / f"lambda-runtime-{key}"
    if (target / ".complete").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".runtime-"))
    try:
        for dist in dists:
            files = dist.files
            if files is None:
                raise RuntimeSetupError(f"{dist.metadata['Name']} has no RECORD of its files")
            for entry in files:
                relative = Path(str(entry))
                if _skip(relative):
                    continue
                source = Path(str(dist.locate_file(entry)))
                if not source.is_file():
                    continue
                destination = staging / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source, destination)
                except OSError:
                    shutil.copy2(source, destination)
        (staging / ".complete").write_text(fingerprint, encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same directory first.
            if not (target / ".complete").exists():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
