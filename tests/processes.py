"""Running a command as a test step: its output is shown when it fails."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def run_ok(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run ``command``; it must exit 0 (else the assertion shows its stdout and stderr)."""
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{list(command)}\n{result.stdout}\n{result.stderr}"
    return result
