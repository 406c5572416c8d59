"""The API reference (tools/api_reference.py) renders with no warning, and a warning fails it.

The full run imports aws-cdk-lib in a fresh process, as ``make api-reference`` does (about
10 s); the failure path renders a small module of its own, with no CDK involved.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Final

import pytest

from tools import api_reference

ROOT: Final = Path(__file__).resolve().parents[1]
# The public classes a reader looks for first: each has its section on the package's page.
MAIN_CLASSES: Final = (
    "AudienceExport",
    "AudienceGenerationJob",
    "AudienceModel",
    "AudienceSize",
    "CleanRoomsMlProvider",
    "CleanRoomsMlProviderOptions",
    "CleanRoomsMlProviderStack",
    "ConfiguredAudienceModel",
    "ConfiguredAudienceModelAssociation",
    "ConfiguredAudienceModelPolicy",
    "SeedAudience",
    "TrainingDataset",
    "ValidationError",
)


@pytest.mark.slow
def test_the_reference_renders_without_warnings(tmp_path: Path) -> None:
    output = tmp_path / "api"
    result = subprocess.run(
        [sys.executable, "-m", "tools.api_reference", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = output / "cdk_cleanrooms_ml.html"
    assert page.is_file(), sorted(p.name for p in output.iterdir())
    assert (output / "index.html").is_file()
    html = page.read_text(encoding="utf-8")
    for name in MAIN_CLASSES:
        assert f'id="{name}"' in html, f"{name} has no section in the reference"
    # Internals stay out: no page for the handler or the harness's modules.
    pages = {path.relative_to(output).as_posix() for path in output.rglob("*.html")}
    assert not {
        p for p in pages if p.startswith(("cdk_cleanrooms_ml/_handler", "cdk_cleanrooms_ml/local"))
    }


def test_a_warning_fails_the_run_and_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src"
    package.mkdir()
    (package / "warned_module.py").write_text(
        textwrap.dedent(
            '''
            """A module pdoc warns about."""

            import logging

            logging.getLogger("warned_module").warning("noise while importing")


            def take(value: "NoSuchName") -> None:
                """An annotation pdoc cannot resolve."""
            '''
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(package))
    found = api_reference.write_reference(tmp_path / "out", modules=("warned_module",), excluded=())
    assert any("NoSuchName" in line and "warned_module.take" in line for line in found), found
    assert any(line == "log WARNING warned_module: noise while importing" for line in found)
    assert (tmp_path / "out" / "warned_module.html").is_file()


def test_main_exits_non_zero_on_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def warned(output: Path) -> list[str]:
        return ["UserWarning (x.py:1): something"]

    monkeypatch.setattr(api_reference, "write_reference", warned)
    assert api_reference.main(["--output", str(tmp_path)]) == 1
    assert "UserWarning (x.py:1): something" in capsys.readouterr().err
