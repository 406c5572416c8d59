"""The same app, waiting an hour or three: its outputs read the same once deployed.

With a wait beyond 1 hour the job and the export answer CloudFormation once started and a
WaitCondition waits for ACTIVE; their final attributes are then read through the
WaitCondition's reader. Deployed offline on the fast clock, through the real handler asset.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import AudienceGenerationJob, AudienceSize, SeedAudience
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.generation_support import MODEL, SEED_ROLE, SEED_URI, job_seed, started_jobs

pytestmark = pytest.mark.slow

STACK = "Lookalikes"
READER = "Custom::CleanRoomsMlFinalAttributes"
JOB_S = 1800  # the job is ACTIVE 30 minutes after its start, however long the app would wait


def synth(out: Path, wait: bool | cdk.Duration) -> Path:
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="111122223333", region="us-east-1"))
    job = AudienceGenerationJob(
        stack,
        "Job",
        configured_audience_model_arn=MODEL,
        seed_audience=SeedAudience.from_s3(SEED_URI, role=SEED_ROLE),
        name="lookalikes",
        wait_for_completion=wait,
    )
    export = job.export(
        "Top", audience_size=AudienceSize.percentage(20), name="top", wait_for_completion=wait
    )
    outputs = {
        "JobName": job.job_name,
        "JobStatus": job.status,
        "OfferedSizes": job.offered_sizes,
        "ExportName": export.export_name,
        "ExportStatus": export.status,
        "OutputLocation": export.output_location,
    }
    for name, value in outputs.items():
        cdk.CfnOutput(stack, name, value=value)
    app.synth()
    assert_assembly_lint_clean(out)
    return out


def test_a_wait_of_three_hours_outputs_what_a_wait_within_the_hour_does(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    outputs = {}
    for label, wait in (("hour", True), ("hours", cdk.Duration.hours(3))):
        stack = load_stack(synth(tmp_path / label / "cdk.out", wait))
        readers = [r for r in stack.template["Resources"].values() if r["Type"] == READER]
        assert len(readers) == (2 if label == "hours" else 0)
        cloud = make_cloud(
            state_dir=tmp_path / label / "state",
            fast_clock=True,
            seed=job_seed(JOB_S),
            options=DriverOptions(max_wait=240, no_response_grace=8.0),
        )
        created = cloud.deploy(stack)
        assert created.status == "CREATE_COMPLETE", created.reason
        [job] = started_jobs(cloud)
        # The location names the job's id, which each deployment draws anew.
        outputs[label] = {
            key: value.replace(job.arn.rsplit("/", 1)[1], "<job id>")
            for key, value in created.outputs.items()
        }
        destroyed = cloud.destroy(STACK)
        assert destroyed.status == "DELETE_COMPLETE", destroyed.reason

    assert outputs["hours"] == outputs["hour"]
    assert outputs["hour"]["JobStatus"] == "ACTIVE"
    assert outputs["hour"]["ExportStatus"] == "ACTIVE"
    assert outputs["hour"]["OfferedSizes"] == "PERCENTAGE:20"
    assert outputs["hour"]["OutputLocation"].startswith("s3://")
