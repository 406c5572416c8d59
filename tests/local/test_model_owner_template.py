"""The model owner's plain template on the shared provider: the provider stack once (with its
model-owner allow-list), then a training dataset, a model trained for hours (virtual time),
a configured model, its policy and its association, deployed and destroyed through the local
CloudFormation driver."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack, ModelOwnerAllowList
from cdk_cleanrooms_ml.local.cleanrooms.seed import (
    DEFAULT_COLLABORATION_ID,
    DEFAULT_MEMBERSHIP_ID,
)
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack, load_template_file
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions
from tests.cfn_lint import assert_lint_clean
from tests.local.conftest import CloudFactory

pytestmark = pytest.mark.slow

ACCOUNT: Final = "111122223333"
TEMPLATE: Final = (
    Path(__file__).resolve().parents[2] / "examples" / "cloudformation" / "model-owner.yaml"
)
OUTPUT_ROLE: Final = f"arn:aws:iam::{ACCOUNT}:role/audience-writer"
SEED_OWNER: Final = "444455556666"
HOUR: Final = 3600
PARAMETERS: Final = {
    "GlueDatabase": "ads",
    "GlueTable": "clicks",
    "DatasetName": "clicks",
    "OutputS3Uri": "s3://audiences/lookalikes/",
    "OutputRoleArn": OUTPUT_ROLE,
    "SeedOwnerAccount": SEED_OWNER,
    "CollaborationId": DEFAULT_COLLABORATION_ID,
    "MembershipId": DEFAULT_MEMBERSHIP_ID,
}


def provider_app(tmp_path: Path) -> Path:
    out = tmp_path / "provider.out"
    app = cdk.App(outdir=str(out))
    CleanRoomsMlProviderStack(
        app,
        env=cdk.Environment(account=ACCOUNT, region="us-east-1"),
        model_owner=ModelOwnerAllowList(
            training_dataset_arns=[f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:training-dataset/*"],
            output_role_arns=[OUTPUT_ROLE],
            membership_ids=[DEFAULT_MEMBERSHIP_ID],
        ),
    )
    app.synth()
    return out


def seed() -> dict[str, Any]:
    return {
        "audienceGenerationJobs": [],
        "memberships": [{"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": DEFAULT_COLLABORATION_ID}],
        "audienceModelDurations": {
            "pendingSeconds": 60,
            "inProgressSeconds": 3 * HOUR,
            "deletePendingSeconds": 30,
            "deleteInProgressSeconds": 60,
        },
    }


def test_the_template_is_cfn_lint_clean() -> None:
    assert_lint_clean(TEMPLATE)


def test_the_model_owners_half_from_the_plain_template(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    cloud = make_cloud(
        fast_clock=True, seed=seed(), options=DriverOptions(max_wait=240, no_response_grace=8.0)
    )
    provider = load_stack(provider_app(tmp_path), CleanRoomsMlProviderStack.DEFAULT_STACK_NAME)
    assert cloud.deploy(provider).status == "CREATE_COMPLETE"
    stack = load_template_file(TEMPLATE, stack_name="ModelOwner")

    result = cloud.deploy(stack, PARAMETERS)

    assert result.status == "CREATE_COMPLETE", result.reason
    configured_arn = result.outputs["ConfiguredAudienceModelArn"]
    policy = cloud.endpoint.backend.get_configured_audience_model_policy(configured_arn)
    text = str(policy["configuredAudienceModelPolicy"])
    assert f"arn:aws:iam::{SEED_OWNER}:root" in text
    assert DEFAULT_COLLABORATION_ID in text
    [association] = cloud.cleanrooms.backend.list_configured_audience_model_associations(
        DEFAULT_MEMBERSHIP_ID
    )
    assert association["id"] == result.outputs["AssociationId"]
    [model] = cloud.endpoint.backend.list_audience_models()
    assert model["audienceModelArn"] == result.outputs["AudienceModelArn"]
    assert result.outputs["AudienceModelStatus"] == "ACTIVE"  # read through the reader

    # Someone changes the policy outside the stack: the next update fails naming the drift,
    # and the policy stays theirs.
    theirs = '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"777788889999"},"Action":"*"}]}'
    cloud.endpoint.backend.put_configured_audience_model_policy(
        {"configuredAudienceModelArn": configured_arn, "configuredAudienceModelPolicy": theirs}
    )
    updated = cloud.deploy(stack, {**PARAMETERS, "SeedOwnerAccount": "555566667777"})
    assert updated.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "was changed outside this stack" in (updated.reason or "")
    policy = cloud.endpoint.backend.get_configured_audience_model_policy(configured_arn)
    assert policy["configuredAudienceModelPolicy"] == theirs

    assert cloud.destroy("ModelOwner").status == "DELETE_COMPLETE"
    assert cloud.endpoint.backend.list_configured_audience_models() == []
    assert cloud.endpoint.backend.list_audience_models() == []
    assert (
        cloud.cleanrooms.backend.list_configured_audience_model_associations(DEFAULT_MEMBERSHIP_ID)
        == []
    )
