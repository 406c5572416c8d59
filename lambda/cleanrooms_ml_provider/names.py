"""Names derived for resources that have none, and the physical ids built from names."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Final

from .rules import NAME_MAX

PHYSICAL_ID_MAX_BYTES: Final = 1024
_NAME_SAFE: Final = re.compile(r"[^A-Za-z0-9]+")
_HASH_CHARS: Final = 8


def default_name(
    seed: str, *, job_arn: str, size_type: str, size_value: object, description: str | None
) -> str:
    """A deterministic, valid export name for a resource that has none.

    ``seed`` says where the resource lives (its stack name and logical id: unique per stack);
    the hash also covers the export's properties, so changing the size or the description
    yields a new name, hence a new export, on update.
    """
    return derived_name(
        seed, [seed, job_arn, size_type, size_value, description or ""], fallback="export"
    )


def derived_name(seed: str, fingerprint: object, *, fallback: str) -> str:
    """``<seed, made name-safe and cut>-<8 hex digits of the fingerprint>``, at most 63 chars."""
    encoded = json.dumps(fingerprint, sort_keys=True, default=str)
    digest = hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    readable = _NAME_SAFE.sub("-", seed).strip("-")
    readable = readable[-(NAME_MAX - _HASH_CHARS - 1) :].lstrip("-")
    return f"{readable}-{digest}" if readable else f"{fallback}-{digest}"


def physical_id(job_arn: str, name: str) -> str:
    """A stable physical id for the export (job ARN, name), at most 1 KB."""
    readable = f"{job_arn}/export/{name}"
    if len(readable.encode("utf-8")) <= PHYSICAL_ID_MAX_BYTES:
        return readable
    digest = hashlib.sha256(f"{job_arn}\n{name}".encode()).hexdigest()
    return f"{job_arn[: PHYSICAL_ID_MAX_BYTES - 200]}/export-sha256/{digest}"
