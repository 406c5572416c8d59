"""Property rules of an audience export, written once.

Stdlib only: the construct imports this module at synth time (as
``cdk_cleanrooms_ml._handler.rules``) and the Lambda handler at deploy time (as
``audience_export.rules``). The limits are those of the botocore service model
``cleanroomsml/2023-09-06``; botocore itself checks only the minimums.

Every check raises :class:`RuleError` naming the field (as the caller spells it:
``name`` in Python, ``Name`` in a template) and the rule that was broken.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, NoReturn

NAME_MAX: Final = 63
DESCRIPTION_MAX: Final = 255
JOB_ARN_MIN: Final = 20
JOB_ARN_MAX: Final = 2048
ABSOLUTE_MAX: Final = 20_000_000
PERCENTAGE_MAX: Final = 100
SIZE_TYPES: Final = ("ABSOLUTE", "PERCENTAGE")
TIMEOUT_MIN_SECONDS: Final = 1
TIMEOUT_MAX_SECONDS: Final = 3600
PHYSICAL_ID_MAX_BYTES: Final = 1024
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
_JOB_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-generation-job/[-a-zA-Z0-9_/.]+"
)
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


def _check_length(field: str, value: str, low: int, high: int) -> None:
    if len(value) < low:
        raise RuleError(field, f"{len(value)} characters, at least {low} required")
    if len(value) > high:
        raise RuleError(field, f"{len(value)} characters, at most {high} allowed")


def check_name(value: str, field: str = "name") -> str:
    """1-63 characters of the model's class, not blank."""
    _check_length(field, value, 1, NAME_MAX)
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
    _check_length(field, value, 0, DESCRIPTION_MAX)
    bad = _first_bad_char(value, _DESCRIPTION_CHARS)
    if bad is not None:
        raise RuleError(
            field,
            f"character {_describe(bad)} is not allowed (tab, CR, LF and U+0020-U+D7FF, "
            "U+E000-U+FFFD only; no emoji or other characters above U+FFFF)",
        )
    return value


def check_job_arn(value: str, field: str = "audience_generation_job_arn") -> str:
    """20-2048 characters, an audience generation job ARN."""
    _check_length(field, value, JOB_ARN_MIN, JOB_ARN_MAX)
    if not _JOB_ARN.fullmatch(value):
        raise RuleError(
            field,
            f"{value[:80]!r} is not an audience generation job ARN (arn:<partition>:"
            "cleanrooms-ml:<region>:<12-digit account>:audience-generation-job/<id>)",
        )
    return value


def check_size_type(value: str, field: str = "audience_size.type") -> str:
    if value not in SIZE_TYPES:
        raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(SIZE_TYPES)}")
    return value


def check_size_value(size_type: str, value: int, field: str = "audience_size.value") -> int:
    """ABSOLUTE 1-20,000,000 rows; PERCENTAGE 1-100."""
    high = PERCENTAGE_MAX if size_type == "PERCENTAGE" else ABSOLUTE_MAX
    if not 1 <= value <= high:
        raise RuleError(field, f"{value} is out of range for {size_type} (1 to {high:,})")
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
    return _reject(field, raw, "a whole number")


def parse_bool(raw: object, field: str) -> bool:
    """A boolean, from a bool or CloudFormation's "true"/"false"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOLEANS:
        return _BOOLEANS[raw.strip().lower()]
    return _reject(field, raw, "true or false")


def parse_str(raw: object, field: str) -> str:
    if isinstance(raw, str):
        return raw
    return _reject(field, raw, "a string")


def _reject(field: str, raw: object, wanted: str) -> NoReturn:
    shown = json.dumps(raw, default=str)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    raise RuleError(field, f"{shown} is not {wanted}")


@dataclass(frozen=True)
class ExportProperties:
    """The validated properties of one audience export resource."""

    job_arn: str
    size_type: str
    size_value: int
    name: str | None
    description: str | None
    wait_for_completion: bool
    timeout_seconds: int


# CloudFormation property keys, as a template spells them.
KEY_JOB_ARN: Final = "AudienceGenerationJobArn"
KEY_SIZE: Final = "AudienceSize"
KEY_SIZE_TYPE: Final = "Type"
KEY_SIZE_VALUE: Final = "Value"
KEY_NAME: Final = "Name"
KEY_DESCRIPTION: Final = "Description"
KEY_WAIT: Final = "WaitForCompletion"
KEY_TIMEOUT: Final = "ServiceTimeout"
KEY_SERVICE_TOKEN: Final = "ServiceToken"
ALLOWED_KEYS: Final = (
    KEY_JOB_ARN,
    KEY_SIZE,
    KEY_NAME,
    KEY_DESCRIPTION,
    KEY_WAIT,
    KEY_TIMEOUT,
    KEY_SERVICE_TOKEN,
)
ALLOWED_SIZE_KEYS: Final = (KEY_SIZE_TYPE, KEY_SIZE_VALUE)


def _check_keys(raw: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise RuleError(
            f"{where}{unknown[0]}",
            f"unknown property; allowed: {', '.join(allowed)}",
        )


def _required(raw: Mapping[str, object], key: str, field: str) -> object:
    if key not in raw or raw[key] is None:
        raise RuleError(field, "is required")
    return raw[key]


def parse_properties(raw: object) -> ExportProperties:
    """Validate a custom resource's ResourceProperties, as CloudFormation sends them (strings)."""
    if not isinstance(raw, Mapping):
        _reject("ResourceProperties", raw, "an object")
    _check_keys(raw, ALLOWED_KEYS, "")
    job_arn = check_job_arn(
        parse_str(_required(raw, KEY_JOB_ARN, KEY_JOB_ARN), KEY_JOB_ARN), KEY_JOB_ARN
    )
    size = _required(raw, KEY_SIZE, KEY_SIZE)
    if not isinstance(size, Mapping):
        _reject(KEY_SIZE, size, "an object with Type and Value")
    _check_keys(size, ALLOWED_SIZE_KEYS, f"{KEY_SIZE}.")
    type_field = f"{KEY_SIZE}.{KEY_SIZE_TYPE}"
    value_field = f"{KEY_SIZE}.{KEY_SIZE_VALUE}"
    size_type = check_size_type(
        parse_str(_required(size, KEY_SIZE_TYPE, type_field), type_field), type_field
    )
    size_value = check_size_value(
        size_type, parse_int(_required(size, KEY_SIZE_VALUE, value_field), value_field), value_field
    )
    name = raw.get(KEY_NAME)
    if name is not None:
        name = check_name(parse_str(name, KEY_NAME), KEY_NAME)
    description = raw.get(KEY_DESCRIPTION)
    if description is not None:
        description = check_description(parse_str(description, KEY_DESCRIPTION), KEY_DESCRIPTION)
    wait_raw = raw.get(KEY_WAIT)
    wait = True if wait_raw is None else parse_bool(wait_raw, KEY_WAIT)
    timeout_raw = raw.get(KEY_TIMEOUT)
    timeout = (
        TIMEOUT_MAX_SECONDS
        if timeout_raw is None
        else check_timeout_seconds(parse_int(timeout_raw, KEY_TIMEOUT), KEY_TIMEOUT)
    )
    return ExportProperties(
        job_arn=job_arn,
        size_type=size_type,
        size_value=size_value,
        name=name,
        description=description,
        wait_for_completion=wait,
        timeout_seconds=timeout,
    )


_NAME_SAFE: Final = re.compile(r"[^A-Za-z0-9]+")
_HASH_CHARS: Final = 8


def default_name(
    seed: str, *, job_arn: str, size_type: str, size_value: object, description: str | None
) -> str:
    """A deterministic, valid export name for a resource that has none.

    ``seed`` says where the resource lives (its stack name and logical id: unique per stack);
    the hash also covers the export's properties, so changing the size or the description
    yields a new name, hence a new export, on update.
    """
    fingerprint = json.dumps(
        [seed, job_arn, size_type, size_value, description or ""], sort_keys=True, default=str
    )
    digest = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    readable = _NAME_SAFE.sub("-", seed).strip("-")
    readable = readable[-(NAME_MAX - _HASH_CHARS - 1) :].lstrip("-")
    return f"{readable}-{digest}" if readable else f"export-{digest}"


def physical_id(job_arn: str, name: str) -> str:
    """A stable physical id for the export (job ARN, name), at most 1 KB."""
    readable = f"{job_arn}/export/{name}"
    if len(readable.encode("utf-8")) <= PHYSICAL_ID_MAX_BYTES:
        return readable
    digest = hashlib.sha256(f"{job_arn}\n{name}".encode()).hexdigest()
    return f"{job_arn[: PHYSICAL_ID_MAX_BYTES - 200]}/export-sha256/{digest}"
