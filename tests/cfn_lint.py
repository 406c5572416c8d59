"""cfn-lint on every template the tests synthesize or ship, with the project's .cfnlintrc.yaml.

One in-process runner for the whole session (building it loads cfn-lint's schemas, ~1 s), and
each distinct template is linted once, so the gate costs a fraction of a second per template.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner import Runner

CONFIG = Path(__file__).resolve().parents[1] / ".cfnlintrc.yaml"
_clean: set[str] = set()


@functools.cache
def _runner() -> Runner:
    return Runner(ConfigMixIn(config_file=str(CONFIG)))


def findings(text: str) -> list[str]:
    """cfn-lint's errors and warnings for one template (JSON or YAML text), as readable lines."""
    template, errors = decode_str(text)
    matches = (
        list(errors or []) if template is None else list(_runner().validate_template(template))
    )
    return [f"{m.rule.id} {'/'.join(str(p) for p in m.path)}: {m.message}" for m in matches]


def assert_lint_clean(template: Mapping[str, Any] | str | Path, where: str = "") -> None:
    """Fail with cfn-lint's findings unless ``template`` (a dict, text or file) is clean."""
    if isinstance(template, Path):
        where = where or str(template)
        text = template.read_text(encoding="utf-8")
    elif isinstance(template, str):
        text = template
    else:
        text = json.dumps(template, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()
    if key in _clean:
        return
    found = findings(text)
    assert not found, f"cfn-lint findings in {where or 'template'}:\n" + "\n".join(found)
    _clean.add(key)


def assert_assembly_lint_clean(out: Path) -> None:
    """Every stack template of a synthesized cloud assembly is cfn-lint clean."""
    templates = sorted(out.glob("*.template.json"))
    assert templates, f"no templates in {out}"
    for template in templates:
        assert_lint_clean(template)
