"""``ConfiguredAudienceModel`` at synth: its resource, grants, rules, and the jobs on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Tags, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import (
    CONFIGURED_MODEL_RESOURCE_TYPE,
    GENERATION_JOB_RESOURCE_TYPE,
    AudienceModel,
    AudienceSize,
    AudienceSizeConfig,
    ChildResourceTagPolicy,
    ConfiguredAudienceModel,
    SeedAudience,
    SharedAudienceMetrics,
    ValidationError,
)
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import ACCOUNT, REGION, job_stack, policy_resource
from tests.constructs.support import resources_of_type, template_of

MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-model/shoppers"
OUTPUT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/audience-writer"
SEED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/seed-reader"
OUTPUT = "s3://audiences/lookalikes/"


def configured(stack: Stack, **props: Any) -> ConfiguredAudienceModel:
    values: dict[str, Any] = {
        "audience_model_arn": MODEL_ARN,
        "output_location": OUTPUT,
        "output_role": OUTPUT_ROLE,
        "shared_audience_metrics": SharedAudienceMetrics.ALL,
    }
    values.update(props)
    return ConfiguredAudienceModel(stack, "Configured", **values)


def only(template: dict[str, Any], kind: str = CONFIGURED_MODEL_RESOURCE_TYPE) -> dict[str, Any]:
    [resource] = resources_of_type(template, kind).values()
    return resource


def test_the_resource_carries_the_settings() -> None:
    stack = job_stack()
    built = configured(
        stack,
        min_matching_seed_size=500,
        audience_size_config=AudienceSizeConfig.percentage([5, 10, 20]),
        child_resource_tag_policy=ChildResourceTagPolicy.FROM_PARENT_RESOURCE,
        description="q4 lookalikes",
    )
    Tags.of(built).add("team", "growth")
    properties = only(template_of(stack))["Properties"]
    properties.pop("ServiceToken")
    assert properties == {
        "AudienceModelArn": MODEL_ARN,
        "OutputS3Uri": OUTPUT,
        "OutputRoleArn": OUTPUT_ROLE,
        "SharedAudienceMetrics": "ALL",
        "MinMatchingSeedSize": 500,
        "AudienceSizeConfig": {"Type": "PERCENTAGE", "Bins": [5, 10, 20]},
        "ChildResourceTagOnCreatePolicy": "FROM_PARENT_RESOURCE",
        "Description": "q4 lookalikes",
        "Tags": [{"Key": "team", "Value": "growth"}],
    }


def test_the_provider_passes_exactly_the_output_role_and_acts_on_its_account_models() -> None:
    stack = job_stack()
    role = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com"))
    configured(stack, output_role=role)
    template = template_of(stack)
    logical_id, policy = policy_resource(template, "ConfiguredAudienceModelsPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    [passing] = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}
    }
    [role_id] = [k for k in resources_of_type(template, "AWS::IAM::Role") if "Writer" in k]
    assert passing["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    [create] = [
        s for s in statements if "cleanrooms-ml:CreateConfiguredAudienceModel" in s["Action"]
    ]
    assert create["Resource"] == MODEL_ARN
    [listing] = [
        s for s in statements if s["Action"] == "cleanrooms-ml:ListConfiguredAudienceModels"
    ]
    assert listing["Resource"] == "*"
    resource = only(template)
    assert logical_id in resource["DependsOn"]
    assert role_id in resource["DependsOn"]
    assert_lint_clean(template)


def test_generate_starts_a_job_on_it_and_checks_export_sizes_at_synth() -> None:
    stack = job_stack()
    built = configured(stack, audience_size_config=AudienceSizeConfig.percentage([5, 10, 20]))
    job = built.generate(
        "Lookalikes", seed_audience=SeedAudience.from_s3("s3://s/seed.jsonl", role=SEED_ROLE)
    )
    job.export("Top10", audience_size=AudienceSize.percentage(10))

    with pytest.raises(ValidationError) as raised:
        job.export("Top15", audience_size=AudienceSize.percentage(15))

    assert raised.value.field == "audience_size"
    assert "PERCENTAGE:15 is not a size the job offers" in raised.value.rule
    assert "PERCENTAGE:5, PERCENTAGE:10, PERCENTAGE:20" in raised.value.rule
    template = template_of(stack)
    [(configured_id, _)] = resources_of_type(template, CONFIGURED_MODEL_RESOURCE_TYPE).items()
    assert only(template, GENERATION_JOB_RESOURCE_TYPE)["Properties"][
        "ConfiguredAudienceModelArn"
    ] == {"Fn::GetAtt": [configured_id, "ConfiguredAudienceModelArn"]}


def test_without_shared_metrics_the_size_is_left_to_deploy_time() -> None:
    stack = job_stack()
    built = configured(
        stack,
        shared_audience_metrics=SharedAudienceMetrics.NONE,
        audience_size_config=AudienceSizeConfig.percentage([5]),
    )
    job = built.generate(
        "Lookalikes", seed_audience=SeedAudience.from_s3("s3://s/seed.jsonl", role=SEED_ROLE)
    )
    job.export("Top15", audience_size=AudienceSize.percentage(15))  # the handler decides


def test_a_model_owner_app_chains_model_configured_model_and_job() -> None:
    stack = job_stack()
    model = AudienceModel(
        stack,
        "Model",
        training_dataset_arn=f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:training-dataset/t",
    )
    configured(stack, audience_model_arn=model.audience_model_arn)
    template = template_of(stack)
    [(model_id, _)] = resources_of_type(template, "Custom::CleanRoomsMlAudienceModel").items()
    assert only(template)["Properties"]["AudienceModelArn"] == {
        "Fn::GetAtt": [model_id, "AudienceModelArn"]
    }


@pytest.mark.parametrize(
    ("props", "field", "rule"),
    [
        (
            {"audience_model_arn": "arn:aws:s3:::bucket-with-a-model"},
            "audience_model_arn",
            "audience model ARN",
        ),
        (
            {
                "audience_model_arn": MODEL_ARN.replace(
                    "audience-model", "configured-audience-model"
                )
            },
            "audience_model_arn",
            "audience model ARN",
        ),
        ({"output_location": "https://bucket/x"}, "output_location", "S3 URI"),
        ({"output_location": ""}, "output_location", "at least 1"),
        ({"output_role": "arn:aws:iam::1:role/x-role-name-long"}, "output_role", "IAM role ARN"),
        ({"min_matching_seed_size": 24}, "min_matching_seed_size", "25 to 500,000"),
        ({"min_matching_seed_size": 500_001}, "min_matching_seed_size", "25 to 500,000"),
        ({"name": "n" * 64}, "name", "at most 63"),
        ({"description": "d" * 256}, "description", "at most 255"),
    ],
)
def test_bad_props_fail_naming_the_prop_before_anything_is_added(
    props: dict[str, Any], field: str, rule: str
) -> None:
    stack = job_stack()
    with pytest.raises(ValidationError) as raised:
        configured(stack, **props)
    assert raised.value.field == field
    assert rule in raised.value.rule
    assert stack.node.try_find_child("Configured") is None


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: AudienceSizeConfig.percentage([]), "0 sizes, 1 to 25"),
        (lambda: AudienceSizeConfig.percentage(list(range(1, 27))), "26 sizes, 1 to 25"),
        (lambda: AudienceSizeConfig.percentage([5, 5]), "more than once"),
        (lambda: AudienceSizeConfig.percentage([101]), "1 to 100"),
        (lambda: AudienceSizeConfig.absolute([0]), "1 to 20,000,000"),
    ],
)
def test_bad_size_bins_fail_naming_them(make: Any, rule: str) -> None:
    with pytest.raises(ValidationError) as raised:
        make()
    assert raised.value.field.startswith("audience_size_config.bins")
    assert rule in raised.value.rule


def test_the_app_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    configured(job_stack(app))
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []
