"""The example app (app.py) deployed through the driver, as ``make deploy`` does: by default a
generation job and an export of it, both ACTIVE; an update replaces the export only.

Synthesized in-process with the context ``cdk synth -c key=value`` would pass, for the account
and region the Makefile gives the CDK CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import app as example
from cdk_cleanrooms_ml import CleanRoomsMlProviderStack
from cdk_cleanrooms_ml._handler.fields.provider_drain import DRAIN_RESOURCE_TYPE
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import StackResult
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.generation_support import (
    JOB_ARN_PREFIX,
    OFFERED,
    generation_starts,
    started_jobs,
)
from tests.local.support import ACCOUNT, JOB_ARN, REGION, exports_of

pytestmark = pytest.mark.slow

STACK = example.STACK_NAME
PROVIDER_STACK = CleanRoomsMlProviderStack.DEFAULT_STACK_NAME


@pytest.fixture(autouse=True)
def cli_account(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the Makefile exports for `cdk synth`.
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", ACCOUNT)
    monkeypatch.setenv("CDK_DEFAULT_REGION", REGION)


def synth(out: Path, context: dict[str, Any] | None = None) -> Path:
    app = cdk.App(outdir=str(out), context=context)
    example.build(app)
    app.synth()
    assert_assembly_lint_clean(out)
    return out


def ids_of(template: dict[str, Any], resource_type: str) -> list[str]:
    return [lid for lid, r in template["Resources"].items() if r["Type"] == resource_type]


def requests(result: StackResult) -> list[tuple[str, str]]:
    return [(op.request_type, op.logical_id) for op in result.operations]


def export_views(cloud: Any, job_arn: str) -> list[tuple[str, int, str]]:
    return [
        (str(e["name"]), int(e["audienceSize"]["value"]), str(e["status"]))
        for e in exports_of(cloud.endpoint, job_arn)
    ]


def test_default_app_deploys_a_job_and_an_export_of_it(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    stack = load_stack(synth(tmp_path / "cdk.out"), STACK)
    [job_id] = ids_of(stack.template, GENERATION_JOB_RESOURCE_TYPE)
    [export_id] = ids_of(stack.template, RESOURCE_TYPE)
    # The provider's drain: created before the job, deleted after it (the provider outlives
    # a background deletion of the job).
    [drain_id] = ids_of(stack.template, DRAIN_RESOURCE_TYPE)
    cloud = make_cloud()
    created = cloud.deploy(stack)
    assert created.status == "CREATE_COMPLETE", created.reason
    assert requests(created) == [("Create", drain_id), ("Create", job_id), ("Create", export_id)]
    outputs = created.outputs
    [job] = started_jobs(cloud)
    assert (job.status, job.tags) == ("ACTIVE", {"project": "cleanrooms-ml-example"})
    assert job.arn.startswith(JOB_ARN_PREFIX)
    assert job.description == example.DEFAULTS["job_description"]
    assert job.name.startswith(f"{STACK}-Lookalikes")  # derived at deploy time
    assert {key: outputs[key] for key in ("JobArn", "JobName", "JobStatus", "OfferedSizes")} == {
        "JobArn": job.arn,
        "JobName": job.name,
        "JobStatus": "ACTIVE",
        "OfferedSizes": OFFERED,
    }
    assert outputs["ExportStatus"] == "ACTIVE"
    assert outputs["ExportOutputLocation"].startswith("s3://")
    # The export is of the job the stack started, not of the seeded one.
    assert export_views(cloud, job.arn) == [(outputs["ExportName"], 20, "ACTIVE")]
    assert exports_of(cloud.endpoint, JOB_ARN) == []

    # `make deploy CDK_ARGS="-c size_value=10"`: a new export of the same job.
    updated = cloud.deploy(load_stack(synth(tmp_path / "size10.out", {"size_value": 10}), STACK))
    assert updated.status == "UPDATE_COMPLETE", updated.reason
    assert requests(updated) == [("Update", export_id), ("Delete", export_id)]
    assert updated.outputs["JobArn"] == job.arn
    assert updated.outputs["ExportName"] != outputs["ExportName"]
    assert sorted(export_views(cloud, job.arn)) == sorted(
        [(outputs["ExportName"], 20, "ACTIVE"), (updated.outputs["ExportName"], 10, "ACTIVE")]
    )
    assert generation_starts(cloud) == 1

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    # The export goes first, then the job, and its exports with it.
    assert requests(destroyed) == [
        ("Delete", export_id),
        ("Delete", job_id),
        ("Delete", drain_id),
    ]
    assert started_jobs(cloud) == []
    assert exports_of(cloud.endpoint, job.arn) == []


def test_job_arn_mode_exports_the_seeded_job(tmp_path: Path, make_cloud: CloudFactory) -> None:
    out = synth(tmp_path / "cdk.out", {"job_arn": JOB_ARN, "name": "q4-from-the-seed"})
    stack = load_stack(out, STACK)
    assert ids_of(stack.template, GENERATION_JOB_RESOURCE_TYPE) == []
    [export_id] = ids_of(stack.template, RESOURCE_TYPE)
    cloud = make_cloud()
    created = cloud.deploy(stack)
    assert created.status == "CREATE_COMPLETE", created.reason
    assert requests(created) == [("Create", export_id)]
    assert created.outputs["ExportName"] == "q4-from-the-seed"
    assert export_views(cloud, JOB_ARN) == [("q4-from-the-seed", 20, "ACTIVE")]
    assert generation_starts(cloud) == 0
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"


def test_shared_provider_serves_the_job_and_the_export(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    out = synth(tmp_path / "cdk.out", {"provider": "shared"})
    cloud = make_cloud()
    # `cdk deploy --all` order: the provider stack first.
    provider = cloud.deploy(load_stack(out, PROVIDER_STACK))
    assert provider.status == "CREATE_COMPLETE", provider.reason
    created = cloud.deploy(load_stack(out, STACK))
    assert created.status == "CREATE_COMPLETE", created.reason
    [job] = started_jobs(cloud)
    assert created.outputs["JobStatus"] == created.outputs["ExportStatus"] == "ACTIVE"
    assert export_views(cloud, job.arn) == [(created.outputs["ExportName"], 20, "ACTIVE")]
    # Both resources went to the provider stack's one function.
    tokens = {op.event["ServiceToken"] for op in created.operations}
    assert len(tokens) == 1
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert started_jobs(cloud) == []
    assert cloud.destroy(PROVIDER_STACK).status == "DELETE_COMPLETE"
