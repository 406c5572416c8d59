"""Runs sharing a state folder, a folder removed mid-run, forced destroys, parallel creation and
custom resources of other types."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cleanroomsml.models import ExportDurations
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed
from cdk_cleanrooms_ml.local.cli import EXIT_USAGE, main
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.errors import StateLockedError, StateLostError
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import (
    EVERY_TYPE,
    JOB_ARN,
    assert_rolled_back_empty,
    export_properties,
    write_assembly,
)
from tests.local.test_driver import PROVIDER

pytestmark = pytest.mark.slow


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def export_app(out: Path, stack: str, names: list[str], **extra: Any) -> Path:
    resources = {
        name.title().replace("-", ""): {
            "Type": RESOURCE_TYPE,
            "Properties": export_properties(name=name, **extra),
        }
        for name in names
    }
    return write_assembly(out, stack, resources)


# --- the lock --------------------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_is_refused_at_once(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    first = make_cloud()
    with pytest.raises(StateLockedError) as caught:
        make_cloud()
    message = str(caught.value)
    assert f"pid {os.getpid()}" in message
    assert "in use by another run" in message
    assert "--state-dir" in message
    first.close()
    # Free again once the first run ends.
    make_cloud().close()


def test_a_lock_left_by_a_dead_process_is_taken_over(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    lock = tmp_path / "state" / "lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(f"{_dead_pid()}\n")
    cloud = make_cloud()
    assert lock.read_text().strip() == str(os.getpid())
    cloud.close()


def test_concurrent_cli_deploys_on_one_folder_lose_nothing(tmp_path: Path) -> None:
    seed = default_seed()
    # The first deploy is still running when the second starts.
    seed["exportDurations"] = {"pendingSeconds": 3, "inProgressSeconds": 0.5}
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    state = tmp_path / "state"
    one = export_app(tmp_path / "one.out", "One", ["first-export"])
    two = export_app(tmp_path / "two.out", "Two", ["second-export"])
    common = ["--state-dir", str(state), "--seed", str(seed_file)]
    command = [sys.executable, "-m", "cdk_cleanrooms_ml.local", "deploy", "--app-dir", str(one)]
    process = subprocess.Popen([*command, *common], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "CREATE_IN_PROGRESS" in line and RESOURCE_TYPE in line:
                break
        code = main(["deploy", "--app-dir", str(two), *common])
        assert code == EXIT_USAGE
        rest = process.stdout.read()
        assert process.wait(timeout=120) == 0, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert main(["deploy", "--app-dir", str(two), *common]) == 0
    stacks = sorted(p.stem for p in (state / "stacks").glob("*.json"))
    assert stacks == ["One", "Two"]
    endpoint = json.loads((state / "cleanroomsml.json").read_text())
    assert sorted(e["name"] for e in endpoint["exportJobs"]) == ["first-export", "second-export"]


def test_refusal_names_the_owner_in_one_line(
    tmp_path: Path, make_cloud: CloudFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    make_cloud()
    app = export_app(tmp_path / "cdk.out", "Locked", ["x"])
    code = main(["deploy", "--app-dir", str(app), "--state-dir", str(tmp_path / "state")])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"in use by another run (pid {os.getpid()}" in err


# --- TLS per run ---------------------------------------------------------------------------------


def test_each_run_has_its_own_private_certificate_authority(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    first = make_cloud()
    second = make_cloud(state_dir=tmp_path / "other")
    ca_first = Path(first.emulator.runtime.environment["SSL_CERT_FILE"])
    ca_second = Path(second.emulator.runtime.environment["SSL_CERT_FILE"])
    assert ca_first != ca_second
    # Never in the shared state folder, where another run could rewrite it.
    assert first.store.directory not in ca_first.parents
    kept = ca_first.read_bytes()
    third = make_cloud(state_dir=tmp_path / "third")
    assert ca_first.read_bytes() == kept
    third.close()
    first.close()
    assert not ca_first.exists()
    assert ca_second.exists()


# --- the state folder removed mid-run --------------------------------------------------------


def test_state_folder_removed_mid_deploy_stops_and_the_next_run_starts_afresh(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    state = tmp_path / "state"
    app = export_app(tmp_path / "cdk.out", "Removed", ["removed"])

    def remove_on_create(event: ProgressEvent) -> None:
        if event.status == "CREATE_IN_PROGRESS" and event.resource_type == RESOURCE_TYPE:
            shutil.rmtree(state)

    cloud = make_cloud(
        on_progress=remove_on_create,
        durations=ExportDurations(pending=30, in_progress=30),
        options=DriverOptions(max_wait=600, no_response_grace=600),
    )
    with pytest.raises(StateLostError, match="was removed while Removed was in progress"):
        cloud.deploy(load_stack(app))
    cloud.close()
    # Nothing half-saved was recreated: a fresh deploy and destroy just work.
    assert not (state / "stacks").exists()
    again = make_cloud()
    assert again.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    assert again.destroy("Removed").status == "DELETE_COMPLETE"


# --- destroy --force -------------------------------------------------------------------------


def test_destroy_force_forgets_a_stack_whose_handler_cannot_run(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    app = export_app(tmp_path / "cdk.out", "Stuck", ["stuck"])
    cloud = make_cloud()
    assert cloud.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    # The provider's code is gone: every Delete fails.
    for asset in app.glob("asset.*"):
        shutil.rmtree(asset)
    failed = cloud.destroy("Stuck")
    assert failed.status == "DELETE_FAILED"
    assert "destroy --force" in failed.reason
    assert cloud.store.load_stack("Stuck") is not None
    forced = cloud.destroy("Stuck", force=True)
    assert forced.status == "DELETE_COMPLETE"
    assert "left behind: Stuck" in forced.reason
    assert cloud.store.load_stack("Stuck") is None
    assert all(owner != "Stuck" for owner, _ in cloud.store.functions().values())


def test_destroy_force_removes_an_unreadable_stack_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    broken = state / "stacks" / "Broken.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    base = ["destroy", "--stack", "Broken", "--state-dir", str(state), "--app-dir", "none"]
    assert main(base) == EXIT_USAGE
    err = capsys.readouterr().err
    assert str(broken) in err and "not valid JSON" in err
    assert main([*base, "--force"]) == 0
    assert not broken.exists()


# --- parallel creation -----------------------------------------------------------------------


def test_independent_exports_are_created_in_parallel_dependents_after(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    resources: dict[str, Any] = {
        name: {"Type": RESOURCE_TYPE, "Properties": export_properties(name=name.lower())}
        for name in ("Alpha", "Bravo", "Charlie")
    }
    resources["Delta"] = {
        "Type": RESOURCE_TYPE,
        "Properties": export_properties(
            name="delta", size_value=10, description={"Fn::GetAtt": ["Bravo", "Status"]}
        ),
    }
    app = write_assembly(tmp_path / "cdk.out", "Parallel", resources)
    progress: list[ProgressEvent] = []
    cloud = make_cloud(progress=progress)
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    lines = [(e.logical_id, e.status) for e in progress if e.resource_type == RESOURCE_TYPE]
    first_complete = min(i for i, (_, status) in enumerate(lines) if status == "CREATE_COMPLETE")
    started_together = {lid for lid, status in lines[:first_complete]}
    assert started_together == {"Alpha", "Bravo", "Charlie"}
    assert lines.index(("Delta", "CREATE_IN_PROGRESS")) > lines.index(("Bravo", "CREATE_COMPLETE"))
    # Each answer was checked against its own request.
    assert sorted(op.logical_id for op in result.operations) == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
    ]
    assert all(op.status == "SUCCESS" for op in result.operations)
    assert sorted(str(e["name"]) for e in cloud.endpoint.exports(JOB_ARN)) == [
        "alpha",
        "bravo",
        "charlie",
        "delta",
    ]
    # Deleted in the reverse of the order they completed: Delta before Bravo.
    destroyed = cloud.destroy("Parallel")
    order = [op.logical_id for op in destroyed.operations]
    assert order.index("Delta") < order.index("Bravo")


def test_a_failure_rolls_back_the_resources_created_beside_it(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    resources = {
        "Good": {"Type": RESOURCE_TYPE, "Properties": export_properties(name="good")},
        # Not offered by the job: the service refuses it.
        "Bad": {"Type": RESOURCE_TYPE, "Properties": export_properties(name="bad", size_value=7)},
    }
    app = write_assembly(tmp_path / "cdk.out", "Mixed", resources)
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app))
    assert result.status == "ROLLBACK_COMPLETE"
    deletes = {op.logical_id: op.status for op in result.operations_of("Delete")}
    assert deletes == {"Good": "SUCCESS", "Bad": "SUCCESS"}
    assert_rolled_back_empty(cloud, "Mixed")


# --- other custom resource types -----------------------------------------------------------


def _misc_provider(tmp_path: Path) -> Path:
    asset = tmp_path / "provider-src"
    (asset / "cleanrooms_ml_provider").mkdir(parents=True, exist_ok=True)
    (asset / "cleanrooms_ml_provider" / "__init__.py").write_text("")
    (asset / "cleanrooms_ml_provider" / "index.py").write_text(textwrap.dedent(PROVIDER))
    return asset


def test_a_misspelt_custom_type_goes_to_its_service_token(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    typo = "Custom::CleanRoomsMlAudienceExprot"
    props = {"ServiceToken": {"Fn::GetAtt": ["ProviderFunction", "Arn"]}, "Mode": "typo"}
    app = write_assembly(
        tmp_path / "cdk.out",
        "Typo",
        {"Res": {"Type": typo, "Properties": props}},
        asset_source=_misc_provider(tmp_path),
    )
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app))
    assert result.status == "CREATE_COMPLETE", result.reason
    [create] = result.operations
    assert create.event["ResourceType"] == typo
    assert create.physical_id == "id-typo"
    assert result.resources["Res"].type == typo
    destroyed = cloud.destroy("Typo")
    assert [(op.request_type, op.status) for op in destroyed.operations] == [("Delete", "SUCCESS")]


def test_a_custom_type_whose_token_is_not_local_fails_clearly(
    tmp_path: Path, make_cloud: CloudFactory
) -> None:
    typo = "Custom::CleanRoomsMlAudienceExprot"
    token = "arn:aws:lambda:us-east-1:111122223333:function:somewhere-else"
    app = write_assembly(
        tmp_path / "cdk.out",
        "Typo",
        {
            "Good": {"Type": RESOURCE_TYPE, "Properties": export_properties(name="good")},
            "Res": {"Type": typo, "Properties": {"ServiceToken": token}},
        },
    )
    cloud = make_cloud()
    result = cloud.deploy(load_stack(app))
    assert result.status == "ROLLBACK_COMPLETE"
    assert f"ServiceToken {token} is not a Lambda function deployed locally" in result.reason
    assert f"CloudFormation would send this {typo} resource to it" in result.reason
    # Every type the provider serves is suggested, not only the export.
    assert f"(is the type meant to be {EVERY_TYPE}?)" in result.reason
