"""The lifecycle of stacks synthesized from the ``AudienceExport`` construct itself.

A bare ``App(outdir=...)`` synth, as a test or a script does it: no ``aws:asset:path`` metadata,
so the driver finds the provider's code from ``Code.S3Key`` in the cloud assembly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import pytest

from cdk_cleanrooms_ml import AudienceExport, AudienceSize
from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from tests.cfn_lint import assert_assembly_lint_clean
from tests.local.conftest import CloudFactory
from tests.local.support import JOB_ARN, exports_of

pytestmark = pytest.mark.slow

STACK = "Example"


def synth(out: Path, build: Callable[[cdk.Stack], None]) -> Path:
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="111122223333", region="us-east-1"))
    build(stack)
    app.synth()
    assert_assembly_lint_clean(out)
    return out


def example(stack: cdk.Stack) -> None:
    size = cdk.CfnParameter(stack, "Size", type="Number", default=20)
    # A token size: the name is derived by the handler at deploy time.
    lookalikes = AudienceExport(
        stack,
        "Q4Lookalikes",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(size.value_as_number),
    )
    # Concrete values: the construct names it at synth time.
    fixed = AudienceExport(
        stack,
        "Fixed",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(50_000),
        name="fixed-50k",
        description="Fifty thousand",
    )
    cdk.CfnOutput(stack, "Status", value=lookalikes.status)
    cdk.CfnOutput(stack, "OutputLocation", value=lookalikes.output_location)
    cdk.CfnOutput(stack, "ExportName", value=lookalikes.export_name)
    cdk.CfnOutput(stack, "FixedName", value=fixed.export_name)


@pytest.fixture(scope="module")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(tmp_path_factory.mktemp("synth") / "cdk.out", example)


def test_synthesized_stack_create_replace_destroy(
    example_app: Path, make_cloud: CloudFactory
) -> None:
    stack = load_stack(example_app)
    resources = stack.template["Resources"]
    assert all("aws:asset:path" not in (r.get("Metadata") or {}) for r in resources.values())
    [function_id] = stack.lambda_functions()

    cloud = make_cloud()
    created = cloud.deploy(stack)
    assert created.status == "CREATE_COMPLETE", created.reason
    function = cloud.emulator.function(created.operations[0].event["ServiceToken"])
    assert function is not None
    assert function.code_dir.parent == example_app.resolve()
    assert function.code_dir.name.startswith("asset.")
    assert function.handler == "cleanrooms_ml_provider.index.handler"
    assert function.timeout_seconds == 300
    assert function.logical_id == function_id
    assert created.outputs["Status"] == "ACTIVE"
    assert created.outputs["OutputLocation"].startswith("s3://")
    assert created.outputs["FixedName"] == "fixed-50k"
    for op in created.operations:
        props = op.event["ResourceProperties"]
        assert all(isinstance(v, str) for v in props.values() if not isinstance(v, dict))
        assert all(isinstance(v, str) for v in props["AudienceSize"].values())
    derived = created.outputs["ExportName"]
    assert sorted((e["name"], e["audienceSize"]["value"]) for e in exports_of(cloud.endpoint)) == [
        (derived, 20),
        ("fixed-50k", 50_000),
    ]

    replaced = cloud.deploy(stack, {"Size": "10"})
    assert replaced.status == "UPDATE_COMPLETE", replaced.reason
    assert [op.request_type for op in replaced.operations] == ["Update", "Delete"]
    assert replaced.outputs["ExportName"] != derived
    assert replaced.outputs["FixedName"] == "fixed-50k"
    sizes = sorted(e["audienceSize"]["value"] for e in exports_of(cloud.endpoint))
    assert sizes == [10, 20, 50_000]

    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE"
    assert len(destroyed.operations_of("Delete")) == 2
    assert len(exports_of(cloud.endpoint)) == 3


def test_synthesized_stack_through_the_continuation(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    def one_export(stack: cdk.Stack) -> None:
        AudienceExport(
            stack,
            "Slow",
            audience_generation_job_arn=JOB_ARN,
            audience_size=AudienceSize.percentage(50),
            name="slow",
            # Room for a poll that fires a minute late on a loaded machine (the fast clock
            # jumps to the next schedule; a slow handler start moves virtual time on too).
            timeout=cdk.Duration.minutes(5),
        )

    app = synth(tmp_path / "cdk.out", one_export)
    # A 15 s function waits about 10 s inline (the rest is kept for the last call, the hand-over
    # and the answer); the export takes 20 s, so a poll scheduled for later must finish the
    # wait (on the fast clock: the minute until it fires passes at once).
    cloud = make_cloud(
        function_timeout=15,
        durations=ExportDurations(pending=2, in_progress=18),
        fast_clock=True,
    )
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    [create] = result.operations
    assert create.event["ResourceProperties"]["ServiceTimeout"] == "300"
    assert len(create.invocations) >= 2
    assert {inv.source for inv in create.invocations[1:]} == {"scheduler"}
    assert create.data["Status"] == "ACTIVE"
    state = json.loads((cloud.store.directory / "cleanroomsml.json").read_text())
    assert [e["name"] for e in state["exportJobs"]] == ["slow"]
