"""The fields every long-running resource shares: name, description, wait and timeout, and
the completion signal of a wait beyond CloudFormation's hour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Final
from urllib.parse import urlsplit

from ..rules import (
    TIMEOUT_MAX_SECONDS,
    TIMEOUT_MIN_SECONDS,
    RuleError,
    check_description,
    check_name,
    check_timeout_seconds,
    parse_bool,
    parse_int,
    reject,
    secret_str,
)
from .table import Field, Table, read_table

KEY_SERVICE_TOKEN: Final = "ServiceToken"
KEY_NAME: Final = "Name"
KEY_DESCRIPTION: Final = "Description"
KEY_WAIT: Final = "WaitForCompletion"
KEY_TIMEOUT: Final = "ServiceTimeout"
KEY_SIGNAL_URL: Final = "CompletionSignalUrl"
KEY_SIGNAL_TIMEOUT: Final = "CompletionSignalTimeout"
# CloudFormation's ceiling for an AWS::CloudFormation::WaitCondition's Timeout.
SIGNAL_TIMEOUT_MAX_SECONDS: Final = 43_200
SIGNAL_URL_MAX: Final = 4096

NAME: Final = Field(KEY_NAME, "name", check=check_name)
DESCRIPTION: Final = Field(KEY_DESCRIPTION, "description", check=check_description)
WAIT: Final = Field(KEY_WAIT, "wait_for_completion", parse_bool, default=True)
TIMEOUT: Final = Field(
    KEY_TIMEOUT, "timeout", parse_int, check_timeout_seconds, default=TIMEOUT_MAX_SECONDS
)
# Set by the library (the provider's token; a long wait's handle), never by a user's prop.
CARRIED_KEYS: Final = (KEY_SIGNAL_URL, KEY_SIGNAL_TIMEOUT, KEY_SERVICE_TOKEN)


@dataclass(frozen=True)
class CompletionSignal:
    """Where to signal the end of a long wait: a WaitConditionHandle's presigned URL (a secret,
    like ResponseURL) and how long the WaitCondition waits from the resource's creation."""

    url: str = dataclass_field(repr=False)
    timeout_seconds: int


def check_signal_url(value: str, field: str = KEY_SIGNAL_URL) -> str:
    """An https URL with a host, on one line; never echoed (it is a presigned secret)."""
    if len(value) > SIGNAL_URL_MAX:
        raise RuleError(field, f"{len(value)} characters, at most {SIGNAL_URL_MAX} allowed")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or not value.isprintable():
        raise RuleError(
            field, "is not an https URL (the Ref of an AWS::CloudFormation::WaitConditionHandle)"
        )
    if " " in value:
        raise RuleError(field, "is not an https URL: it holds a space")
    return value


def parse_signal(
    raw: Mapping[str, object], *, wait_for_completion: bool
) -> CompletionSignal | None:
    """The completion signal of a resource that waits beyond its own timeout, or None."""
    url_raw, timeout_raw = raw.get(KEY_SIGNAL_URL), raw.get(KEY_SIGNAL_TIMEOUT)
    if url_raw is None and timeout_raw is None:
        return None
    if url_raw is None or timeout_raw is None:
        missing = KEY_SIGNAL_URL if url_raw is None else KEY_SIGNAL_TIMEOUT
        present = KEY_SIGNAL_TIMEOUT if url_raw is None else KEY_SIGNAL_URL
        raise RuleError(missing, f"is required with {present}")
    if not wait_for_completion:
        raise RuleError(
            KEY_WAIT, f"false contradicts {KEY_SIGNAL_URL}: the signal is sent on completion"
        )
    url = check_signal_url(secret_str(url_raw, KEY_SIGNAL_URL))
    seconds = parse_int(timeout_raw, KEY_SIGNAL_TIMEOUT)
    if not TIMEOUT_MIN_SECONDS <= seconds <= SIGNAL_TIMEOUT_MAX_SECONDS:
        raise RuleError(
            KEY_SIGNAL_TIMEOUT,
            f"{seconds} seconds is out of range ({TIMEOUT_MIN_SECONDS} to "
            f"{SIGNAL_TIMEOUT_MAX_SECONDS}, a WaitCondition's Timeout)",
        )
    return CompletionSignal(url, seconds)


def read_properties(
    table: Table, raw: object, *, waits: bool = True
) -> tuple[dict[str, Any], CompletionSignal | None]:
    """A resource's ResourceProperties, as CloudFormation sends them (strings): ``{prop:
    value}`` of ``table``'s fields, and the completion signal of a wait beyond the hour (a
    resource that never ``waits`` takes none)."""
    if not isinstance(raw, Mapping):
        reject("ResourceProperties", raw, "an object")
    if not waits:
        return read_table(table, raw, extra_keys=(KEY_SERVICE_TOKEN,)), None
    values = read_table(table, raw, extra_keys=CARRIED_KEYS)
    return values, parse_signal(raw, wait_for_completion=values[WAIT.prop])
