"""``python -m cdk_cleanrooms_ml.local examples``: the shipped templates and seed file, listed,
printed and copied; the seed example holds every key the seed file knows, and loads."""

from __future__ import annotations

import io
import json
from pathlib import Path

from cdk_cleanrooms_ml.local.cleanrooms.responses import CleanRoomsEndpoint
from cdk_cleanrooms_ml.local.cleanroomsml import seed as seed_module
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.cli import main
from cdk_cleanrooms_ml.local.examples import SEED_EXAMPLE, example_files

ROOT = Path(__file__).resolve().parents[2]


def test_every_template_of_the_repository_is_an_example() -> None:
    shipped = {name for name in example_files() if name.endswith(".yaml")}

    assert shipped == {p.name for p in (ROOT / "examples" / "cloudformation").glob("*.yaml")}


def test_the_seed_example_has_every_key_and_serves() -> None:
    seed = json.loads(example_files()[SEED_EXAMPLE].read_text(encoding="utf-8"))

    assert set(seed) == set(seed_module._SEED_KEYS)
    endpoint = CleanRoomsMlEndpoint(seed=seed)
    assert [m["name"] for m in endpoint.backend.list_audience_models()] == ["shoppers"]
    CleanRoomsEndpoint(endpoint)  # its memberships parse too


def test_the_command_lists_prints_and_copies(tmp_path: Path) -> None:
    listed, printed, copied = io.StringIO(), io.StringIO(), io.StringIO()

    assert main(["examples"], listed) == 0
    assert main(["examples", "model-owner.yaml"], printed) == 0
    assert main(["examples", "--copy", str(tmp_path / "ex")], copied) == 0

    assert "seed.example.json" in listed.getvalue()
    assert printed.getvalue() == (ROOT / "examples/cloudformation/model-owner.yaml").read_text()
    assert sorted(p.name for p in (tmp_path / "ex").iterdir()) == sorted(example_files())
    unknown = io.StringIO()
    assert main(["examples", "nope.yaml"], unknown) == 2
    assert "one of: " in unknown.getvalue()
