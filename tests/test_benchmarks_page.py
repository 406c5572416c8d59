"""docs/benchmarks.md measures the code as it is: regenerate it (`make bench`) after a change."""

from __future__ import annotations

from pathlib import Path

from benchmarks.against_release import BASELINES, SIZE_NOISE, TIME_NOISE, verdict
from benchmarks.report import Goal, Row, code_fingerprint

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


def _section(text: str, title: str) -> str:
    return text.split(f"### {title}", 1)[1].split("\n### ", 1)[0]


def test_the_page_compares_with_the_previous_release_and_gives_a_verdict() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for commit, what in BASELINES:
        assert f"### Against {what} ({commit})" in text, "regenerate docs/benchmarks.md"
        section = _section(text, f"Against {what} ({commit})")
        for n in (1, 10, 100):
            assert f"| synth time, N={n} |" in section
            assert f"| template size, N={n} |" in section
        assert "| asset size, unzipped |" in section
        assert "| handler cold import, timed in process |" in section
        assert "not measured" not in section, "regenerate docs/benchmarks.md from a full clone"
        [verdict] = [line for line in section.splitlines() if line.startswith("- Verdict: ")]
        assert verdict.removeprefix("- Verdict: ").startswith(("none worse", "worse beyond"))


def test_the_verdict_names_the_rows_worse_beyond_noise() -> None:
    time_goal = Goal(TIME_NOISE, ratio=True)
    same = Row("synth time, N=1", "s", 1.05, 1.0, time_goal)
    slower = Row("synth time, N=10", "s", 1.2, 1.0, time_goal)
    bigger = Row("template size, N=1", "B", 101, 100, Goal(SIZE_NOISE, ratio=True))
    assert verdict([same]) == "none worse beyond noise"
    assert verdict([same, slower, bigger]) == (
        "worse beyond noise: synth time, N=10; template size, N=1"
    )
    assert verdict([Row("synth time, N=1", "s", 1.0, None, time_goal)]) == "not measured"
    assert verdict([]) == "not measured"
