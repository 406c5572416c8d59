"""A stack deployed with the previous release updates in place: no resource is replaced.

``tests/fixtures/release_06d65af/logical_ids.json`` holds what the previous release's library
synthesized for the example app in each of its modes and for the README's apps of that time
(``tests/fixtures/regenerate.py``). The same apps, synthesized now with today's library, must
keep every one of those resources under the same logical id with the same Type, and each
custom resource's Properties (ServiceToken aside) unchanged: CloudFormation replaces a resource
whose logical id or Type changes, and a changed custom resource property is an Update the
provider may answer with a replacement (a replaced generation job is billed again). Resources
added since are fine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest

from tests.fixtures import LOGICAL_IDS, README_APPS
from tests.fixtures.regenerate import synthesize

ROOT: Final = Path(__file__).resolve().parents[1]
# (app, stack, logical id) -> why it may differ from the previous release. Empty: none may.
CHANGED_ON_PURPOSE: Final[dict[tuple[str, str, str], str]] = {}

pytestmark = pytest.mark.slow  # runs the CDK (two app syntheses, each ~10 s)


@pytest.fixture(scope="module")
def pinned() -> dict[str, Any]:
    previous: dict[str, Any] = json.loads(LOGICAL_IDS.read_text(encoding="utf-8"))
    return previous


@pytest.fixture(scope="module")
def today() -> dict[str, Any]:
    # Today's app.py and cdk.json; the README's apps as users wrote them then.
    return synthesize(ROOT, ROOT, README_APPS)


def _differences(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    found = []
    for app, stacks in previous.items():
        for stack, resources in stacks.items():
            now = current.get(app, {}).get(stack)
            if now is None:
                found.append(f"{app}: stack {stack} is gone")
                continue
            for logical_id, was in resources.items():
                if (app, stack, logical_id) in CHANGED_ON_PURPOSE:
                    continue
                entry = now.get(logical_id)
                if entry is None:
                    found.append(f"{app} {stack}: {logical_id} ({was['Type']}) is gone")
                elif entry["Type"] != was["Type"]:
                    found.append(
                        f"{app} {stack}: {logical_id} is {entry['Type']}, was {was['Type']}"
                    )
                elif entry.get("Properties") != was.get("Properties"):
                    found.append(
                        f"{app} {stack}: {logical_id}'s properties changed:"
                        f" {was.get('Properties')} -> {entry.get('Properties')}"
                    )
    return found


def test_the_fixture_covers_every_app_mode_and_the_readme_apps(pinned: dict[str, Any]) -> None:
    assert {"app.py default", "app.py job_arn", "app.py shared", "app.py shared,job_arn"} <= set(
        pinned
    )
    assert len([app for app in pinned if app.startswith("README")]) == 5
    custom = [
        entry
        for stacks in pinned.values()
        for resources in stacks.values()
        for entry in resources.values()
        if "Properties" in entry
    ]
    assert {entry["Type"] for entry in custom} == {
        "Custom::CleanRoomsMlAudienceExport",
        "Custom::CleanRoomsMlAudienceGenerationJob",
    }


def test_every_resource_of_the_previous_release_keeps_its_logical_id_type_and_properties(
    pinned: dict[str, Any], today: dict[str, Any]
) -> None:
    assert _differences(pinned, today) == []


def test_the_exceptions_name_resources_that_still_differ(
    pinned: dict[str, Any], today: dict[str, Any]
) -> None:
    """An exception that no longer applies is removed, not left to hide a later change."""
    for app, stack, logical_id in CHANGED_ON_PURPOSE:
        was = pinned[app][stack][logical_id]
        assert today.get(app, {}).get(stack, {}).get(logical_id) != was, (app, stack, logical_id)


def test_a_replaced_resource_would_be_reported(pinned: dict[str, Any]) -> None:
    """The comparison itself: a renamed logical id, a changed Type or property are found."""
    app = "app.py default"
    [(stack, resources)] = pinned[app].items()
    [(job_id, job)] = [
        (k, v) for k, v in resources.items() if v["Type"].endswith("AudienceGenerationJob")
    ]
    renamed = {k if k != job_id else f"{k}X": v for k, v in resources.items()}
    retyped = {**resources, job_id: {**job, "Type": "Custom::Other"}}
    changed = {**resources, job_id: {**job, "Properties": {**job["Properties"], "Name": "x"}}}
    for current in (renamed, retyped, changed):
        assert len(_differences({app: {stack: resources}}, {app: {stack: current}})) == 1
