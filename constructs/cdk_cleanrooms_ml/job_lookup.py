"""A generation job made elsewhere, looked up at synth by its ARN: its name and the sizes it
offers, so an export of a size it does not offer fails at synth.

As CDK's own lookups do, the answer is kept in ``cdk.context.json`` (beside ``cdk.json``, in
the folder the app runs in) and read from there, or from the app's context, on every later
synth: one lookup per job, and synths that need no credentials. ``cdk context --reset KEY`` (or
deleting the entry) looks it up again. Only an ACTIVE job is kept: its sizes are final then.
The lookup calls GetAudienceGenerationJob with boto3 and the caller's credentials, in the
job's region; ``AWS_ENDPOINT_URL_CLEANROOMSML`` points it elsewhere (the offline endpoint).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.arns import check_job_arn
from cdk_cleanrooms_ml._handler.statuses import ACTIVE, offered_sizes
from cdk_cleanrooms_ml.tokens import is_token

CONTEXT_FILE: Final = "cdk.context.json"
_KEY_PREFIX: Final = "cdk-cleanrooms-ml:audience-generation-job:"
_NAME: Final = "name"
_SIZES: Final = "offeredSizes"


def context_key(job_arn: str) -> str:
    """The job's entry in the app's context (and in ``cdk.context.json``)."""
    return f"{_KEY_PREFIX}{job_arn}"


@dataclass(frozen=True)
class LookedUpJob:
    """What a lookup found: the job's name and the sizes it offers (``TYPE:value``)."""

    job_arn: str
    name: str | None
    sizes: tuple[str, ...]

    @property
    def offered_by(self) -> str:
        return f"the job {self.job_arn} (looked up: {context_key(self.job_arn)})"

    def offers(self, size_type: str, value: int) -> bool:
        return f"{size_type}:{value}" in self.sizes

    def describe(self) -> str:
        return ", ".join(self.sizes)


def look_up_job(scope: Construct, job_arn: str) -> LookedUpJob:
    """The job ``job_arn``: from the context, else ``cdk.context.json``, else the service
    (then kept in ``cdk.context.json``). A ``ValidationError`` naming ``job_arn`` otherwise."""
    if is_token(rules.parse_str(job_arn, "job_arn")):
        raise rules.ValidationError(
            "job_arn", "a lookup needs a concrete ARN (a token is known only at deploy time)"
        )
    check_job_arn(job_arn, "job_arn")
    key = context_key(job_arn)
    cached = scope.node.try_get_context(key)
    if cached is None:
        cached = _context_file().get(key)
    if cached is not None:
        return _from_context(job_arn, cached)
    found = _from_service(job_arn)
    _keep(key, {_NAME: found.name, _SIZES: list(found.sizes)})
    return found


def _from_context(job_arn: str, value: object) -> LookedUpJob:
    """An entry as kept (``{"name": ..., "offeredSizes": [...]}``), or as ``-c KEY=TYPE:v,...``."""
    key = context_key(job_arn)
    if isinstance(value, str):
        return LookedUpJob(job_arn, None, _sizes(value.split(",") if value else [], key))
    if not isinstance(value, Mapping):
        raise rules.ValidationError("job_arn", f"context {key} must be an object or a string")
    name = value.get(_NAME)
    return LookedUpJob(
        job_arn,
        str(name) if name else None,
        _sizes(value.get(_SIZES) or [], key),
    )


def _sizes(raw: object, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(
        isinstance(size, str) and size.partition(":")[2].isdigit() for size in raw
    ):
        raise rules.ValidationError(
            "job_arn", f"context {key}: offered sizes must be TYPE:value strings"
        )
    return tuple(sorted(set(raw)))


def _from_service(job_arn: str) -> LookedUpJob:
    try:
        import boto3  # noqa: PLC0415 - optional ([local] extra): only a lookup needs it
        import botocore.exceptions  # noqa: PLC0415
    except ImportError:
        raise _unknown(job_arn, "boto3 is not installed (pip install boto3)") from None
    region = job_arn.split(":")[3]
    try:
        client = boto3.client("cleanroomsml", region_name=region)
        response: Mapping[str, Any] = client.get_audience_generation_job(
            audienceGenerationJobArn=job_arn
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise _unknown(job_arn, f"the lookup failed: {error}") from None
    status = str(response.get("status"))
    if status != ACTIVE:
        raise rules.ValidationError(
            "job_arn",
            f"{job_arn} is {status}: the sizes it offers are known once it is {ACTIVE}; "
            "nothing was kept, synth again then",
        )
    sizes = tuple(sorted({f"{size.type}:{size.value}" for size in offered_sizes(response)}))
    return LookedUpJob(job_arn, str(response.get("name") or "") or None, sizes)


def _unknown(job_arn: str, why: str) -> rules.ValidationError:
    return rules.ValidationError(
        "job_arn",
        f"could not look up {job_arn} at synth: {why}; or give what it offers as context: "
        f"-c {context_key(job_arn)}=PERCENTAGE:20,ABSOLUTE:10000",
    )


def _context_file() -> dict[str, Any]:
    path = Path.cwd() / CONTEXT_FILE
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise rules.ValidationError("job_arn", f"{path} is not JSON: {error}") from None
    return loaded if isinstance(loaded, dict) else {}


def _keep(key: str, value: Mapping[str, Any]) -> None:
    """Add the entry to ``cdk.context.json``, keeping every other (written whole, then moved
    into place: a reader never sees half a file)."""
    path = Path.cwd() / CONTEXT_FILE
    entries = {**_context_file(), key: value}
    partial = path.with_name(f".{CONTEXT_FILE}.{os.getpid()}")
    partial.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)
