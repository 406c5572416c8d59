"""Ctrl-C, SIGTERM and bad input on the command line: one line, no traceback, no orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local.cli import EXIT_USAGE, main
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.support import export_properties, write_assembly
from tests.local.test_driver import app_with

pytestmark = pytest.mark.slow


def handler_processes(state: Path) -> set[int]:
    """Pids of local Lambda runtime processes working for the state folder ``state``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "_bootstrap.py" in command and str(state) in command:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_handlers_and_keeps_the_state(tmp_path: Path, signum: int) -> None:
    app = app_with(tmp_path, "silent")
    state = tmp_path / "state"
    command = [sys.executable, "-m", "cdk_cleanrooms_ml.local", "deploy", "--app-dir", str(app)]
    process = subprocess.Popen(
        [*command, "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "CREATE_IN_PROGRESS" in line and RESOURCE_TYPE in line:
                break
        # The handler (it sleeps for a minute) has started.
        deadline = time.monotonic() + 30
        while not (handlers := handler_processes(state)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert handlers
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signum
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    name = signal.Signals(signum).name
    assert err.startswith(f"error: interrupted by {name}: handler processes stopped")
    assert "stack Misc is ROLLBACK_FAILED" in err
    assert "Traceback" not in out
    # No orphans: the handler died with the run.
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in handlers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in handlers)
    # What the run may have created is recorded: destroy sends it a Delete.
    recorded = json.loads((state / "stacks" / "Misc.json").read_text())
    assert recorded["status"] == "ROLLBACK_FAILED"
    assert sorted(recorded["resources"]) == [
        "ProviderFunction",
        "ProviderRole",
        "ProviderScheduleGroup",
        "ProviderSchedulerRole",
        "Res",
    ]
    assert main(["destroy", "--stack", "Misc", "--state-dir", str(state)]) == 0
    assert not (state / "stacks" / "Misc.json").exists()


@pytest.mark.parametrize(
    ("port", "needle"),
    [
        ("80000", "80000 is out of range"),
        ("-1", "-1 is out of range"),
        ("x", "'x' is not a port number"),
    ],
)
def test_a_bad_port_is_an_argument_error(
    port: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["deploy", "--port", port])
    assert caught.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"argument --port: {needle}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("relative", "content", "needle"),
    [
        ("stacks/Corrupt.json", "{", "is not valid JSON"),
        ("stacks/Corrupt.json", '{"stack_name": "Corrupt"}', "is not a stack's state"),
        ("cleanroomsml.json", "[1, 2", "cannot be read"),
        ("cleanroomsml.json", "[]", "cannot be read"),
        ("functions.json", "[]", "must hold a JSON object"),
        ("functions.json", '{"arn": {"stack": "x"}}', "cannot be read"),
        ("exports.json", '{"Name": 1}', "must be an object with value and stack"),
        ("seed.json", '{"sizes": []}', "unknown key 'sizes'"),
    ],
)
def test_corrupt_state_files_are_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, content: str, needle: str
) -> None:
    app = write_assembly(
        tmp_path / "cdk.out",
        "Corrupt",
        {"Export": {"Type": RESOURCE_TYPE, "Properties": export_properties()}},
    )
    state = tmp_path / "state"
    broken = state / relative
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text(content)
    code = main(["deploy", "--app-dir", str(app), "--state-dir", str(state)])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert str(broken) in err
    assert needle in err
    # The bad file is left for a person to look at, and the lock is free again.
    assert broken.read_text() == content
    assert (state / "lock").read_text() == ""
    assert not os.path.exists(state / "stacks" / "Export.json")
