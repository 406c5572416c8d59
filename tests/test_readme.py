"""README claims that code can check: every Python snippet runs, stated numbers are real."""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import (
    ASSOCIATION_RESOURCE_TYPE,
    AUDIENCE_MODEL_RESOURCE_TYPE,
    CONFIGURED_MODEL_RESOURCE_TYPE,
    GENERATION_JOB_RESOURCE_TYPE,
    POLICY_RESOURCE_TYPE,
    RESOURCE_TYPE,
)
from tests.constructs.support import (
    export_resources,
    iam_statements,
    resources_of_type,
    template_of,
)
from tests.processes import run_ok

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# CloudFormation's limit of resources in one stack, and what the CDK CLI adds to every stack.
STACK_RESOURCE_LIMIT = 500
CLI_METADATA_RESOURCES = 1


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


# Each Python snippet, by the section it is in and the stack class it defines.
USAGE = ("Usage", "CampaignStack")
TUNED_PROVIDER = ("Usage", "TunedStack")
LOOKALIKE = ("Usage", "LookalikeStack")
LONG_WAIT = ("Usage", "LongLookalikeStack")
EXISTING_JOB = ("Usage", "ExistingJobStack")
MODEL_OWNER = ("Usage", "ModelOwnerStack")
PIPELINE = ("Using it from CloudFormation pipelines", "TeamAStack")
PIPELINE_TOKEN_EXPORT = "CleanRoomsMlAudienceExportServiceToken"
ORGANIZATION = ("Across an organization", "MemberAccountStack")


def snippet(title: str, defines: str) -> str:
    (block,) = [b for b in python_blocks(section(title)) if f"class {defines}(" in b]
    return block


def run_snippet(title: str, defines: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(snippet(title, defines), f"README.md ({title})", "exec"), namespace)
    return namespace


def usage_template() -> dict[str, Any]:
    namespace = run_snippet(*USAGE)
    app = cdk.App()
    stack = namespace["CampaignStack"](app, "Campaign")
    return dict(Template.from_stack(stack).to_json())


def test_every_python_snippet_is_run_by_a_test() -> None:
    run = [
        snippet(*where)
        for where in (
            USAGE,
            TUNED_PROVIDER,
            LOOKALIKE,
            LONG_WAIT,
            EXISTING_JOB,
            MODEL_OWNER,
            PIPELINE,
            ORGANIZATION,
        )
    ]
    assert sorted(python_blocks(README)) == sorted(run)


def test_model_owner_snippet_synthesizes_a_model_that_waits_eight_hours() -> None:
    namespace = run_snippet(*MODEL_OWNER)
    template = template_of(namespace["ModelOwnerStack"](cdk.App(), "ModelOwner"))
    [model] = resources_of_type(template, AUDIENCE_MODEL_RESOURCE_TYPE).values()
    [(dataset_id, dataset)] = resources_of_type(
        template, "AWS::CleanRoomsML::TrainingDataset"
    ).items()
    assert model["Properties"]["TrainingDatasetArn"] == {
        "Fn::GetAtt": [dataset_id, "TrainingDatasetArn"]
    }
    assert len(dataset["Properties"]["TrainingData"][0]["InputConfig"]["Schema"]) == 4
    assert model["Properties"]["TrainingDataStartTime"] == "2024-01-01T00:00:00Z"
    assert model["Properties"]["Tags"] == [{"Key": "team", "Value": "growth"}]
    assert "KmsKeyArn" in model["Properties"]
    [wait] = resources_of_type(template, "AWS::CloudFormation::WaitCondition").values()
    assert wait["Properties"]["Timeout"] == str(8 * 3600)
    assert set(template["Outputs"]) == {"ModelArn"}
    [policy] = resources_of_type(template, POLICY_RESOURCE_TYPE).values()
    assert "cleanrooms-ml:CollaborationId" in json.dumps(policy["Properties"]["PolicyDocument"])
    [association] = resources_of_type(template, ASSOCIATION_RESOURCE_TYPE).values()
    assert association["Properties"]["ManageResourcePolicies"] == "false"
    [configured] = resources_of_type(template, CONFIGURED_MODEL_RESOURCE_TYPE).values()
    assert configured["Properties"]["AudienceSizeConfig"] == {
        "Type": "PERCENTAGE",
        "Bins": [5, 10, 20],
    }
    [export] = export_resources(template).values()
    assert export["Properties"]["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 10}


def test_usage_snippet_synthesizes() -> None:
    template = usage_template()
    exports = [r for r in template["Resources"].values() if r["Type"] == RESOURCE_TYPE]
    assert len(exports) == 1
    assert exports[0]["Properties"]["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 20}
    assert set(template["Outputs"]) == {"ExportName", "ExportStatus", "ExportLocation"}


def test_lookalike_snippet_synthesizes_two_jobs_and_an_export_of_the_first() -> None:
    namespace = run_snippet(*LOOKALIKE)
    template = template_of(namespace["LookalikeStack"](cdk.App(), "Lookalikes"))
    jobs = resources_of_type(template, GENERATION_JOB_RESOURCE_TYPE)
    assert len(jobs) == 2
    [(job_id, job)] = [(k, j) for k, j in jobs.items() if "DataSource" in str(j)]
    assert job["DeletionPolicy"] == "Retain"
    assert job["Properties"]["Tags"] == [{"Key": "team", "Value": "growth"}]
    assert job["Properties"]["ServiceTimeout"] == "3000"
    [export] = export_resources(template).values()
    assert export["Properties"]["AudienceGenerationJobArn"] == {
        "Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]
    }
    [sql] = [j for j in jobs.values() if "SqlParameters" in str(j)]
    worker = sql["Properties"]["SeedAudience"]["SqlComputeConfiguration"]["Worker"]
    assert worker == {"Type": "CR.4X", "Number": 16}
    assert set(template["Outputs"]) == {"OfferedSizes", "ExportLocation"}


def test_existing_job_snippet_exports_twice_from_the_imported_job() -> None:
    namespace = run_snippet(*EXISTING_JOB)
    template = template_of(namespace["ExistingJobStack"](cdk.App(), "Existing"))
    assert resources_of_type(template, GENERATION_JOB_RESOURCE_TYPE) == {}
    exports = export_resources(template).values()
    assert sorted(e["Properties"]["AudienceSize"]["Value"] for e in exports) == [5, 10]
    assert {e["Properties"]["AudienceGenerationJobArn"] for e in exports} == {namespace["job_arn"]}


def test_long_wait_snippet_synthesizes_a_wait_condition_the_export_waits_for() -> None:
    namespace = run_snippet(*LONG_WAIT)
    template = template_of(namespace["LongLookalikeStack"](cdk.App(), "Long"))
    [(wait_id, wait)] = resources_of_type(template, "AWS::CloudFormation::WaitCondition").items()
    assert wait["Properties"]["Timeout"] == str(6 * 3600)
    [job] = resources_of_type(template, GENERATION_JOB_RESOURCE_TYPE).values()
    assert job["Properties"]["CompletionSignalTimeout"] == str(6 * 3600)
    [export] = export_resources(template).values()
    assert {"Ref": wait_id} in export["Properties"]["AudienceGenerationJobArn"]["Fn::Select"][1]
    # The offered sizes read as a plain string, from the WaitCondition's reader.
    [(reader_id, reader)] = resources_of_type(
        template, "Custom::CleanRoomsMlFinalAttributes"
    ).items()
    assert reader["Properties"]["WaitConditionData"] == {"Fn::GetAtt": [wait_id, "Data"]}
    sizes = template["Outputs"]["OfferedSizes"]["Value"]
    assert sizes == {"Fn::GetAtt": [reader_id, "OfferedSizes"]}


def test_tuned_provider_snippet_synthesizes() -> None:
    namespace = run_snippet(*TUNED_PROVIDER)
    stack = namespace["TunedStack"](cdk.App(), "Tuned")
    template = template_of(stack)
    [(function_id, function)] = resources_of_type(template, "AWS::Lambda::Function").items()
    properties = function["Properties"]
    assert properties["MemorySize"] == 256
    assert properties["Environment"]["Variables"]["LOG_LEVEL"] == "DEBUG"
    assert properties["LoggingConfig"]["LogFormat"] == "JSON"
    assert properties["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    [group] = resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == 90
    [export] = export_resources(template).values()
    assert export["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert export["Properties"]["AudienceSize"] == {"Type": "ABSOLUTE", "Value": 50000}
    granted = [s["Resource"] for s in iam_statements(template) if "cleanrooms-ml:" in str(s)]
    assert granted == [export["Properties"]["AudienceGenerationJobArn"]]


def test_pipeline_snippet_synthesizes_a_provider_stack_and_a_stack_that_imports_it() -> None:
    namespace = run_snippet(*PIPELINE)
    app: cdk.App = namespace["app"]
    providers = namespace["providers"]
    team = app.node.find_child("TeamA")
    assert isinstance(team, cdk.Stack)

    shared = template_of(providers)
    assert providers.stack_name == "CleanRoomsMlAudienceExportProvider"
    assert shared["Outputs"]["ServiceToken"]["Export"] == {"Name": PIPELINE_TOKEN_EXPORT}
    [jobs] = [s for s in iam_statements(shared) if "cleanrooms-ml:StartAudienceExportJob" in str(s)]
    assert jobs["Resource"] == providers.allowed_job_arns[0]
    [function] = resources_of_type(shared, "AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["LOG_LEVEL"] == "WARNING"

    imported = template_of(team)
    assert set(resources_of_type(imported, RESOURCE_TYPE)) == set(imported["Resources"])
    [export] = export_resources(imported).values()
    assert export["Properties"]["ServiceToken"] == {"Fn::ImportValue": PIPELINE_TOKEN_EXPORT}
    # The export's job is one the shared provider allows.
    assert export["Properties"]["AudienceGenerationJobArn"].startswith(
        providers.allowed_job_arns[0].rstrip("*")
    )


def test_organization_snippet_reads_the_token_from_ssm_in_its_own_region() -> None:
    namespace = run_snippet(*ORGANIZATION)
    stack = namespace["MemberAccountStack"](
        cdk.App(), "Spring", env=cdk.Environment(account="222222222222", region="eu-west-1")
    )
    template = template_of(stack)
    [(name, parameter)] = [
        (name, parameter)
        for name, parameter in template["Parameters"].items()
        if parameter.get("Default") == "/cdk-cleanrooms-ml/service-token"
    ]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    [export] = export_resources(template).values()
    assert export["Properties"]["ServiceToken"] == {"Ref": name}
    assert "Fn::ImportValue" not in json.dumps(template)


def test_stated_export_capacity_is_the_real_one() -> None:
    resources = usage_template()["Resources"]
    fixed = len(resources) - 1 + CLI_METADATA_RESOURCES
    (stated,) = re.findall(r"up to (\d+) exports fit", README.replace("\n", " "))
    assert int(stated) == STACK_RESOURCE_LIMIT - fixed


def test_stated_requirements_match_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (cdk_requirement,) = [d for d in project["dependencies"] if d.startswith("aws-cdk-lib")]
    low, high = re.fullmatch(r"aws-cdk-lib>=([\d.]+),<(\d+)", cdk_requirement).groups()  # type: ignore[union-attr]
    assert f"`aws-cdk-lib` ≥ {low} (< {high})" in README
    assert f"Python ≥ {project['requires-python'].removeprefix('>=')}" in README
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    # The CDK CLI the README tells pip users to install is the one this checkout pins.
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    stated = set(re.findall(r"aws-cdk@([\d.]+)", README))
    assert stated == {pinned}


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


@pytest.mark.slow
def test_offline_pipeline_commands_work_as_typed(tmp_path: Path) -> None:
    """The pipeline section's offline block, run by bash in a copy of the repository's app."""
    (block,) = [
        b
        for b in sh_blocks(section("Using it from CloudFormation pipelines"))
        if b.startswith(". .venv/bin/activate")
    ]
    for name in ("app.py", "cdk.json"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for name in (".venv", "node_modules"):  # what `make setup` made
        (tmp_path / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1", CI="true")
    result = run_ok(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env)
    assert re.findall(r"✅  (\S+): CREATE_COMPLETE", result.stdout) == [
        "CleanRoomsMlAudienceExportProvider",
        "q4-lookalikes-export",
    ]
    assert "q4-lookalikes-export.Status = ACTIVE" in result.stdout
