"""The example app (``app.build``) synthesized in-process in each of its modes, as
``cdk synth`` with ``make``'s environment would, and normalized for the snapshots.

Normalized: the hash of each asset (the provider's code zip; it changes with every change to the
handler's code, not with the template's meaning) becomes ``<asset:DISPLAY NAME>`` wherever it
appears (the Lambda's ``Code.S3Key``, the ``aws:asset:path`` metadata). Kept: logical ids, every
property, the bootstrap version parameter and rule, ``aws:cdk:path`` metadata (as the CDK CLI
writes it). Absent: the ``CDKMetadata`` resource (library versions): the CLI adds it through its
version-reporting context, which an in-process app does not get.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk

import app as example
from tests.fixtures.pinned_apps import APP_MODES
from tests.snapshots import ROOT

# The app's modes: `-c` values over cdk.json's context. Those the logical-id pin covers (the
# README's `make deploy`, its `-c job_arn=...` variant, and app.py's `provider=shared`, alone and
# with a job ARN), and `make deploy FLOW=whole` (`-c flow=whole`).
MODES: Final[dict[str, dict[str, str]]] = {
    **{name.replace(",", "_"): values for name, values in APP_MODES.items()},
    "whole": {"flow": "whole"},
}
# What the Makefile exports for every target (`?=`: these are its defaults), so `make deploy`
# synthesizes the stacks for this account and region.
MAKE_ENVIRONMENT: Final = {"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "us-east-1"}
# Context the CDK CLI sets by default: aws:cdk:path and aws:asset:* metadata.
CLI_CONTEXT: Final = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}

Template = dict[str, Any]


@contextmanager
def make_environment() -> Iterator[None]:
    """``MAKE_ENVIRONMENT`` in ``os.environ`` (``app.build`` reads it), restored afterwards."""
    saved = {key: os.environ.get(key) for key in MAKE_ENVIRONMENT}
    os.environ.update(MAKE_ENVIRONMENT)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def asset_placeholders(outdir: Path) -> dict[str, str]:
    """Each asset's hash -> its placeholder, from the assembly's asset manifests (stack
    templates aside: they are not in the templates)."""
    found: dict[str, str] = {}
    for manifest in sorted(outdir.glob("*.assets.json")):
        content = json.loads(manifest.read_text(encoding="utf-8"))
        for kind in ("files", "dockerImages"):
            for asset_hash, asset in content.get(kind, {}).items():
                if not asset["source"].get("path", "").endswith(".template.json"):
                    found[asset_hash] = f"<asset:{asset.get('displayName', kind)}>"
    return found


def normalize(value: Any, placeholders: Mapping[str, str]) -> Any:
    """``value`` with every asset hash, in keys and strings, replaced by its placeholder."""
    if not placeholders:
        return value
    pattern = re.compile("|".join(re.escape(asset_hash) for asset_hash in placeholders))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda match: placeholders[match.group(0)], item)
        if isinstance(item, dict):
            return {walk(key): walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value)


def app_context(mode: str) -> dict[str, Any]:
    """cdk.json's context, the CLI's defaults, then the mode's ``-c`` values."""
    base = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return {**base, **CLI_CONTEXT, **MODES[mode]}


def synthesize_fresh(mode: str) -> tuple[dict[str, Template], dict[str, str]]:
    """Stack name -> its template as synthesized, and the placeholder of each asset's hash,
    for the app in ``mode``."""
    with make_environment(), tempfile.TemporaryDirectory(prefix="snapshots-") as outdir:
        app = cdk.App(context=app_context(mode), outdir=outdir)
        example.build(app)
        assembly = app.synth()
        templates = {stack.stack_name: stack.template for stack in assembly.stacks}
        return templates, asset_placeholders(Path(outdir))


# One synthesis per mode and process.
synthesize_raw: Final = cache(synthesize_fresh)


def synthesize(mode: str) -> dict[str, Template]:
    """Stack name -> its normalized template, for the app in ``mode``."""
    templates, placeholders = synthesize_raw(mode)
    return {stack: normalize(template, placeholders) for stack, template in templates.items()}


def synthesize_all() -> dict[tuple[str, str], Template]:
    """(mode, stack) -> its normalized template, for every mode."""
    return {
        (mode, stack): template for mode in MODES for stack, template in synthesize(mode).items()
    }
