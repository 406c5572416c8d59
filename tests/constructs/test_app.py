"""The example app: inputs from context, defaults that work."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as example
from cdk_cleanrooms_ml import ValidationError
from tests.constructs.support import only_export_properties, run_app, template_of

ROOT = Path(__file__).resolve().parents[2]


def synth(context: dict[str, Any] | None = None) -> dict[str, Any]:
    stack = example.AudienceExportExampleStack(App(context=context), example.STACK_NAME)
    return template_of(stack)


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


def test_defaults_synthesize_one_export() -> None:
    template = synth()
    properties = only_export_properties(template)
    assert properties["AudienceGenerationJobArn"] == example.DEFAULTS["job_arn"]
    assert properties["AudienceSize"] == {"Type": "PERCENTAGE", "Value": 20}
    assert "Name" not in properties  # derived by the handler from the deployed stack's name
    assert properties["Description"] == example.DEFAULTS["description"]
    assert set(template["Outputs"]) == {"ExportName", "ExportStatus", "ExportOutputLocation"}


def test_context_overrides_every_input() -> None:
    job_arn = "arn:aws:cleanrooms-ml:eu-west-1:444455556666:audience-generation-job/other"
    properties = only_export_properties(
        synth(
            {
                "job_arn": job_arn,
                "size_type": "absolute",
                "size_value": "50000",
                "name": "my-export",
                "description": "",
            }
        )
    )
    assert properties["AudienceGenerationJobArn"] == job_arn
    assert properties["AudienceSize"] == {"Type": "ABSOLUTE", "Value": 50000}
    assert properties["Name"] == "my-export"
    assert "Description" not in properties


def test_bad_context_names_the_input() -> None:
    with pytest.raises(
        ValidationError, match=r"^audience_size\.value: \"ten\" is not a whole number"
    ):
        synth({"size_value": "ten"})
    with pytest.raises(ValidationError, match=r"^audience_size\.value: 101 is out of range"):
        synth({"size_value": "101"})


@pytest.mark.slow
def test_python3_app_py_synthesizes(tmp_path: Path) -> None:
    # What cdk.json's "app" runs.
    run_app(["python3", "app.py"], cwd=ROOT, outdir=tmp_path, context={"size_value": 10})
    template = json.loads((tmp_path / f"{example.STACK_NAME}.template.json").read_text())
    assert only_export_properties(template)["AudienceSize"]["Value"] == 10
