"""Snapshots of the example app's synthesized templates: one JSON file per stack of each app
mode, ``templates/<mode>/<stack>.json``, compared by ``tests/test_snapshots.py``.

Regenerated only on purpose, after a change to a template's meaning (``regenerate.py``)::

    .venv/bin/python -m tests.snapshots.regenerate
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parents[1]
TEMPLATES: Final = HERE / "templates"
REGENERATE: Final = ".venv/bin/python -m tests.snapshots.regenerate"


def snapshot_file(mode: str, stack: str) -> Path:
    return TEMPLATES / mode / f"{stack}.json"


def dumps(template: dict[str, Any]) -> str:
    """The file format: sorted keys (their order means nothing to CloudFormation), one line per
    value, so a snapshot's diff in review shows just what changed."""
    return json.dumps(template, indent=1, sort_keys=True) + "\n"


def committed() -> dict[tuple[str, str], Path]:
    """(mode, stack) -> its snapshot file, for every file under ``templates/``."""
    return {(path.parent.name, path.stem): path for path in sorted(TEMPLATES.glob("*/*.json"))}
