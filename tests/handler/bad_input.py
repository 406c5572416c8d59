"""One bad-input case of a resource's matrix: the properties, and the field and rule the error
must name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    props: Any
    field: str  # exactly the field the error names
    rule: str  # and a fragment of the rule
