"""The harness's clock: real time by default, virtual time shared through one file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local import clock as clock_module
from cdk_cleanrooms_ml.local.clock import ClockError, FileClock, SystemClock, clock_for

HOUR = 3600.0

# A separate interpreter that knows the clock only by its file path, as a Lambda process does.
ADVANCER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("clock", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
clock = module.FileClock.attach(sys.argv[2])
for _ in range(int(sys.argv[3])):
    clock.sleep(float(sys.argv[4]))
print(clock.offset())
"""


def advance_in_process(path: Path, times: int, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-c",
            ADVANCER,
            str(clock_module.__file__),
            str(path),
            str(times),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_real_time_unless_asked(tmp_path: Path) -> None:
    clock = clock_for(tmp_path / "clock.json", fast=False)
    assert isinstance(clock, SystemClock)
    assert not clock.fast
    assert not (tmp_path / "clock.json").exists()
    with pytest.raises(ClockError, match="real time cannot be moved"):
        clock.advance(1)


def test_fast_sleep_jumps_instead_of_sleeping(tmp_path: Path) -> None:
    clock = clock_for(tmp_path / "clock.json", fast=True)
    assert isinstance(clock, FileClock)
    before_virtual, before_real = clock.now(), time.monotonic()
    clock.sleep(6 * HOUR)
    assert clock.now() - before_virtual >= 6 * HOUR
    # Not a speed measurement: six hours did not really pass.
    assert time.monotonic() - before_real < 60
    assert clock.offset() == pytest.approx(6 * HOUR)
    clock.sleep(0)
    clock.sleep(-5)
    assert clock.offset() == pytest.approx(6 * HOUR)


def test_offset_is_shared_with_another_process(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = FileClock.start(path, fast=True)
    clock.advance(HOUR)
    child = advance_in_process(path, 1, 2 * HOUR)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    # The child saw the parent's hour, and the parent sees the child's two.
    assert float(out) == pytest.approx(3 * HOUR)
    assert clock.offset() == pytest.approx(3 * HOUR)
    assert clock.now() == pytest.approx(time.time() + 3 * HOUR, abs=5)


def test_concurrent_sleepers_lose_no_jump(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    FileClock.start(path, fast=True)
    children = [advance_in_process(path, 100, 1.0) for _ in range(3)]
    for child in children:
        child.communicate(timeout=120)
        assert child.returncode == 0
    assert FileClock.attach(path).offset() == pytest.approx(300.0)


def test_the_mode_travels_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    FileClock.start(path, fast=True).advance(HOUR)
    assert FileClock.attach(path).fast
    # A later real-time run on the same folder keeps its time (jobs stamped in it stay past)
    # but really sleeps.
    later = clock_for(path, fast=False)
    assert isinstance(later, FileClock)
    assert not later.fast
    assert not FileClock.attach(path).fast
    assert later.offset() == pytest.approx(HOUR)


def test_time_only_moves_forward(tmp_path: Path) -> None:
    clock = FileClock.start(tmp_path / "clock.json", fast=True)
    with pytest.raises(ClockError, match="only moves forward"):
        clock.advance(-1)
    moment = clock.now() + 90
    clock.advance_to(moment)
    assert clock.now() >= moment
    offset = clock.offset()
    clock.advance_to(moment - 1000)
    assert clock.offset() == offset


def test_a_damaged_clock_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text("[1, 2]")
    with pytest.raises(ClockError, match=r"clock file .*clock\.json must hold"):
        FileClock.attach(path).now()
