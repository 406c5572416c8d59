"""Derived names across stacks, and OutputLocation without waiting, through the local driver."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import AudienceExport, AudienceSize
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import (
    JOB_ARN,
    export_properties,
    exports_of,
    write_assembly,
)

pytestmark = pytest.mark.slow

ATTRIBUTES = ("Name", "Status", "OutputLocation")
SERVICE_TOKEN = export_properties()["ServiceToken"]


def outputs_of(logical_id: str) -> dict[str, object]:
    return {a: {"Value": {"Fn::GetAtt": [logical_id, a]}} for a in ATTRIBUTES}


def test_one_template_as_two_stacks_gets_two_exports(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # The export exactly as the construct synthesizes it without `name`, served by the
    # harness's provider function.
    stack = Stack(App(), "Campaign")
    AudienceExport(
        stack,
        "Lookalikes",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(20),
    )
    (synthesized,) = [
        r
        for r in Template.from_stack(stack).to_json()["Resources"].values()
        if r["Type"] == RESOURCE_TYPE
    ]
    properties = {**synthesized["Properties"], "ServiceToken": SERVICE_TOKEN}
    resources = {"Lookalikes": {"Type": RESOURCE_TYPE, "Properties": properties}}
    cloud = make_cloud()
    names = {}
    for stack in ("CampaignBlue", "CampaignGreen"):
        app = write_assembly(tmp_path / stack, stack, resources, outputs=outputs_of("Lookalikes"))
        created = cloud.deploy(load_stack(app, stack))
        assert created.status == "CREATE_COMPLETE", created.reason
        names[stack] = created.outputs["Name"]
        # CloudFormation's own rule for physical names: stack name, logical id, suffix.
        assert str(names[stack]).startswith(f"{stack}-Lookalikes-")
    assert names["CampaignBlue"] != names["CampaignGreen"]
    exported = sorted((e["name"], e["status"]) for e in exports_of(cloud.endpoint))
    assert exported == sorted((str(n), "ACTIVE") for n in names.values())
    assert len(cloud.endpoint.calls_to("StartAudienceExportJob")) == 2

    # The same stack deployed again adopts its own export: the rule is stable.
    for stack in names:
        assert cloud.destroy(stack).status == "DELETE_COMPLETE"
    again = cloud.deploy(load_stack(tmp_path / "CampaignBlue", "CampaignBlue"))
    assert again.outputs["Name"] == names["CampaignBlue"]
    assert len(cloud.endpoint.calls_to("StartAudienceExportJob")) == 2


def test_output_location_of_an_export_not_waited_for(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    # A raw template that reads OutputLocation of an export it does not wait for: the stack
    # completes (no "Vendor response doesn't contain OutputLocation key" rollback after Start).
    props = export_properties(extra={"WaitForCompletion": "false"})
    app = write_assembly(
        tmp_path / "cdk.out",
        "NoWait",
        {"Export": {"Type": RESOURCE_TYPE, "Properties": props}},
        outputs=outputs_of("Export"),
    )
    cloud = make_cloud()
    created = cloud.deploy(load_stack(app, "NoWait"))
    assert created.status == "CREATE_COMPLETE", created.reason
    assert created.outputs["Status"] in {"CREATE_PENDING", "CREATE_IN_PROGRESS"}
    assert created.outputs["OutputLocation"] == ""
    assert [e["name"] for e in exports_of(cloud.endpoint)] == ["q4-lookalikes"]
    assert cloud.destroy("NoWait").status == "DELETE_COMPLETE"
