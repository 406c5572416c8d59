"""Scanning log output for secrets: every Lambda invocation's log file and whatever else a run
printed, line by line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


@dataclass(frozen=True)
class Leak:
    source: str  # a log file's path, or the name of another output
    line_number: int
    secret: str
    line: str


def lambda_logs(log_dir: Path) -> dict[str, str]:
    """Every file under ``log_dir`` (one per invocation), by path."""
    return {
        str(path): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(log_dir.rglob("*"))
        if path.is_file()
    }


def _forms(secret: str) -> set[str]:
    # As written, and as JSON or a URL would encode it, in any case.
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret)}
    return {form.casefold() for form in forms}


def find_leaks(outputs: Mapping[str, str], secrets: Iterable[str]) -> list[Leak]:
    """Each line of ``outputs`` that shows one of ``secrets`` (ignoring case, encoded or not)."""
    forms = {secret: _forms(secret) for secret in secrets if secret}
    leaks = []
    for source, text in outputs.items():
        for number, line in enumerate(text.splitlines(), start=1):
            folded = line.casefold()
            leaks += [
                Leak(source, number, secret, line)
                for secret, shown in forms.items()
                if any(form in folded for form in shown)
            ]
    return leaks
