"""``cdk synth`` of app.py through the pinned CDK CLI (package.json), as on a fresh clone."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cdk_cleanrooms_ml import GENERATION_JOB_RESOURCE_TYPE
from tests.cfn_lint import assert_assembly_lint_clean
from tests.constructs.support import child_env, only_export_properties, resources_of_type
from tests.processes import run_ok

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"


@pytest.mark.slow
@pytest.mark.skipif(
    not CDK.exists(), reason="the pinned CDK CLI is not installed: run `npm ci` (make setup)"
)
def test_cdk_synth_of_the_example_app(tmp_path: Path) -> None:
    env = child_env(
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CI="true",
    )
    run_ok(
        [
            str(CDK),
            "synth",
            "--quiet",
            "--no-notices",
            "--output",
            str(tmp_path / "cdk.out"),
            "-c",
            "size_value=10",
            "-c",
            "name=from-the-cli",
        ],
        cwd=ROOT,
        env=env,
    )
    out = tmp_path / "cdk.out"
    assert_assembly_lint_clean(out)
    template = json.loads((out / "AudienceExportExample.template.json").read_text())
    properties = only_export_properties(template)
    assert properties["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 10}
    assert properties["Name"] == "from-the-cli"
    # cdk.json's default: the export is of the generation job the stack declares.
    [job_id] = resources_of_type(template, GENERATION_JOB_RESOURCE_TYPE)
    assert properties["AudienceGenerationJobArn"] == {
        "Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]
    }
    (function,) = resources_of_type(template, "AWS::Lambda::Function").values()
    # The CLI asks for asset metadata: the staged asset it points at holds the handler.
    asset = out / function["Metadata"]["aws:asset:path"]
    with zipfile.ZipFile(asset) as archive:
        names = set(archive.namelist())
    assert {"cleanrooms_ml_provider/index.py", "crhelper/resource_helper.py"} <= names
