"""The wheel as a user gets it: pip-installed alone into an empty venv, used outside the repo.

The venv sees no other site-packages (no ``--system-site-packages``, no ``.pth`` links) and pip
resolves the wheel's declared dependencies from the package index, so a package that only the
development environment has (boto3, say) cannot make this pass. From a scratch folder, the
pinned CDK CLI synthesizes a small user app and the ready provider app; then, with the ``local``
extra added, the user app's stack is deployed and destroyed offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cfn_lint import assert_assembly_lint_clean
from tools.check_distributions import SOURCES

ROOT = Path(__file__).resolve().parents[2]
PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"
CDK = ROOT / "node_modules" / ".bin" / "cdk"
README = (ROOT / "README.md").read_text(encoding="utf-8")
JOB_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/installed-job"

USER_APP = f"""
from aws_cdk import App, CfnOutput, CfnParameter, Stack
from cdk_cleanrooms_ml import AudienceExport, AudienceSize

app = App()
stack = Stack(app, "Installed")
size = CfnParameter(stack, "SizePercent", type="Number", default=10)
fixed = AudienceExport(stack, "Fixed",
    audience_generation_job_arn="{JOB_ARN}",
    audience_size=AudienceSize.absolute(50_000), name="installed-fixed")
by_parameter = AudienceExport(stack, "ByParameter",
    audience_generation_job_arn="{JOB_ARN}",
    audience_size=AudienceSize.percentage(size.value_as_number))
for export in (fixed, by_parameter):
    CfnOutput(stack, export.node.id + "Name", value=export.export_name)
    CfnOutput(stack, export.node.id + "Location", value=export.output_location)
app.synth()
"""

SEED = {
    "exportDurations": {"pendingSeconds": 0, "inProgressSeconds": 1},
    "audienceGenerationJobs": [
        {
            "audienceGenerationJobArn": JOB_ARN,
            "status": "ACTIVE",
            "offeredSizes": [
                {"type": "ABSOLUTE", "value": 50_000},
                {"type": "PERCENTAGE", "value": 10},
            ],
        }
    ],
}


def run(command: list[str], cwd: Path, env: dict[str, str], *, ok: bool = True) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if ok:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        return result.stdout
    assert result.returncode != 0, f"{command} should have failed\n{result.stdout}"
    return result.stderr


def build_wheel(work: Path) -> Path:
    # Built from a copy, so the repository's build/ (the editable tree) stays untouched.
    source = work / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    dist = work / "dist"
    env = dict(os.environ)
    run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        source,
        env,
    )
    (wheel,) = dist.glob("cdk_cleanrooms_ml-*.whl")
    return wheel


def user_env(venv: Path) -> dict[str, str]:
    """A user's shell with the venv activated: nothing of this repository's environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"} and not k.startswith("CDK_")
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    env.update(
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CI="true",
    )
    return env


def synth(app: str, out: Path, cwd: Path, env: dict[str, str]) -> None:
    run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--app", app, "--output", str(out)], cwd, env
    )
    assert_assembly_lint_clean(out)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once for this module's tests."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="the pinned CDK CLI is missing: run `make setup`")
def test_the_wheel_works_as_installed(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {
        "cdk_cleanrooms_ml/py.typed",
        "cdk_cleanrooms_ml/_handler/index.py",
        "cdk_cleanrooms_ml/_handler/rules.py",
        "cdk_cleanrooms_ml/_handler/py.typed",
        # The provider's archive, prebuilt with its hash (synth copies it, computes nothing).
        "cdk_cleanrooms_ml/_asset/provider.zip",
        "cdk_cleanrooms_ml/_asset/provider.zip.sha256",
        # For pip users: the plain templates and an example seed file.
        "cdk_cleanrooms_ml/examples/model-owner.yaml",
        "cdk_cleanrooms_ml/examples/audience-generation-job.yaml",
        "cdk_cleanrooms_ml/local/cleanroomsml/example_seed.json",
    } <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, dict(os.environ))
    python = str(venv / "bin" / "python")
    scratch = tmp_path / "user-project"  # outside the repository
    scratch.mkdir()
    env = user_env(venv)
    # pip resolves the declared dependencies from the index: nothing comes from this venv.
    run([python, "-m", "pip", "install", "--quiet", str(wheel)], scratch, env)
    where = json.loads(
        run(
            [
                python,
                "-c",
                "import json, sys, importlib.util, cdk_cleanrooms_ml;"
                "print(json.dumps([cdk_cleanrooms_ml.__file__, sys.path,"
                " importlib.util.find_spec('boto3') is not None]))",
            ],
            scratch,
            env,
        )
    )
    package, path, has_boto3 = where
    assert Path(package).is_relative_to(venv)
    assert not [p for p in path if p.startswith(str(ROOT))]
    assert [p for p in path if "-packages" in p] == [str(venv / "lib" / PYTHON / "site-packages")]
    # The point of this test: synth must not need boto3 (the Lambda runtime has it, users may not).
    assert has_boto3 is False

    (scratch / "app.py").write_text(USER_APP)
    synth(f"{python} app.py", scratch / "cdk.out", scratch, env)
    template = json.loads((scratch / "cdk.out" / "Installed.template.json").read_text())
    exports = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "Custom::CleanRoomsMlAudienceExport"
    ]
    assert [e["AudienceSize"]["Type"] for e in exports] == ["ABSOLUTE", "PERCENTAGE"]
    assert exports[1]["AudienceSize"]["Value"] == {"Ref": "SizePercent"}
    (staged,) = (scratch / "cdk.out").glob("asset.*.zip")
    with zipfile.ZipFile(staged) as archive:
        staged_names = set(archive.namelist())
    assert {"crhelper/resource_helper.py", "cleanrooms_ml_provider/index.py"} <= staged_names
    prebuilt = run(
        [python, "-c", "from cdk_cleanrooms_ml import asset; print(asset.archive().prebuilt)"],
        scratch,
        env,
    )
    assert prebuilt.strip() == "True"

    synth(f"{python} -m cdk_cleanrooms_ml.provider_app", scratch / "provider.out", scratch, env)
    assert (scratch / "provider.out" / "CleanRoomsMlAudienceExportProvider.template.json").is_file()

    # Without the extra, the offline harness says what to install, in one line.
    message = run([python, "-m", "cdk_cleanrooms_ml.local", "--help"], scratch, env, ok=False)
    assert "Traceback" not in message
    assert message.strip().count("\n") == 0
    assert "pip install 'cdk-cleanrooms-ml[local]'" in message

    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[local]"], scratch, env)
    (scratch / "seed.json").write_text(json.dumps(SEED))
    local = [python, "-m", "cdk_cleanrooms_ml.local"]
    deployed = run([*local, "deploy", "--stack", "Installed", "--seed", "seed.json"], scratch, env)
    assert "Installed.FixedName = installed-fixed" in deployed
    assert len(re.findall(r"^Installed\.\w+Location = s3://", deployed, re.MULTILINE)) == 2
    destroyed = run([*local, "destroy", "--stack", "Installed"], scratch, env)
    assert "DELETE_COMPLETE" in destroyed
    listed = run([*local, "examples"], scratch, env)
    assert "model-owner.yaml" in listed
    assert "seed.example.json" in listed
    run([*local, "examples", "--copy", "examples"], scratch, env)
    assert (
        (scratch / "examples" / "audience-export.yaml")
        .read_text()
        .startswith('AWSTemplateFormatVersion: "2010-09-09"')
    )


def quick_start_script(wheel: Path) -> str:
    """The README's pip quick start, as typed, but for the wheel under test and the pinned CLI
    of this checkout (the package index and the npm registry would serve the released ones)."""
    section = README.split("## Quick start (pip)", 1)[1].split("\n## ", 1)[0]
    script = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    typed = {
        "pip install 'cdk-cleanrooms-ml[local]'": f"pip install --quiet '{wheel}[local]'",
        "npm install --no-save aws-cdk@2.1148.1": f"ln -s {ROOT / 'node_modules'} node_modules",
    }
    for line, replacement in typed.items():
        assert line in script, line
        script = script.replace(line, replacement)
    return script


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="the pinned CDK CLI is missing: run `make setup`")
def test_the_readme_pip_quick_start_runs_as_typed(wheel: Path, tmp_path: Path) -> None:
    folder = tmp_path / "quick-start"  # an empty folder outside the repository
    folder.mkdir()
    env = user_env(folder / ".venv")

    out = run(["bash", "-euo", "pipefail", "-c", quick_start_script(wheel)], folder, env)

    assert "QuickStart: CREATE_COMPLETE" in out
    assert "QuickStart: UPDATE_COMPLETE" in out
    assert "QuickStart: DELETE_COMPLETE" in out
    assert re.search(r"^QuickStart\.ExportLocation = s3://", out, re.MULTILINE)
    assert "PERCENTAGE:10" in out
