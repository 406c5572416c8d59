"""Seed files: every mistake is one clear error naming the file, the key and the rule; the seed
a run was given is kept in the state folder for the runs after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed, load_seed_file
from cdk_cleanrooms_ml.local.cli import EXIT_USAGE, main
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.support import export_properties, write_assembly

OTHER_JOB = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/other-job"


def _job(**changes: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "audienceGenerationJobArn": OTHER_JOB,
        "offeredSizes": [{"type": "PERCENTAGE", "value": 15}],
    }
    job.update(changes)
    return job


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("[]", ["top level must be an object", "list"]),
        ("{nope", ["is not valid JSON"]),
        (
            json.dumps({"audienceGenerationJobs": [], "exportDurations": {"pendingSeconds": "x"}}),
            ["exportDurations.pendingSeconds", "must be a number of seconds >= 0", "'x'"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [], "exportDurations": {"pendingSeconds": -1}}),
            ["exportDurations.pendingSeconds", ">= 0"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [_job(sizes=[])]}),
            ["audienceGenerationJobs[0]", "unknown key 'sizes'", "offeredSizes"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [], "durations": {}}),
            ["unknown key 'durations'", "exportDurations"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [_job(activeAfterSeconds=True)]}),
            ["audienceGenerationJobs[0].activeAfterSeconds", "number of seconds"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [_job(name=5)]}),
            ["audienceGenerationJobs[0].name", "must be a string"],
        ),
        (
            json.dumps({"audienceGenerationJobs": [{"offeredSizes": []}]}),
            ["audienceGenerationJobs[0].audienceGenerationJobArn", "required"],
        ),
    ],
)
def test_bad_seed_files_name_the_file_the_key_and_the_rule(
    tmp_path: Path, content: str, needles: list[str]
) -> None:
    path = tmp_path / "seed.json"
    path.write_text(content)
    with pytest.raises(SeedError) as caught:
        load_seed_file(path)
    message = str(caught.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message


def test_missing_seed_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"seed file .*missing\.json not found"):
        load_seed_file(tmp_path / "missing.json")
    with pytest.raises(SeedError, match="is a folder; pass a JSON file"):
        load_seed_file(tmp_path)


def test_the_shipped_seed_passes_the_checks(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(default_seed()))
    assert load_seed_file(path) == default_seed()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "needle"),
    [
        ("missing.json", "missing.json not found"),
        (".", "is a folder"),
        ("list.json", "top level must be an object"),
    ],
)
def test_the_cli_reports_a_bad_seed_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: str, needle: str
) -> None:
    (tmp_path / "list.json").write_text("[]")
    app = write_assembly(
        tmp_path / "cdk.out",
        "Seeded",
        {"Export": {"Type": RESOURCE_TYPE, "Properties": export_properties()}},
    )
    argv = ["deploy", "--app-dir", str(app), "--state-dir", str(tmp_path / "state")]
    code = main([*argv, "--seed", str(tmp_path / seed)])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("error: seed file ")
    assert needle in err
    # Refused before anything ran: no state was written.
    assert not (tmp_path / "state" / "stacks").exists()


@pytest.mark.slow
def test_the_seed_is_kept_for_the_next_run(tmp_path: Path, make_cloud: CloudFactory) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"audienceGenerationJobs": [_job()]}))
    props = export_properties(job_arn=OTHER_JOB, size_value={"Ref": "Size"})
    app = write_assembly(
        tmp_path / "cdk.out",
        "Seeded",
        {"Export": {"Type": RESOURCE_TYPE, "Properties": props}},
        parameters={"Size": {"Type": "Number", "Default": 15}},
    )
    first = make_cloud(seed=seed)
    assert first.deploy(load_stack(app)).status == "CREATE_COMPLETE"
    first.close()
    assert json.loads((tmp_path / "state" / "seed.json").read_text()) == json.loads(
        seed.read_text()
    )
    # No seed given: the kept one, so the job is still there and its sizes still checked.
    second = make_cloud()
    assert list(second.endpoint.backend.generation_jobs) == [OTHER_JOB]
    refused = second.deploy(load_stack(app), {"Size": "20"})
    assert refused.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "not found" not in refused.reason
    assert "20" in refused.reason and "15" in refused.reason, refused.reason
    assert second.destroy("Seeded").status == "DELETE_COMPLETE"
