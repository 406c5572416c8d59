"""docs/benchmarks.md measures the code as it is: regenerate it (`make bench`) after a change."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import code_fingerprint

ROOT = Path(__file__).resolve().parents[1]


def test_page_was_generated_from_the_current_code() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert f"- Code measured: `{code_fingerprint()}`" in text, (
        "docs/benchmarks.md is older than the code it measures: run `make bench`"
    )


def test_fingerprint_follows_the_sources(tmp_path: Path) -> None:
    for folder in ("constructs/cdk_cleanrooms_ml", "lambda/cleanrooms_ml_provider"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "a.py").write_text("X = 1\n")
    base = code_fingerprint(tmp_path)
    (tmp_path / "lambda/cleanrooms_ml_provider/__pycache__").mkdir()
    (tmp_path / "lambda/cleanrooms_ml_provider/__pycache__/a.pyc").write_bytes(b"\0")
    assert code_fingerprint(tmp_path) == base
    (tmp_path / "lambda/cleanrooms_ml_provider/a.py").write_text("X = 2\n")
    assert code_fingerprint(tmp_path) != base


def test_long_waits_were_measured_against_the_previous_release() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    section = text.split("### Waiting beyond one hour", 1)[1].split("\n### ", 1)[0]
    assert "| 1 h wait: billed Lambda seconds per hour waited |" in section
    # Without git history the peer is not run: a page written so has no ratios to show.
    assert "not measured" not in section, "regenerate docs/benchmarks.md from a full clone"
