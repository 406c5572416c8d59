"""Reading botocore's model patterns as the service does (Java), for the rules' property tests."""

from __future__ import annotations

import re
from typing import Any

from cdk_cleanrooms_ml._handler import rules

# Java: `$` (no MULTILINE) matches at the end or before a final line terminator, and `.` stops
# at line terminators.
JAVA_END = r"(?:\r\n|[\n\r\u0085\u2028\u2029])?\Z"
JAVA_DOT = "[^\n\r\u0085\u2028\u2029]"


def java(pattern: str) -> re.Pattern[str]:
    """A Python regex matching what Java's ``matches()`` accepts for the model's pattern.

    Python's \\uXXXX class escapes, like Java's, name single code points; re.ASCII makes \\s
    Java's [ \\t\\n\\x0B\\f\\r].
    """
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        elif char == "." and not in_class:
            out.append(JAVA_DOT)
        elif char == "$" and not in_class:
            out.append(JAVA_END)
        else:
            out.append(char)
    return re.compile("".join(out), re.ASCII)


def accepts(check: Any, *args: Any) -> bool:
    """Whether a rules check passes for ``args``."""
    try:
        check(*args)
    except rules.ValidationError:
        return False
    return True
