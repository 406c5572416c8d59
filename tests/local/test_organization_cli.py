"""``deploy --organization FILE`` / ``destroy --organization FILE``: the StackSet app deployed to
an organization from the command line, and what the mode refuses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local.cli import EXIT_USAGE, main
from tests.local.stack_set_support import MANAGEMENT, MEMBERS, STACK_SET, synth_stack_set

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_stack_set(tmp_path_factory.mktemp("organization-cli") / "cdk.out")


@pytest.fixture
def organization_file(tmp_path: Path) -> Path:
    path = tmp_path / "organization.json"
    path.write_text(
        json.dumps(
            {
                "id": "o-abcdef1234",
                "managementAccount": MANAGEMENT,
                "units": {"ou-ab12-cdef3456": {"accounts": [MEMBERS[0]]}},
            }
        )
    )
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_an_assembly_with_a_stack_set_deploys_to_the_organization_and_goes_away(
    app: Path, organization_file: Path, tmp_path: Path
) -> None:
    common = ("--app-dir", str(app), "--organization", str(organization_file))
    state = ("--state-dir", str(tmp_path / "state"))
    code, out = run("deploy", *common, *state, "--max-wait", "60")
    assert code == 0, out
    assert "✅  CleanRoomsMlProviderStackSet: CREATE_COMPLETE" in out
    # Progress lines name their account and region; the summary lists the instances.
    assert f"{MEMBERS[0]} eu-west-1 " in out
    instances = [line for line in out.splitlines() if line.startswith(f"  {MEMBERS[0]} ")]
    assert len(instances) == 2
    assert all("CREATE_COMPLETE  CURRENT" in line for line in instances)
    assert f"StackSet {STACK_SET} (" in out

    code, out = run("destroy", *common, *state)
    assert code == 0, out
    assert out.count("retained: cdk-cleanrooms-ml-provider-") == 2
    assert f"StackSet {STACK_SET} (" not in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--seed", "seed.json"), "--seed cannot be used with --organization"),
        (("--parameters", "A=b"), "--parameters cannot be used with --organization"),
    ],
)
def test_single_stack_options_are_refused(
    app: Path,
    organization_file: Path,
    extra: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run("deploy", "--app-dir", str(app), "--organization", str(organization_file), *extra)
    assert code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_a_missing_organization_file_is_one_line(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.json"
    code, _ = run("destroy", "--app-dir", str(app), "--organization", str(missing))
    assert code == EXIT_USAGE
    assert capsys.readouterr().err.strip() == f"error: InvalidInputException: {missing} not found"
