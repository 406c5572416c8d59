"""An audience model trained on a training dataset of the same stack, through the driver, the
real handler asset and the endpoint, on the fast clock (hours of training in real seconds)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from cdk_cleanrooms_ml import (
    AudienceModel,
    AudienceSize,
    AudienceSizeConfig,
    Column,
    ColumnType,
    ConfiguredAudienceModel,
    ConfiguredAudienceModelAssociation,
    SeedAudience,
    SharedAudienceMetrics,
    TrainingDataset,
    TrainingDataSource,
)
from cdk_cleanrooms_ml._handler.tags import OWNER_TAG_KEY
from cdk_cleanrooms_ml.local.cleanrooms.seed import (
    DEFAULT_COLLABORATION_ID,
    DEFAULT_MEMBERSHIP_ID,
)
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.resource_types import AUDIENCE_MODEL_RESOURCE_TYPE
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.owner_support import ROLE
from tests.local.support import write_assembly
from tests.local.training_dataset_support import CFN_TRAINING_DATA

pytestmark = pytest.mark.slow

HOUR = 3600
COLLABORATION = "1c2d3e4f-0000-4111-8222-333344445555"  # the seed owner's, in the policy
STACK = "ModelOwner"
TOKEN = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}
PARAMETERS = {
    "Team": {"Type": "String", "Default": "ads"},
    "Description": {"Type": "String", "Default": "first"},
}
OUTPUTS = {
    "ModelArn": {"Value": {"Fn::GetAtt": ["Model", "AudienceModelArn"]}},
    "ModelStatus": {"Value": {"Fn::GetAtt": ["Model", "Status"]}},
    "DatasetArn": {"Value": {"Fn::GetAtt": ["Model", "TrainingDatasetArn"]}},
}


def seed(train_s: float) -> dict[str, Any]:
    return {
        "audienceGenerationJobs": [],
        "memberships": [{"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": DEFAULT_COLLABORATION_ID}],
        "audienceModelDurations": {
            "pendingSeconds": 60,
            "inProgressSeconds": train_s - 60,
            "deletePendingSeconds": 30,
            "deleteInProgressSeconds": 60,
        },
    }


def cloud_for(make_cloud: CloudFactory, train_s: float) -> LocalCloud:
    return make_cloud(
        fast_clock=True,
        seed=seed(train_s),
        options=DriverOptions(max_wait=240, no_response_grace=8.0),
    )


def model_app(
    tmp_path: Path,
    *,
    name: str | None = "shoppers",
    dataset_attributes: dict[str, Any] | None = None,
    **model_attributes: Any,
) -> Path:
    """A training dataset and a model trained on it, with the provider beside them."""
    model: dict[str, Any] = {
        "ServiceToken": TOKEN,
        "TrainingDatasetArn": {"Ref": "Dataset"},
        "Description": {"Ref": "Description"},
        "Tags": [{"Key": "team", "Value": {"Ref": "Team"}}],
    }
    if name is not None:
        model["Name"] = name
    return write_assembly(
        tmp_path / "cdk.out",
        STACK,
        {
            "Dataset": {
                "Type": "AWS::CleanRoomsML::TrainingDataset",
                "Properties": {
                    "Name": "clicks",
                    "RoleArn": ROLE,
                    "TrainingData": CFN_TRAINING_DATA,
                },
                **(dataset_attributes or {}),
            },
            "Model": {
                "Type": AUDIENCE_MODEL_RESOURCE_TYPE,
                "Properties": model,
                **model_attributes,
            },
        },
        parameters=PARAMETERS,
        outputs=OUTPUTS,
    )


def clicks_dataset(stack: cdk.Stack) -> TrainingDataset:
    """The construct's dataset of the clicks table (user, item and time columns)."""
    return TrainingDataset(
        stack,
        "Dataset",
        source=TrainingDataSource.glue("ads", "clicks"),
        columns=[
            Column("user_id", ColumnType.USER_ID),
            Column("item_id", ColumnType.ITEM_ID),
            Column("ts", ColumnType.TIMESTAMP),
        ],
    )


def models(cloud: LocalCloud) -> list[dict[str, Any]]:
    backend = cloud.endpoint.backend
    return [
        backend.get_audience_model(str(summary["audienceModelArn"]))
        for summary in backend.list_audience_models()
    ]


def datasets(cloud: LocalCloud) -> list[str]:
    return [str(d["name"]) for d in cloud.endpoint.backend.list_training_datasets()]


def user_tags(model: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in dict(model.get("tags") or {}).items() if k != OWNER_TAG_KEY}


def test_create_update_in_place_replace_and_delete(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = cloud_for(make_cloud, 40 * 60)
    app = model_app(tmp_path, name=None)

    created = cloud.deploy(load_stack(app))

    assert created.status == "CREATE_COMPLETE", created.reason
    [model] = models(cloud)
    assert model["status"] == "ACTIVE"
    assert user_tags(model) == {"team": "ads"}
    assert created.outputs["ModelArn"] == model["audienceModelArn"]
    assert created.outputs["ModelStatus"] == "ACTIVE"
    assert created.outputs["DatasetArn"] == model["trainingDatasetArn"]
    assert datasets(cloud) == ["clicks"]

    assert cloud.deploy(load_stack(app)).status == "NO_CHANGES"

    retagged = cloud.deploy(load_stack(app), {"Team": "growth"})
    assert retagged.status == "UPDATE_COMPLETE", retagged.reason
    [same] = models(cloud)
    assert same["audienceModelArn"] == model["audienceModelArn"]
    assert user_tags(same) == {"team": "growth"}

    # No update API: another description is another model; CloudFormation deletes the old one.
    replaced = cloud.deploy(load_stack(app), {"Team": "growth", "Description": "second"})
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    [new] = models(cloud)
    assert new["audienceModelArn"] != model["audienceModelArn"]
    assert new["description"] == "second"
    assert len(cloud.endpoint.calls_to("CreateAudienceModel")) == 2

    deleted = cloud.destroy(STACK)
    assert deleted.status == "DELETE_COMPLETE", deleted.reason
    assert models(cloud) == []
    assert datasets(cloud) == []


def test_training_that_fails_rolls_back_with_the_reason_and_deletes_the_model(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = cloud_for(make_cloud, 30 * 60)
    cloud.endpoint.faults.fail_audience_model(status_code="TOO_FEW_USERS", message="1,000 needed")

    result = cloud.deploy(load_stack(model_app(tmp_path)))

    assert result.status == "ROLLBACK_COMPLETE"
    assert "CREATE_FAILED (TOO_FEW_USERS: 1,000 needed)" in str(result.reason)
    assert models(cloud) == []
    assert datasets(cloud) == []


def test_retain_keeps_the_model_when_the_stack_is_deleted(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # The dataset too: the service refuses to delete a dataset that a model still uses.
    cloud = cloud_for(make_cloud, 10 * 60)
    retain = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    app = model_app(tmp_path, dataset_attributes=retain, **retain)
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"

    assert datasets(cloud) == ["clicks"]
    [kept] = models(cloud)
    assert kept["status"] == "ACTIVE"
    assert cloud.endpoint.calls_to("DeleteAudienceModel") == []


def test_the_construct_waits_hours_for_training_and_reads_the_arn_after_it(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    out = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="111122223333", region="us-east-1"))
    dataset = clicks_dataset(stack)
    model = AudienceModel(
        stack,
        "Shoppers",
        training_dataset_arn=dataset.training_dataset_arn,
        wait_for_completion=cdk.Duration.hours(6),
    )
    cdk.CfnOutput(stack, "ModelArn", value=model.audience_model_arn)
    app.synth()
    assert_assembly_lint_clean(out)
    cloud = cloud_for(make_cloud, 3 * HOUR)

    result = cloud.deploy(load_stack(out))

    assert result.status == "CREATE_COMPLETE", result.reason
    [trained] = models(cloud)
    assert trained["status"] == "ACTIVE"
    assert result.outputs["ModelArn"] == trained["audienceModelArn"]
    [create] = cloud.endpoint.calls_to("CreateAudienceModel")
    assert cloud.endpoint.backend.clock() - create.at >= 3 * HOUR

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert models(cloud) == []
    assert datasets(cloud) == []


def test_the_whole_lookalike_flow_deploys_in_one_app_and_is_destroyed(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # Training data to exported audience: dataset, model (hours of training), configured
    # model, generation job on it, export of a size it offers; destroyed in reverse order.
    out = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="111122223333", region="us-east-1"))
    dataset = clicks_dataset(stack)
    model = AudienceModel(
        stack,
        "Model",
        training_dataset_arn=dataset.training_dataset_arn,
        wait_for_completion=cdk.Duration.hours(6),
    )
    writer = iam.Role(
        stack, "Writer", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com")
    )
    offer = ConfiguredAudienceModel(
        stack,
        "Offer",
        audience_model_arn=model.audience_model_arn,
        output_location="s3://audiences/lookalikes/",
        output_role=writer,
        shared_audience_metrics=SharedAudienceMetrics.ALL,
        audience_size_config=AudienceSizeConfig.percentage([5, 10, 20]),
    )
    offer.grant_generate(iam.AccountPrincipal("444455556666"), collaboration_id=COLLABORATION)
    association = ConfiguredAudienceModelAssociation(
        stack,
        "InCollaboration",
        membership_id=DEFAULT_MEMBERSHIP_ID,
        configured_audience_model_arn=offer.configured_audience_model_arn,
        manage_resource_policies=False,
    )
    job = offer.generate(
        "Lookalikes", seed_audience=SeedAudience.from_s3("s3://seeds/q4.jsonl", role=writer)
    )
    job.node.add_dependency(association)  # generated once offered to the collaboration
    export = job.export("Top10", audience_size=AudienceSize.percentage(10))
    cdk.CfnOutput(stack, "ExportLocation", value=export.output_location)
    cdk.CfnOutput(stack, "CollaborationId", value=association.collaboration_id)
    app.synth()
    assert_assembly_lint_clean(out)
    cloud = cloud_for(make_cloud, 3 * HOUR)
    started = time.monotonic()

    result = cloud.deploy(load_stack(out))

    assert result.status == "CREATE_COMPLETE", result.reason
    assert result.outputs["ExportLocation"].startswith("s3://")
    [configured] = cloud.endpoint.backend.list_configured_audience_models()
    configured_arn = configured["configuredAudienceModelArn"]
    [start] = cloud.endpoint.calls_to("StartAudienceGenerationJob")
    assert start.params["configuredAudienceModelArn"] == configured_arn
    policy = cloud.endpoint.backend.get_configured_audience_model_policy(configured_arn)
    assert COLLABORATION in str(policy["configuredAudienceModelPolicy"])
    assert result.outputs["CollaborationId"] == DEFAULT_COLLABORATION_ID
    associations = cloud.cleanrooms.backend.list_configured_audience_model_associations
    assert len(associations(DEFAULT_MEMBERSHIP_ID)) == 1

    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    assert associations(DEFAULT_MEMBERSHIP_ID) == []
    assert models(cloud) == []
    assert datasets(cloud) == []
    assert cloud.endpoint.backend.list_configured_audience_models() == []
    assert time.monotonic() - started < 60
