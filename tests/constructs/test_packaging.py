"""The built wheel, installed in a fresh venv outside the repository, synthesizes a working asset.

The wheel is installed without its dependencies, which the fresh venv sees through a ``.pth``
line naming this environment's site-packages: no download, and no way for this repository's
editable install to shadow the wheel (``.pth`` files are only read in site directories, so the
editable install's own ``.pth`` is never processed there). The test asserts the package really
is imported from the fresh venv, and the wheel's metadata declares the dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.cfn_lint import assert_assembly_lint_clean

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "constructs", "lambda")

APP = """
import json, sys
from pathlib import Path
import cdk_cleanrooms_ml
from aws_cdk import App, Stack
from cdk_cleanrooms_ml import AudienceExport, AudienceSize

app = App(outdir=sys.argv[1])
stack = Stack(app, "Installed")
AudienceExport(stack, "Export",
    audience_generation_job_arn="arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/j",
    audience_size=AudienceSize.percentage(20))
app.synth()
print(json.dumps({"package": cdk_cleanrooms_ml.__file__}))
"""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(work: Path) -> Path:
    # Built from a copy, so the repository's build/ (the editable tree) stays untouched.
    source = work / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)], source)
    (wheel,) = dist.glob("cdk_cleanrooms_ml-*.whl")
    return wheel


@pytest.mark.slow
def test_installed_wheel_synthesizes_the_asset(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line.split(":", 1)[1].strip()
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    assert {"cdk_cleanrooms_ml/py.typed", "cdk_cleanrooms_ml/_handler/index.py"} <= names
    assert "cdk_cleanrooms_ml/_handler/rules.py" in names
    assert sorted(r.split("<")[0].split(">")[0].split("=")[0] for r in requires) == [
        "aws-cdk-lib",
        "constructs",
        "crhelper",
    ]

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(
        run(
            [str(python), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
        ).strip()
    )
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        tmp_path,
    )

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    out = project / "cdk.out"
    report = json.loads(run([str(python), "app.py", str(out)], project, env).splitlines()[-1])
    assert Path(report["package"]).is_relative_to(purelib)

    assert_assembly_lint_clean(out)
    template = json.loads((out / "Installed.template.json").read_text())
    (function,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    ]
    asset = out / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    assert {"audience_export/index.py", "audience_export/rules.py"} <= files
    assert "crhelper/resource_helper.py" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
