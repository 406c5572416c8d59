"""The plain generation-job template: the provider stack once, then a job and an export of it.

Deployed through the local CloudFormation driver against the embedded endpoint, as a pipeline
would with ``cdk deploy`` and then ``aws cloudformation deploy``: both resources go to the
provider stack's one function, with the properties as raw CloudFormation sends them (strings).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack
from cdk_cleanrooms_ml.local.cli import main
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_template_file
from cdk_cleanrooms_ml.local.cloudformation.driver import StackResult
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE
from tests.cfn_lint import assert_lint_clean
from tests.local.generation_support import (
    GENERATION_EXAMPLE,
    JOB_ARN_PREFIX,
    MODEL,
    OFFERED,
    SEED_ROLE,
    SEED_URI,
    generation_starts,
    started_jobs,
)
from tests.local.support import exports_of

pytestmark = pytest.mark.slow

PROVIDER = CleanRoomsMlProviderStack.DEFAULT_STACK_NAME
STACK = "PipelineLookalikes"


@pytest.fixture
def cloud(provider_cloud: LocalCloud) -> LocalCloud:
    return provider_cloud


def parameters(**overrides: str) -> dict[str, str]:
    given = {
        "ConfiguredAudienceModelArn": MODEL,
        "SeedRoleArn": SEED_ROLE,
        "SeedS3Uri": SEED_URI,
        "JobName": "pipeline-lookalikes",
        "JobDescription": "Q4 lookalikes",
        "TeamTag": "ads",
        "AudienceSizeType": "PERCENTAGE",
        "AudienceSizeValue": "20",
        "ExportName": "pipeline-q4",
        "TimeoutSeconds": "600",
    }
    given.update(overrides)
    return given


def deploy(cloud: LocalCloud, **overrides: str) -> StackResult:
    stack = load_template_file(GENERATION_EXAMPLE, stack_name=STACK)
    return cloud.deploy(stack, parameters(**overrides))


def statements(provider_app: Path) -> list[dict[str, Any]]:
    template = json.loads((provider_app / f"{PROVIDER}.template.json").read_text())
    found: list[dict[str, Any]] = []
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        documents = [props.get("PolicyDocument")] + [
            p.get("PolicyDocument") for p in props.get("Policies", [])
        ]
        for document in documents:
            if document:
                found += document["Statement"]
    return found


def test_example_template_is_cfn_lint_clean() -> None:
    assert_lint_clean(GENERATION_EXAMPLE)


def test_the_provider_stack_may_do_what_the_template_asks(provider_app: Path) -> None:
    granted = statements(provider_app)
    actions = {
        action
        for s in granted
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "cleanrooms-ml:StartAudienceGenerationJob",
        "cleanrooms-ml:ListAudienceGenerationJobs",
        "cleanrooms-ml:GetAudienceGenerationJob",
        "cleanrooms-ml:DeleteAudienceGenerationJob",
        "cleanrooms-ml:TagResource",
        "cleanrooms-ml:UntagResource",
        "cleanrooms-ml:StartAudienceExportJob",
        "iam:PassRole",
    } <= actions
    # The seed roles' PassRole (the provider's other one passes its scheduler role to Scheduler).
    [pass_role] = [
        s
        for s in granted
        if "iam:PassRole" in json.dumps(s["Action"])
        and "cleanrooms-ml.amazonaws.com" in json.dumps(s.get("Condition"))
    ]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}
    }
    for statement in granted:
        resources = statement["Resource"]
        assert "*" not in (resources if isinstance(resources, list) else [resources])


def test_job_and_export_from_the_plain_template(cloud: LocalCloud) -> None:
    token = cloud.driver.store.exports()[CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME]["value"]

    created = deploy(cloud)
    assert created.status == "CREATE_COMPLETE", created.reason
    job_create, export_create = created.operations
    assert (job_create.logical_id, export_create.logical_id) == ("Job", "AudienceExport")
    # Exactly what raw CloudFormation sends: every leaf a string, the token imported.
    assert job_create.event["ResourceType"] == GENERATION_JOB_RESOURCE_TYPE
    assert job_create.event["ResourceProperties"] == {
        "ServiceToken": token,
        "ServiceTimeout": "600",
        "ConfiguredAudienceModelArn": MODEL,
        "SeedAudience": {"RoleArn": SEED_ROLE, "DataSource": {"S3Uri": SEED_URI}},
        "IncludeSeedInOutput": "false",
        "Name": "pipeline-lookalikes",
        "Description": "Q4 lookalikes",
        "Tags": [{"Key": "team", "Value": "ads"}],
        "WaitForCompletion": "true",
    }
    [job] = started_jobs(cloud)
    assert job.arn.startswith(JOB_ARN_PREFIX)
    assert (job.name, job.status, job.tags) == ("pipeline-lookalikes", "ACTIVE", {"team": "ads"})
    assert job_create.physical_id == job.arn
    assert export_create.event["ResourceType"] == RESOURCE_TYPE
    assert export_create.event["ResourceProperties"]["AudienceGenerationJobArn"] == job.arn
    assert created.outputs == {
        "AudienceGenerationJobArn": job.arn,
        "JobName": "pipeline-lookalikes",
        "JobStatus": "ACTIVE",
        "OfferedSizes": OFFERED,
        "ExportName": "pipeline-q4",
        "ExportStatus": "ACTIVE",
        "OutputLocation": created.outputs["OutputLocation"],
    }
    assert created.outputs["OutputLocation"].startswith("s3://")
    assert [(e["name"], e["status"]) for e in exports_of(cloud.endpoint, job.arn)] == [
        ("pipeline-q4", "ACTIVE")
    ]

    # A new tag value: the same job, tagged in place; the export is not touched.
    retagged = deploy(cloud, TeamTag="growth")
    assert retagged.status == "UPDATE_COMPLETE", retagged.reason
    [update] = retagged.operations
    assert (update.request_type, update.logical_id) == ("Update", "Job")
    assert update.physical_id == job.arn
    assert [(j.arn, j.tags) for j in started_jobs(cloud)] == [(job.arn, {"team": "growth"})]
    assert generation_starts(cloud) == 1

    # The provider cannot go while a stack imports its token.
    assert cloud.destroy(PROVIDER).status == "DELETE_FAILED"
    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    # The export goes first (it depends on the job), then the job, and its exports with it.
    assert [(op.request_type, op.logical_id) for op in destroyed.operations] == [
        ("Delete", "AudienceExport"),
        ("Delete", "Job"),
    ]
    assert started_jobs(cloud) == []
    assert exports_of(cloud.endpoint, job.arn) == []
    assert cloud.destroy(PROVIDER).status == "DELETE_COMPLETE"


def test_a_job_name_the_template_accepts_but_the_service_rejects_starts_nothing(
    cloud: LocalCloud,
) -> None:
    # The template only limits the length; the handler knows the name's characters.
    failed = deploy(cloud, JobName="q4-lookalikes-\N{DIRECT HIT}")
    assert failed.status == "ROLLBACK_COMPLETE"
    assert failed.reason.startswith("Name: character U+1F3AF is not allowed"), failed.reason
    assert cloud.endpoint.calls_to("StartAudienceGenerationJob") == []
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []
    assert started_jobs(cloud) == []


def test_the_command_line_deploys_and_destroys_it(provider_app: Path, tmp_path: Path) -> None:
    def run(*argv: str) -> str:
        out = io.StringIO()
        code = main([*argv, "--state-dir", str(tmp_path / "state")], out=out)
        assert code == 0, out.getvalue()
        return out.getvalue()

    run("deploy", "--app-dir", str(provider_app), "--stack", PROVIDER)
    given = [f"{key}={value}" for key, value in parameters(JobName="", ExportName="").items()]
    text = run(
        "deploy", "--template", str(GENERATION_EXAMPLE), "--stack", STACK, "--parameters", *given
    )
    assert re.search(rf"Job\s+{GENERATION_JOB_RESOURCE_TYPE}\s+CREATE_COMPLETE", text), text
    assert f"{STACK}.JobStatus = ACTIVE" in text
    assert f"{STACK}.ExportStatus = ACTIVE" in text
    assert f"{STACK}.JobName = {STACK}-Job-" in text
    text = run("destroy", "--stack", STACK)
    assert re.search(rf"Job\s+{GENERATION_JOB_RESOURCE_TYPE}\s+DELETE_COMPLETE", text), text
