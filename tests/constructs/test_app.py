"""The example app: inputs from context, defaults that work.

By default it declares a generation job and an export of it; ``job_arn`` selects an export of a
job that already exists instead.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as example
from cdk_cleanrooms_ml import ValidationError
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import job_resources, only_job
from tests.constructs.support import (
    as_list,
    export_resources,
    iam_statements,
    only_export_properties,
    passes_to_scheduler,
    resources_of_type,
    run_app,
    template_of,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDED_JOB_ARN = (
    "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/example-lookalikes"
)
JOB_OUTPUTS = {"JobArn", "JobName", "JobStatus", "OfferedSizes"}
EXPORT_OUTPUTS = {"ExportName", "ExportStatus", "ExportOutputLocation"}


def synth(context: dict[str, Any] | None = None) -> dict[str, Any]:
    stack = example.AudienceExportExampleStack(App(context=context), example.STACK_NAME)
    return template_of(stack)


def job_properties(template: dict[str, Any]) -> dict[str, Any]:
    _, resource = only_job(template)
    properties: dict[str, Any] = resource["Properties"]
    return properties


def pass_role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The seed roles' iam:PassRole statements (not the provider's own scheduler role's)."""
    return [
        s
        for s in iam_statements(template)
        if "iam:PassRole" in as_list(s["Action"]) and not passes_to_scheduler(s)
    ]


def test_the_app_imports_nothing_private() -> None:
    tree = ast.parse((ROOT / "app.py").read_text())
    modules = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    modules += [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    names = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert "cdk_cleanrooms_ml" in modules
    private = [m for m in modules if m != "__future__" and "._" in f".{m}"]
    assert private == []
    assert [name for name in names if name.startswith("_")] == []


def test_cdk_json_runs_the_app_with_the_same_defaults() -> None:
    settings = json.loads((ROOT / "cdk.json").read_text())
    assert settings["app"] == "python3 app.py"
    assert {key: str(value) for key, value in settings["context"].items()} == example.DEFAULTS
    assert example.DEFAULTS["job_arn"] == ""  # the job is declared by default


def test_defaults_synthesize_one_job_and_one_export_of_it() -> None:
    template = synth()
    job_id, job = only_job(template)
    assert job["Properties"] == {
        "ServiceToken": job["Properties"]["ServiceToken"],
        "ConfiguredAudienceModelArn": example.DEFAULTS["model_arn"],
        "SeedAudience": {
            "RoleArn": example.DEFAULTS["seed_role_arn"],
            "DataSource": {"S3Uri": example.DEFAULTS["seed_uri"]},
        },
        "Description": example.DEFAULTS["job_description"],
        "Tags": [{"Key": "project", "Value": "cleanrooms-ml-example"}],
    }  # no Name: derived by the handler from the deployed stack's name
    properties = only_export_properties(template)
    # From the job: CloudFormation creates the job first and deletes it last.
    assert properties["AudienceGenerationJobArn"] == {
        "Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]
    }
    assert properties["ServiceToken"] == job["Properties"]["ServiceToken"]
    assert properties["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 20}
    assert "Name" not in properties
    assert properties["Description"] == example.DEFAULTS["description"]
    assert set(template["Outputs"]) == JOB_OUTPUTS | EXPORT_OUTPUTS
    assert template["Outputs"]["OfferedSizes"]["Value"] == {"Fn::GetAtt": [job_id, "OfferedSizes"]}


def test_defaults_let_the_provider_pass_only_the_seed_role_to_clean_rooms_ml() -> None:
    template = synth()
    [statement] = pass_role_statements(template)
    assert statement == {
        "Action": "iam:PassRole",
        "Condition": {"StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}},
        "Effect": "Allow",
        "Resource": example.DEFAULTS["seed_role_arn"],
    }
    [start] = [
        s
        for s in iam_statements(template)
        if "cleanrooms-ml:StartAudienceGenerationJob" in as_list(s["Action"])
        and s["Resource"] == example.DEFAULTS["model_arn"]
    ]
    assert "cleanrooms-ml:ListAudienceGenerationJobs" in as_list(start["Action"])
    assert all(s["Resource"] != "*" for s in iam_statements(template))


def test_job_arn_selects_an_export_of_an_existing_job() -> None:
    template = synth({"job_arn": SEEDED_JOB_ARN})
    assert job_resources(template) == {}
    properties = only_export_properties(template)
    assert properties["AudienceGenerationJobArn"] == SEEDED_JOB_ARN
    assert properties["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 20}
    assert "Name" not in properties
    assert properties["Description"] == example.DEFAULTS["description"]
    assert set(template["Outputs"]) == EXPORT_OUTPUTS
    assert pass_role_statements(template) == []  # nothing is started but the export


def test_context_overrides_every_export_input() -> None:
    job_arn = "arn:aws:cleanrooms-ml:eu-west-1:444455556666:audience-generation-job/other"
    export_inputs = {
        "size_type": "absolute",
        "size_value": "50000",
        "name": "my-export",
        "description": "",
    }
    for context in ({"job_arn": job_arn, **export_inputs}, export_inputs):
        properties = only_export_properties(synth(context))
        assert properties["AudienceSize"] == {"Type": "ABSOLUTE", "Value": 50000}
        assert properties["Name"] == "my-export"
        assert "Description" not in properties
    assert only_export_properties(synth({"job_arn": job_arn}))["AudienceGenerationJobArn"] == (
        job_arn
    )


def test_context_overrides_every_job_input() -> None:
    model = "arn:aws:cleanrooms-ml:eu-west-1:444455556666:configured-audience-model/spring"
    role = "arn:aws:iam::444455556666:role/spring-seed-reader"
    uri = "s3://spring-seeds/2027/seed.jsonl"
    template = synth(
        {
            "model_arn": model,
            "seed_uri": uri,
            "seed_role_arn": role,
            "job_name": "spring-lookalikes",
            "job_description": "",
        }
    )
    properties = job_properties(template)
    assert properties["ConfiguredAudienceModelArn"] == model
    assert properties["SeedAudience"] == {"RoleArn": role, "DataSource": {"S3Uri": uri}}
    assert properties["Name"] == "spring-lookalikes"
    assert "Description" not in properties
    [statement] = pass_role_statements(template)
    assert statement["Resource"] == role
    # The export keeps its own name and description.
    export = only_export_properties(template)
    assert "Name" not in export
    assert export["Description"] == example.DEFAULTS["description"]


def test_blank_job_arn_and_job_name_mean_not_given() -> None:
    template = synth({"job_arn": "  ", "job_name": " "})
    assert "Name" not in job_properties(template)
    assert len(export_resources(template)) == 1


BAD_MODEL = "arn:aws:cleanrooms-ml:us-east-1:111122223333:model/x"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("size_value", "ten", r"^audience_size\.value: \"ten\" is not a whole number"),
        ("size_value", "101", r"^audience_size\.value: 101 is out of range for PERCENTAGE"),
        ("size_type", "share", r"^audience_size\.type: 'SHARE' is not one of ABSOLUTE, PERC"),
        ("name", "x" * 64, r"^name: 64 characters, at most 63 allowed"),
        ("description", "d" * 256, r"^description: 256 characters, at most 255 allowed"),
        ("job_arn", BAD_MODEL, r"^audience_generation_job_arn: '.*' is not an audience gen"),
        ("model_arn", BAD_MODEL, r"^configured_audience_model_arn: '.*' is not a configured"),
        ("seed_uri", "https://bucket/seed.jsonl", r"^seed_audience\.uri: '.*' is not an S3 URI"),
        ("seed_role_arn", "seed-reader", r"^seed_audience\.role: 11 characters, at least 20"),
        ("job_name", "x" * 64, r"^name: 64 characters, at most 63 allowed"),
        ("job_name", "q4-\U0001f600", r"^name: character U\+1F600 is not allowed"),
        ("job_description", "d" * 256, r"^description: 256 characters, at most 255 allowed"),
    ],
)
def test_bad_context_names_the_field_and_the_key(key: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        synth({key: value})
    # The construct's field and rule in the message; the context key that set it beside it
    # (the job's name and the export's are both `name`).
    assert raised.value.__notes__ == [f"(from the context key {key!r}: cdk.json or -c {key}=...)"]


@pytest.mark.slow
def test_python3_app_py_synthesizes(tmp_path: Path) -> None:
    # What cdk.json's "app" runs.
    run_app(["python3", "app.py"], cwd=ROOT, outdir=tmp_path, context={"size_value": 10})
    template = json.loads((tmp_path / f"{example.STACK_NAME}.template.json").read_text())
    assert only_export_properties(template)["AudienceSize"]["Value"] == 10
    assert len(job_resources(template)) == 1


WHOLE_FLOW = (
    "AWS::CleanRoomsML::TrainingDataset",
    "Custom::CleanRoomsMlAudienceModel",
    "Custom::CleanRoomsMlConfiguredAudienceModel",
    "Custom::CleanRoomsMlConfiguredAudienceModelPolicy",
    "Custom::CleanRoomsMlConfiguredAudienceModelAssociation",
    "Custom::CleanRoomsMlAudienceGenerationJob",
    "Custom::CleanRoomsMlAudienceExport",
)


def test_flow_whole_declares_the_whole_lookalike_flow_in_order() -> None:
    stack = example.build(App(context={"flow": "whole"}))
    template = template_of(stack)

    assert stack.stack_name == example.FLOW_STACK_NAME
    by_type = {kind: resources_of_type(template, kind) for kind in WHOLE_FLOW}
    assert all(len(found) == 1 for found in by_type.values()), by_type
    [association_id] = by_type["Custom::CleanRoomsMlConfiguredAudienceModelAssociation"]
    [association] = by_type["Custom::CleanRoomsMlConfiguredAudienceModelAssociation"].values()
    assert association["Properties"]["MembershipId"] == example.DEFAULTS["membership_id"]
    # The job is generated once the model is offered to the collaboration (and deleted first).
    [job] = by_type["Custom::CleanRoomsMlAudienceGenerationJob"].values()
    assert association_id in job["DependsOn"]
    assert set(template["Outputs"]) == {"ModelArn", "CollaborationId", "ExportLocation"}
    assert_lint_clean(template)


def test_a_bad_flow_or_membership_names_the_key() -> None:
    with pytest.raises(ValueError, match="flow: 'all' is not one of export, whole"):
        example.build(App(context={"flow": "all"}))
    with pytest.raises(ValidationError, match=r"^membership_id: ") as raised:
        example.build(App(context={"flow": "whole", "membership_id": "growth"}))
    assert raised.value.__notes__ == [
        "(from the context key 'membership_id': cdk.json or -c membership_id=...)"
    ]
