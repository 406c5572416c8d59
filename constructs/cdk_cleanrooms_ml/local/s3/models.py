"""One account's buckets in one region, and the objects published into them.

A bucket exists when a stack made it (``AWS::S3::Bucket``, see
:mod:`..cloudformation.buckets`) or when it is the CDK bootstrap's asset bucket of this account
and region (``cdk-<qualifier>-assets-<account>-<region>``: every account counts as
bootstrapped). An object is a file (or, for a folder asset, a folder) on the local disk: what
was published, not a copy. Kept in ``<state-dir>/s3.json``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..errors import StateError
from ..jsonfile import write_json_atomic
from .exceptions import BUCKET_ALREADY_OWNED, BUCKET_NOT_EMPTY, NO_SUCH_BUCKET, NO_SUCH_KEY, S3Error

_BOOTSTRAP_BUCKET: Final = re.compile(r"cdk-[a-z0-9]+-assets-(?P<account>[0-9]{12})-(?P<region>.+)")


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    # The published file (or folder) on the local disk.
    path: Path


def is_bootstrap_bucket(name: str, account: str, region: str) -> bool:
    """Whether ``name`` is the CDK bootstrap's asset bucket of ``account`` in ``region``."""
    match = _BOOTSTRAP_BUCKET.fullmatch(name)
    return bool(match and match["account"] == account and match["region"] == region)


class S3Backend:
    """Buckets of ``account`` in ``region`` (thread-safe; saved after every change)."""

    def __init__(self, *, account: str, region: str, state_file: Path | None = None) -> None:
        self.account = account
        self.region = region
        self.state_file = state_file
        self._lock = threading.Lock()
        # bucket -> key -> object
        self._buckets: dict[str, dict[str, S3Object]] = {}
        if state_file is not None:
            self._restore(state_file)

    def _restore(self, path: Path) -> None:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            raise StateError(f"state file {path} cannot be read: {error}") from error
        try:
            for name, objects in data["buckets"].items():
                self._buckets[str(name)] = {
                    str(key): S3Object(str(name), str(key), Path(str(local)))
                    for key, local in objects.items()
                }
        except (KeyError, TypeError, AttributeError) as error:
            raise StateError(f"state file {path} is not S3's state: {error!r}") from error

    def _save(self) -> None:
        if self.state_file is None:
            return
        payload = {
            "buckets": {
                name: {key: str(obj.path) for key, obj in objects.items()}
                for name, objects in self._buckets.items()
            }
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.state_file, payload)

    def _objects(self, bucket: str) -> dict[str, S3Object]:
        """The bucket's objects (the bootstrap bucket's appear on first use); caller locks."""
        if bucket not in self._buckets:
            if not is_bootstrap_bucket(bucket, self.account, self.region):
                raise S3Error(NO_SUCH_BUCKET, bucket)
            self._buckets[bucket] = {}
        return self._buckets[bucket]

    def has_bucket(self, bucket: str) -> bool:
        with self._lock:
            return bucket in self._buckets or is_bootstrap_bucket(bucket, self.account, self.region)

    def bucket_names(self) -> list[str]:
        """The buckets made here (the bootstrap bucket once something was published to it)."""
        with self._lock:
            return sorted(self._buckets)

    def create_bucket(self, bucket: str) -> None:
        with self._lock:
            if bucket in self._buckets:
                raise S3Error(BUCKET_ALREADY_OWNED, bucket)
            self._buckets[bucket] = {}
            self._save()

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        """Delete an empty bucket (``force``: with its objects)."""
        with self._lock:
            if self._objects(bucket) and not force:
                raise S3Error(BUCKET_NOT_EMPTY, bucket)
            del self._buckets[bucket]
            self._save()

    def put_object(self, bucket: str, key: str, path: Path) -> S3Object:
        with self._lock:
            stored = S3Object(bucket, key, path.resolve())
            self._objects(bucket)[key] = stored
            self._save()
            return stored

    def delete_object(self, bucket: str, key: str) -> None:
        with self._lock:
            self._objects(bucket).pop(key, None)
            self._save()

    def get_object(self, bucket: str, key: str) -> S3Object:
        with self._lock:
            found = self._objects(bucket).get(key)
            if found is None:
                raise S3Error(NO_SUCH_KEY, f"s3://{bucket}/{key}")
            return found

    def keys(self, bucket: str) -> list[str]:
        with self._lock:
            return sorted(self._objects(bucket))
