"""The state folder's JSON files: written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local.jsonfile import write_json_atomic


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"b": [2, 3]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"b": [2, 3]}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_json_atomic(path, {"kept": True})
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json_atomic(path, {"broken": object()})
    assert json.loads(path.read_text(encoding="utf-8")) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_removed_folder_is_not_recreated(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_json_atomic(tmp_path / "gone" / "state.json", {})
    assert not (tmp_path / "gone").exists()
