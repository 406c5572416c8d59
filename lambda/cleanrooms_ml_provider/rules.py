"""Shared property primitives: the error, the type parsers and the text rules every field uses.

Stdlib only: the construct imports this package at synth time (as ``cdk_cleanrooms_ml._handler``)
and the Lambda handler at deploy time (as ``cleanrooms_ml_provider``). The limits are those of
the botocore service model ``cleanroomsml/2023-09-06``; botocore itself checks only the minimums.
Each resource type declares its fields in ``fields/``; ARNs, tags and names have their own
modules (``arns``, ``tags``, ``names``).

Every check raises :class:`RuleError` naming the field (as the caller spells it:
``name`` in Python, ``Name`` in a template) and the rule that was broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final, NoReturn

NAME_MAX: Final = 63
DESCRIPTION_MAX: Final = 255
TIMEOUT_MIN_SECONDS: Final = 1
TIMEOUT_MAX_SECONDS: Final = 3600
# Far beyond every range here; longer numbers are refused before Python converts them.
INT_MAX_DIGITS: Final = 18

# The model's class is [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\t]. The service
# matches it Java-style on UTF-16, where the surrogate escapes never pair up, so characters above
# U+FFFF (emoji) are outside it; lone surrogates cannot be sent as UTF-8 at all.
_NAME_CHARS: Final = re.compile("[\t\u0020-\ud7ff\ue000-\ufffd]*")
_DESCRIPTION_CHARS: Final = re.compile("[\t\r\n\u0020-\ud7ff\ue000-\ufffd]*")
# Java's \s (in the model's "(?!\s*$)") is ASCII-only, and Java's $ also matches before one
# final line terminator (so "  \u2028" is blank to the service).
_JAVA_BLANK: Final = re.compile("[ \t\n\x0b\f\r]*(?:\r\n|[\n\r\u0085\u2028\u2029])?")
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_BOOLEANS: Final = {"true": True, "false": False}


class ValidationError(ValueError):
    """A property value that breaks a rule of the service model."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


RuleError = ValidationError


def _first_bad_char(value: str, allowed: re.Pattern[str]) -> str | None:
    for char in value:
        if not allowed.fullmatch(char):
            return char
    return None


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def check_length(field: str, value: str, low: int, high: int) -> None:
    """``low`` to ``high`` characters."""
    if len(value) < low:
        raise RuleError(field, f"{len(value)} characters, at least {low} required")
    if len(value) > high:
        raise RuleError(field, f"{len(value)} characters, at most {high} allowed")


def check_pattern(field: str, value: str, pattern: re.Pattern[str], what: str) -> None:
    """The whole of ``value`` matches ``pattern`` (else it is echoed, cut, as not ``what``)."""
    if not pattern.fullmatch(value):
        raise RuleError(field, f"{value[:80]!r} is not {what}")


def check_name(value: str, field: str = "name", most: int = NAME_MAX) -> str:
    """1-63 (or ``most``) characters of the model's class, not blank."""
    check_length(field, value, 1, most)
    bad = _first_bad_char(value, _NAME_CHARS)
    if bad is not None:
        raise RuleError(
            field,
            f"character {_describe(bad)} is not allowed (tab and U+0020-U+D7FF, "
            "U+E000-U+FFFD only; no emoji or other characters above U+FFFF)",
        )
    if _JAVA_BLANK.fullmatch(value):
        raise RuleError(field, "must not be blank")
    return value


def check_description(value: str, field: str = "description") -> str:
    """0-255 characters of the model's class (which also allows CR and LF)."""
    check_length(field, value, 0, DESCRIPTION_MAX)
    bad = _first_bad_char(value, _DESCRIPTION_CHARS)
    if bad is not None:
        raise RuleError(
            field,
            f"character {_describe(bad)} is not allowed (tab, CR, LF and U+0020-U+D7FF, "
            "U+E000-U+FFFD only; no emoji or other characters above U+FFFF)",
        )
    return value


def check_timeout_seconds(value: int, field: str = "timeout") -> int:
    """CloudFormation's ServiceTimeout: 1-3600 seconds."""
    if not TIMEOUT_MIN_SECONDS <= value <= TIMEOUT_MAX_SECONDS:
        raise RuleError(
            field,
            f"{value} seconds is out of range "
            f"({TIMEOUT_MIN_SECONDS} to {TIMEOUT_MAX_SECONDS} seconds)",
        )
    return value


def _too_many_digits(field: str, digits: int) -> NoReturn:
    raise RuleError(
        field, f"a {digits:,}-digit number is out of range (at most {INT_MAX_DIGITS} digits)"
    )


def parse_int(raw: object, field: str) -> int:
    """A whole number, from an int or a decimal string (CloudFormation stringifies numbers)."""
    if isinstance(raw, bool):
        raise RuleError(field, f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        # Python refuses to print ints past 4,300 digits: measure without converting.
        if abs(raw) >= 10**INT_MAX_DIGITS:
            _too_many_digits(field, raw.bit_length() * 30103 // 100000 + 1)
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return parse_int(int(raw), field)
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        digits = raw.strip().lstrip("+-").lstrip("0")
        if len(digits) > INT_MAX_DIGITS:
            _too_many_digits(field, len(digits))
        return int(raw.strip())
    return reject(field, raw, "a whole number")


def parse_bool(raw: object, field: str) -> bool:
    """A boolean, from a bool or CloudFormation's "true"/"false"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOLEANS:
        return _BOOLEANS[raw.strip().lower()]
    return reject(field, raw, "true or false")


def parse_str(raw: object, field: str) -> str:
    """A string, as it is."""
    if isinstance(raw, str):
        return raw
    return reject(field, raw, "a string")


def secret_str(raw: object, field: str) -> str:
    """Like :func:`parse_str`, without echoing a sensitive value."""
    if not isinstance(raw, str):
        raise RuleError(field, f"a {type(raw).__name__} is not a string")
    return raw


def reject(field: str, raw: object, wanted: str) -> NoReturn:
    """The error for ``raw`` (echoed, cut to 40 characters as JSON) not being ``wanted``."""
    shown = json.dumps(raw, default=str)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    raise RuleError(field, f"{shown} is not {wanted}")


def check_keys(raw: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
    """No key but ``allowed`` (``where`` prefixes the first unknown one in the error)."""
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise RuleError(
            f"{where}{unknown[0]}",
            f"unknown property; allowed: {', '.join(allowed)}",
        )


def required(raw: Mapping[str, object], key: str, field: str) -> object:
    """``raw[key]``, which must be there and not null."""
    if key not in raw or raw[key] is None:
        raise RuleError(field, "is required")
    return raw[key]


def object_of(
    raw: object, field: str, keys: tuple[str, ...], *, secret: bool = False
) -> Mapping[str, object]:
    """A template object with no key but ``keys``."""
    if not isinstance(raw, Mapping):
        if secret:
            raise RuleError(field, f"a {type(raw).__name__} is not an object")
        reject(field, raw, f"an object with {', '.join(keys)}")
    check_keys(raw, keys, f"{field}.")
    return raw


def string_map(raw: object, field: str, *, secret: bool = False) -> dict[str, str]:
    """A template object of names to strings (its values not echoed when ``secret``)."""
    if not isinstance(raw, Mapping):
        if secret:
            raise RuleError(field, f"a {type(raw).__name__} is not an object")
        reject(field, raw, "an object of names to strings")
    parse = secret_str if secret else parse_str
    return {str(key): parse(value, f"{field}.{str(key)[:40]}") for key, value in raw.items()}
