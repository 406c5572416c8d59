"""``python -m cdk_cleanrooms_ml.local``: what a person runs and reads."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed
from cdk_cleanrooms_ml.local.cli import EXIT_FAILED, EXIT_USAGE, main
from cdk_cleanrooms_ml.local.server import LoopbackServer
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE, SERVED
from tests.local.support import (
    EVERY_TYPE,
    EXAMPLE,
    JOB_ARN,
    export_properties,
    write_assembly,
)

pytestmark = pytest.mark.slow

OUTPUTS = {
    "ExportStatus": {"Value": {"Fn::GetAtt": ["Q4Lookalikes", "Status"]}},
    "ExportOutputLocation": {"Value": {"Fn::GetAtt": ["Q4Lookalikes", "OutputLocation"]}},
}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    props = export_properties(size_value={"Ref": "Size"})
    return write_assembly(
        tmp_path / "cdk.out",
        "AudienceExportExample",
        {"Q4Lookalikes": {"Type": RESOURCE_TYPE, "Properties": props}},
        parameters={"Size": {"Type": "Number", "Default": 20}},
        outputs=OUTPUTS,
    )


@pytest.fixture
def fast_seed(tmp_path: Path) -> Path:
    seed = default_seed()
    seed["exportDurations"] = {"pendingSeconds": 0.2, "inProgressSeconds": 0.5}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_deploy_update_destroy(app: Path, fast_seed: Path, tmp_path: Path) -> None:
    common = [
        "--app-dir",
        str(app),
        "--state-dir",
        str(tmp_path / "state"),
        "--seed",
        str(fast_seed),
    ]
    code, text = run("deploy", *common)
    assert code == 0, text
    lines = text.splitlines()
    assert any(
        re.search(r"Q4Lookalikes\s+Custom::CleanRoomsMlAudienceExport\s+CREATE_IN_PROGRESS", x)
        for x in lines
    )
    assert any(
        re.search(
            r"Q4Lookalikes\s+Custom::CleanRoomsMlAudienceExport\s+CREATE_COMPLETE \(\d+\.\d s\)", x
        )
        for x in lines
    )
    assert "AudienceExportExample.ExportStatus = ACTIVE" in text
    assert re.search(r"AudienceExportExample.ExportOutputLocation = s3://\S+", text)
    assert "  Status = ACTIVE" in text
    assert "CREATE_COMPLETE" in lines[-1]

    code, text = run("deploy", *common)
    assert code == 0
    assert "NO_CHANGES" in text

    code, text = run("deploy", *common, "--parameters", "Size=25")
    assert code == EXIT_FAILED
    assert "UPDATE_FAILED" in text
    assert "UPDATE_ROLLBACK_COMPLETE" in text

    code, text = run("destroy", *common)
    assert code == 0, text
    assert re.search(r"Q4Lookalikes\s+Custom::CleanRoomsMlAudienceExport\s+DELETE_COMPLETE", text)
    assert not (tmp_path / "state" / "stacks" / "AudienceExportExample.json").exists()
    # The endpoint remembers the export: it has no delete API.
    endpoint_state = json.loads((tmp_path / "state" / "cleanroomsml.json").read_text())
    assert [e["name"] for e in endpoint_state["exportJobs"]] == ["q4-lookalikes"]


def test_help_names_every_resource_type_and_the_state_folder_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as top:
        main(["--help"])
    assert top.value.code == 0
    described = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for words in SERVED.values():
        assert words in described
    with pytest.raises(SystemExit):
        main(["deploy", "--help"])
    assert "(default: .local-deploy)" in " ".join(capsys.readouterr().out.split())


def test_clear_errors(tmp_path: Path, app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    code, _ = run("deploy", "--app-dir", str(tmp_path / "nowhere"), *state)
    assert code == EXIT_USAGE
    assert "not found: synthesize the app first (cdk synth)" in capsys.readouterr().err

    empty = write_assembly(tmp_path / "empty.out", "Nothing", {})
    code, _ = run("deploy", "--app-dir", str(empty), *state)
    assert code == EXIT_USAGE
    assert f"has no {EVERY_TYPE} resources" in capsys.readouterr().err

    with LoopbackServer([]) as busy:
        port = busy.port
        code, _ = run("deploy", "--app-dir", str(app), *state, "--port", str(port))
    assert code == EXIT_USAGE
    assert f"error: port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err

    code, _ = run("destroy", "--app-dir", str(app), *state)
    assert code == EXIT_USAGE
    assert "is not deployed locally" in capsys.readouterr().err

    with pytest.raises(SystemExit) as bad_runtime:
        run("deploy", "--app-dir", str(app), *state, "--runtime-packages", str(tmp_path))
    assert bad_runtime.value.code == EXIT_USAGE
    assert f"{tmp_path} holds no boto3/ and botocore/ folders" in capsys.readouterr().err


def test_module_entry_point_with_relative_paths(app: Path, fast_seed: Path, tmp_path: Path) -> None:
    # As a person runs it: from the project directory, with the default cdk.out and state dir.
    assert app == tmp_path / "cdk.out"
    command = [sys.executable, "-m", "cdk_cleanrooms_ml.local", "deploy", "--seed", fast_seed.name]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CREATE_COMPLETE" in done.stdout
    assert (tmp_path / ".local-deploy" / "stacks" / "AudienceExportExample.json").exists()
    command[3] = "destroy"
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DELETE_COMPLETE" in done.stdout


def test_serve_runs_the_endpoint_until_interrupted(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "cdk_cleanrooms_ml.local",
        "serve",
        "--state-dir",
        str(tmp_path / "s"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        client = boto3.client(
            "cleanroomsml",
            endpoint_url=match.group(1),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        job = client.get_audience_generation_job(audienceGenerationJobArn=JOB_ARN)
        assert job["status"] == "ACTIVE"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_plain_template_after_the_provider_stack(tmp_path: Path, fast_seed: Path) -> None:
    provider = write_assembly(
        tmp_path / "provider.out",
        "Provider",
        {},
        outputs={
            "ServiceToken": {
                "Value": {"Fn::GetAtt": ["ProviderFunction", "Arn"]},
                "Export": {"Name": CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME},
            }
        },
    )
    common = ["--state-dir", str(tmp_path / "state"), "--seed", str(fast_seed)]
    code, text = run("deploy", "--app-dir", str(provider), *common)
    assert code == 0, text
    code, text = run(
        "deploy",
        "--template",
        str(EXAMPLE),
        "--stack",
        "PlainExport",
        *common,
        "--parameters",
        f"AudienceGenerationJobArn={JOB_ARN}",
        "AudienceSizeType=PERCENTAGE",
        "AudienceSizeValue=10",
        "ExportName=from-yaml",
    )
    assert code == 0, text
    assert "PlainExport.Status = ACTIVE" in text
    code, text = run("destroy", "--stack", "PlainExport", *common)
    assert code == 0, text


def test_console_script_is_the_same_command(app: Path, fast_seed: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("cdk-cleanrooms-ml-local")
    assert script.is_file(), "pyproject.toml [project.scripts] installs it beside python"
    shown = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: cdk-cleanrooms-ml-local ")
    done = subprocess.run(
        [str(script), "deploy", "--seed", fast_seed.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CREATE_COMPLETE" in done.stdout


@pytest.mark.parametrize("entry", ["module", "script"])
def test_without_the_local_extra_both_entry_points_say_what_to_install(entry: str) -> None:
    # botocore is what the harness imports up front (PyYAML and cryptography only when used).
    # None in sys.modules makes `import botocore` raise ModuleNotFoundError, as when absent.
    missing = "botocore"
    start = (
        "import runpy; runpy.run_module('cdk_cleanrooms_ml.local', run_name='__main__')"
        if entry == "module"
        else "from cdk_cleanrooms_ml.local.entry import main; sys.exit(main())"
    )
    probe = f"import sys; sys.modules[{missing!r}] = None; {start}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == EXIT_USAGE
    # One line, naming what is missing (the submodule being imported) and what to install.
    assert re.fullmatch(
        rf"cdk_cleanrooms_ml\.local needs the 'local' extra \({missing}(\.\w+)* is not "
        r"installed\): pip install 'cdk-cleanrooms-ml\[local\]'\n",
        done.stderr,
    ), done.stderr
