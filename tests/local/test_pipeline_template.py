"""The pipeline path: the library's provider stack once, then the plain YAML example template.

Deployed through the local CloudFormation driver against the embedded endpoint, as a pipeline
would with ``cdk deploy`` and then ``aws cloudformation deploy``: the handler receives the
properties as raw CloudFormation sends them (strings) and behaves as it does under CDK.
"""

from __future__ import annotations

from typing import Any

import pytest

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_template_file
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.cfn_lint import assert_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.support import EXAMPLE, JOB_ARN, exports_of

pytestmark = pytest.mark.slow

PROVIDER = CleanRoomsMlProviderStack.DEFAULT_STACK_NAME
STACK = "PipelineExport"


@pytest.fixture
def cloud(provider_cloud: LocalCloud) -> LocalCloud:
    return provider_cloud


def parameters(**overrides: str) -> dict[str, str]:
    given = {
        "AudienceGenerationJobArn": JOB_ARN,
        "AudienceSizeType": "PERCENTAGE",
        "AudienceSizeValue": "20",
        "ExportName": "pipeline-q4",
        "ExportDescription": "From the pipeline",
        "TimeoutSeconds": "600",
    }
    given.update(overrides)
    return given


def deploy(cloud: LocalCloud, **overrides: str) -> Any:
    return cloud.deploy(load_template_file(EXAMPLE, stack_name=STACK), parameters(**overrides))


def test_example_template_is_cfn_lint_clean() -> None:
    assert_lint_clean(EXAMPLE)


def test_create_update_delete_from_the_plain_template(cloud: LocalCloud) -> None:
    token = cloud.driver.store.exports()[CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME]["value"]

    created = deploy(cloud)
    assert created.status == "CREATE_COMPLETE", created.reason
    assert set(created.outputs) == {"Name", "Status", "OutputLocation"}
    assert created.outputs["Name"] == "pipeline-q4"
    assert created.outputs["Status"] == "ACTIVE"
    assert created.outputs["OutputLocation"].startswith("s3://")
    assert created.outputs["OutputLocation"].rstrip("/").endswith("/pipeline-q4")
    [create] = created.operations
    # Exactly what raw CloudFormation sends: every leaf a string, the token imported.
    assert create.event["ResourceProperties"] == {
        "ServiceToken": token,
        "ServiceTimeout": "600",
        "AudienceGenerationJobArn": JOB_ARN,
        "AudienceSize": {"Type": "PERCENTAGE", "Value": "20"},
        "Name": "pipeline-q4",
        "Description": "From the pipeline",
        "WaitForCompletion": "true",
    }
    assert [(e["name"], e["audienceSize"]) for e in exports_of(cloud.endpoint)] == [
        ("pipeline-q4", {"type": "PERCENTAGE", "value": 20})
    ]

    # A custom-named export cannot change size in place: the update fails and rolls back.
    refused = deploy(cloud, AudienceSizeValue="10")
    assert refused.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "custom name" in refused.reason
    assert len(exports_of(cloud.endpoint)) == 1

    # Without a name it is derived: a new export replaces the resource, the old one is deleted.
    replaced = deploy(cloud, AudienceSizeValue="10", ExportName="")
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    assert [op.request_type for op in replaced.operations] == ["Update", "Delete"]
    derived = replaced.outputs["Name"]
    assert derived not in {"", "pipeline-q4"}
    assert "Name" not in replaced.operations[0].event["ResourceProperties"]
    assert sorted((e["name"], e["audienceSize"]["value"]) for e in exports_of(cloud.endpoint)) == (
        sorted([("pipeline-q4", 20), (derived, 10)])
    )

    # The same parameters again: CloudFormation sees no change and invokes nothing.
    unchanged = deploy(cloud, AudienceSizeValue="10", ExportName="")
    assert unchanged.status == "NO_CHANGES", unchanged.reason
    assert unchanged.operations == []
    assert unchanged.outputs["Name"] == derived
    assert len(exports_of(cloud.endpoint)) == 2

    # The provider cannot go while a stack imports its token.
    assert cloud.destroy(PROVIDER).status == "DELETE_FAILED"
    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    # Exports have no Delete API: they stay in Clean Rooms ML.
    assert len(exports_of(cloud.endpoint)) == 2
    # With no importer left, the provider stack can go too.
    assert cloud.destroy(PROVIDER).status == "DELETE_COMPLETE"


def test_values_the_template_accepts_but_the_service_rejects_start_nothing(
    cloud: LocalCloud,
) -> None:
    # The template's parameter rules allow 150; the handler knows PERCENTAGE stops at 100.
    failed = deploy(cloud, AudienceSizeValue="150")
    assert failed.status == "ROLLBACK_COMPLETE"
    assert "AudienceSize.Value" in failed.reason
    assert "100" in failed.reason
    # As CloudFormation: a stack whose creation rolled back is deleted before a new try.
    assert cloud.destroy(STACK).status == "DELETE_COMPLETE"
    # A size the job does not offer is refused before anything starts, too.
    offered = deploy(cloud, AudienceSizeValue="30")
    assert offered.status == "ROLLBACK_COMPLETE"
    assert "30" in offered.reason
    assert cloud.endpoint.calls_to("StartAudienceExportJob") == []


def test_the_template_needs_the_provider_stack(make_cloud: CloudFactory) -> None:
    cloud = make_cloud()
    failed = deploy(cloud)
    assert not failed.succeeded
    assert CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME in failed.reason
    assert exports_of(cloud.endpoint) == []
