"""``AudienceModel`` at synth: its resource, its grants, its validation, its long wait."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Tags, Validations
from aws_cdk import aws_kms as kms
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import AUDIENCE_MODEL_RESOURCE_TYPE, AudienceModel, ValidationError
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import ACCOUNT, REGION, job_stack, policy_resource
from tests.constructs.support import resources_of_type, template_of

DATASET_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:training-dataset/shoppers"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def only_model(template: dict[str, Any]) -> dict[str, Any]:
    [resource] = resources_of_type(template, AUDIENCE_MODEL_RESOURCE_TYPE).values()
    return resource


def model(stack: Stack, **props: Any) -> AudienceModel:
    return AudienceModel(stack, "Model", **{"training_dataset_arn": DATASET_ARN, **props})


def test_the_resource_carries_the_settings_and_leaves_defaults_out() -> None:
    stack = job_stack()
    start = datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    model(
        stack,
        training_data_start_time=start,
        training_data_end_time="2024-06-30T00:00:00Z",
        name="shoppers-model",
        description="lookalikes of shoppers",
    )
    properties = only_model(template_of(stack))["Properties"]
    properties.pop("ServiceToken")
    assert properties == {
        "TrainingDatasetArn": DATASET_ARN,
        "TrainingDataStartTime": "2024-01-01T00:00:00Z",
        "TrainingDataEndTime": "2024-06-30T00:00:00Z",
        "Name": "shoppers-model",
        "Description": "lookalikes of shoppers",
    }


def test_tags_are_rendered() -> None:
    stack = job_stack()
    Tags.of(model(stack)).add("team", "growth")
    assert only_model(template_of(stack))["Properties"]["Tags"] == [
        {"Key": "team", "Value": "growth"}
    ]


def test_bad_tags_fail_the_synth_naming_the_tag() -> None:
    app = App()
    Tags.of(model(job_stack(app))).add("aws:owner", "x")
    with pytest.raises(RuntimeError, match=r"\[TestStack/Model\] tags\.aws:owner: keys starting"):
        app.synth()


def test_49_tags_pass_and_the_50th_fails_the_synth() -> None:
    app = App()
    built = model(job_stack(app))
    for index in range(49):
        Tags.of(built).add(f"k{index}", "v")
    app.synth()
    app = App()
    built = model(job_stack(app))
    for index in range(50):
        Tags.of(built).add(f"k{index}", "v")
    with pytest.raises(RuntimeError, match=r"\[TestStack/Model\] tags: 50 tags, at most 49"):
        app.synth()


def test_the_provider_may_create_on_the_dataset_and_act_on_its_account_models_only() -> None:
    stack = job_stack()
    built = model(stack)
    template = template_of(stack)
    logical_id, policy = policy_resource(template, "AudienceModelsPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    by_action = {json.dumps(s["Action"]): s["Resource"] for s in statements}
    assert by_action['"cleanrooms-ml:CreateAudienceModel"'] == DATASET_ARN
    models = by_action[
        json.dumps(
            [
                "cleanrooms-ml:GetAudienceModel",
                "cleanrooms-ml:DeleteAudienceModel",
                "cleanrooms-ml:TagResource",
                "cleanrooms-ml:UntagResource",
                "cleanrooms-ml:ListTagsForResource",
            ]
        )
    ]
    assert models["Fn::Join"][1][-1] == f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-model/*"
    assert by_action['"cleanrooms-ml:ListAudienceModels"'] == "*"
    # The model waits for its permissions.
    resource = only_model(template)
    assert logical_id in resource["DependsOn"]
    assert built.provider is not None
    assert_lint_clean(template)


def test_a_kms_key_is_granted_to_the_provider() -> None:
    stack = job_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    model(stack, kms_key=key)
    template = template_of(stack)
    assert "KmsKeyArn" in only_model(template)["Properties"]
    actions = [
        action
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    ]
    assert {"kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey"} <= set(actions)


def test_a_wait_beyond_an_hour_goes_through_a_wait_condition() -> None:
    stack = job_stack()
    built = model(stack, wait_for_completion=Duration.hours(6))
    template = template_of(stack)
    [condition] = resources_of_type(template, "AWS::CloudFormation::WaitCondition").values()
    assert condition["Properties"]["Timeout"] == str(6 * 3600)
    assert "CompletionSignalUrl" in only_model(template)["Properties"]
    assert "Fn::Select" in stack.resolve(built.audience_model_arn)


def test_retain_sets_the_deletion_policies() -> None:
    stack = job_stack()
    model(stack, removal_policy=RemovalPolicy.RETAIN)
    resource = only_model(template_of(stack))
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize(
    ("props", "field", "rule"),
    [
        (
            {"training_dataset_arn": "arn:aws:s3:::a-bucket-of-data"},
            "training_dataset_arn",
            "training dataset ARN",
        ),
        ({"training_dataset_arn": ""}, "training_dataset_arn", "at least 20"),
        (
            {"training_dataset_arn": DATASET_ARN.replace("training-dataset", "audience-model")},
            "training_dataset_arn",
            "training dataset ARN",
        ),
        ({"training_data_start_time": "2024-01-01"}, "training_data_start_time", "ISO 8601"),
        ({"training_data_start_time": "2024-01-01T00:00:00"}, "training_data_start_time", "zone"),
        ({"training_data_end_time": "2024-02-30T00:00:00Z"}, "training_data_end_time", "valid"),
        (
            {"training_data_start_time": datetime(2024, 1, 1)},  # naive: the point
            "training_data_start_time",
            "time zone",
        ),
        (
            {
                "training_data_start_time": "2024-06-01T00:00:00Z",
                "training_data_end_time": "2024-01-01T00:00:00Z",
            },
            "training_data_end_time",
            "not after",
        ),
        (
            {
                "training_data_start_time": "2024-06-01T00:00:00Z",
                "training_data_end_time": "2024-06-01T02:00:00+02:00",
            },
            "training_data_end_time",
            "not after",
        ),
        ({"name": ""}, "name", "at least 1"),
        ({"name": "x" * 64}, "name", "at most 63"),
        ({"name": "   "}, "name", ""),
        ({"description": "d" * 256}, "description", "at most 255"),
        ({"wait_for_completion": Duration.hours(13)}, "wait_for_completion", "12 hours"),
        ({"timeout": Duration.hours(2)}, "timeout", ""),
        ({"removal_policy": RemovalPolicy.SNAPSHOT}, "removal_policy", "no snapshot"),
    ],
)
def test_bad_props_fail_naming_the_prop_before_anything_is_added(
    props: dict[str, Any], field: str, rule: str
) -> None:
    stack = job_stack()
    with pytest.raises(ValidationError) as raised:
        model(stack, **props)
    assert raised.value.field == field
    assert rule in raised.value.rule
    assert stack.node.try_find_child("Model") is None


def test_a_key_by_alias_fails_naming_kms_key() -> None:
    stack = job_stack()
    alias = kms.Key.from_key_arn(stack, "Alias", KEY_ARN.replace(":key/", ":alias/"))
    with pytest.raises(ValidationError, match=r"kms_key: .* is not a KMS key ARN"):
        model(stack, kms_key=alias)
    assert stack.node.try_find_child("Model") is None


def test_the_app_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    model(job_stack(app))
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []
