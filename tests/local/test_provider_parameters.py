"""A provider stack whose allow-lists are parameters (one template for every account), deployed
offline: the handler checks the values before the policy grants them, a refused value rolls
back, and a consumer reads the ServiceToken from SSM without locking anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
)
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.support import JOB_ARN, assert_rolled_back_empty, exports_of

pytestmark = pytest.mark.slow

PROVIDER = "OrgProvider"
CONSUMER = "TeamExports"
PARAMETER = "/cdk-cleanrooms-ml/service-token"
TEAM_JOBS = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/team-a-*"
SEED_ROLES = "arn:aws:iam::111122223333:role/seed-*"
ACCOUNT_JOBS = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/*"


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The environment-agnostic provider stack and a consumer of its SSM parameter."""
    out = tmp_path_factory.mktemp("provider-parameters") / "cdk.out"
    app = cdk.App(outdir=str(out))
    CleanRoomsMlProviderStack(
        app,
        PROVIDER,
        allow_lists_as_parameters=True,
        service_token_parameter_name=PARAMETER,
    )
    consumer = cdk.Stack(app, CONSUMER)
    AudienceExport(
        consumer,
        "Q4",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(20),
        name="org-q4",
        provider=CleanRoomsMlProvider.from_service_token_parameter(consumer, "Provider"),
    )
    app.synth()
    assert_assembly_lint_clean(out)
    return out


def policy_resources(cloud: LocalCloud) -> list[Any]:
    """The resources of each statement of the deployed AllowListsPolicy, as resolved."""
    state = cloud.driver.store.load_stack(PROVIDER)
    assert state is not None
    document = state.resources["AllowListsPolicy"].properties["PolicyDocument"]
    return [statement["Resource"] for statement in document["Statement"]]


def deploy_provider(cloud: LocalCloud, apps: Path, **parameters: str) -> Any:
    return cloud.deploy(load_stack(apps, PROVIDER), parameters)


def test_empty_lists_allow_the_account_and_a_consumer_reads_the_token_from_ssm(
    make_cloud: CloudFactory, apps: Path
) -> None:
    cloud = make_cloud()
    created = deploy_provider(cloud, apps)
    assert created.status == "CREATE_COMPLETE", created.reason
    [check] = [op for op in created.operations if op.event["LogicalResourceId"] != "Drain"]
    assert check.event["ResourceType"] == "Custom::CleanRoomsMlProviderAllowLists"
    assert check.event["ResourceProperties"]["AllowedJobArns"] == []
    jobs, models, own_jobs, roles = policy_resources(cloud)
    assert jobs == [ACCOUNT_JOBS]
    assert own_jobs == ACCOUNT_JOBS
    assert models == "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/*"
    assert roles == ["arn:aws:iam::111122223333:role/*"]

    consumed = cloud.deploy(load_stack(apps, CONSUMER))
    assert consumed.status == "CREATE_COMPLETE", consumed.reason
    token = created.outputs["ServiceToken"]
    [export] = consumed.operations
    assert export.event["ResourceProperties"]["ServiceToken"] == token
    assert [e["name"] for e in exports_of(cloud.endpoint)] == ["org-q4"]

    # Reading SSM locks nothing: the provider updates with the consumer in place.
    narrowed = deploy_provider(
        cloud, apps, AllowedJobArns=f"{JOB_ARN},{TEAM_JOBS}", AllowedSeedRoleArns=SEED_ROLES
    )
    assert narrowed.status == "UPDATE_COMPLETE", narrowed.reason
    jobs, _, _, roles = policy_resources(cloud)
    assert jobs == [JOB_ARN, TEAM_JOBS]
    assert roles == [SEED_ROLES]
    assert cloud.destroy(CONSUMER).status == "DELETE_COMPLETE"
    assert cloud.destroy(PROVIDER).status == "DELETE_COMPLETE"


def test_a_value_the_handler_refuses_rolls_the_update_back(
    make_cloud: CloudFactory, apps: Path
) -> None:
    cloud = make_cloud()
    assert deploy_provider(cloud, apps, AllowedJobArns=TEAM_JOBS).status == "CREATE_COMPLETE"
    other_account = TEAM_JOBS.replace("111122223333", "444455556666")
    refused = deploy_provider(cloud, apps, AllowedJobArns=f"{TEAM_JOBS},{other_account}")
    assert refused.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "AllowedJobArns[1]" in refused.reason
    assert "444455556666" in refused.reason
    # The policy still grants what it granted before the refused update.
    assert policy_resources(cloud)[0] == [TEAM_JOBS]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"AllowedJobArns": "*"}, "AllowedJobArns[0]"),
        ({"AllowedSeedRoleArns": "arn:aws:iam::444455556666:role/seed"}, "AllowedSeedRoleArns[0]"),
    ],
)
def test_a_refused_create_leaves_nothing(
    make_cloud: CloudFactory, apps: Path, parameters: dict[str, str], field: str
) -> None:
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    refused = deploy_provider(cloud, apps, **parameters)
    assert refused.status == "ROLLBACK_COMPLETE"
    assert field in refused.reason
    # The check failed, and its Delete on rollback (with the same refused values) succeeded.
    check = [(e.status, e.reason) for e in progress if e.logical_id.startswith("AllowListsCheck")]
    assert [status for status, _ in check] == [
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "DELETE_IN_PROGRESS",
        "DELETE_COMPLETE",
    ]
    assert field in check[1][1]
    assert_rolled_back_empty(cloud, PROVIDER)
