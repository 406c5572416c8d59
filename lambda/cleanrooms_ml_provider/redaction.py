"""Keeping secrets out of the logs: presigned URLs and the SQL seed the service model hides.

The presigned ResponseURL and a completion signal's URL let whoever reads them answer for us.
The SQL of a generation job's seed is marked ``sensitive`` by the Clean Rooms ML model
(cleanroomsml 2023-09-06: ``ProtectedQuerySQLParameters``, the whole ``sqlParameters`` of
StartAudienceGenerationJob's request and GetAudienceGenerationJob's response, and its
``ParameterMap``): the query text, the analysis template's ARN and the parameter values.

Two layers keep them out:

- :func:`redacted_event` hides them structurally in an event (or a hand-over payload's copy of
  one): ``<redacted>`` for the URLs and for every value under ``SeedAudience.SqlParameters``,
  keys kept, so a log still shows which parameters were set. The handler logs only this.
- :class:`RedactingFilter` replaces the text of :func:`secrets_of` in every record it sees:
  the root logger's handlers (the Lambda runtime's) and the loggers known to print events or
  request bodies. crhelper's ``log_helper.setup`` only sets levels (and, with JSON logging, the
  root handlers' formatter): it never replaces the handlers, so the filter stays on them.
  Each secret is also hidden as JSON (once or twice encoded: a payload inside a request body)
  and Python ``repr`` would show it (botocore prints request params and bodies with ``repr``).

Limit: the free-text filter skips SQL values shorter than :data:`MIN_SECRET_LENGTH` characters:
replacing "1" or "US" in every line would garble the logs. Such a value is still hidden in the
event line (structurally), but a record that prints it in free text (botocore's DEBUG request
and response bodies) shows it. A longer value that is also a common word ("true", "ACTIVE") is
replaced wherever it appears, in any record of the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

REDACTED: Final = "<redacted>"
# Loggers that see the raw event, the URL or request and response bodies. Records of any
# other logger are caught by the root logger's handlers.
REDACTED_LOGGERS: Final = (
    "crhelper.resource_helper",
    "crhelper.utils",
    "botocore.endpoint",
    "botocore.parsers",
)
# Shorter SQL values are not replaced in free text (see the module docstring).
MIN_SECRET_LENGTH: Final = 4

# A WaitConditionHandle's presigned URL, in the properties of a resource that waits long.
SIGNAL_URL_KEY: Final = "CompletionSignalUrl"
PROPERTY_KEYS: Final = ("ResourceProperties", "OldResourceProperties")
# The properties whose whole value the service model marks sensitive (its camelCase members
# as the template spells them): every value below them is hidden, every key shown.
SENSITIVE_PATHS: Final = (("SeedAudience", "SqlParameters"),)


def _child(properties: Mapping[str, Any], name: str) -> str | None:
    """The key of ``properties`` that is ``name``, in any case (a misspelt key still hides)."""
    if name in properties:
        return name
    folded = name.casefold()
    return next((k for k in properties if isinstance(k, str) and k.casefold() == folded), None)


def _hidden(value: object) -> object:
    """``value`` with every leaf replaced by REDACTED, keys (and list lengths) kept."""
    if isinstance(value, Mapping):
        return {key: _hidden(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_hidden(item) for item in value]
    return REDACTED


def _leaves(value: object) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value)


def _redacted_at(value: object, path: tuple[str, ...]) -> object:
    if not path:
        return _hidden(value)
    key = _child(value, path[0]) if isinstance(value, Mapping) else None
    if key is None or not isinstance(value, Mapping):
        return value
    return {**value, key: _redacted_at(value[key], path[1:])}


def _at(value: object, path: tuple[str, ...]) -> object:
    """What lies at ``path`` below ``value`` (keys in any case), or None."""
    for name in path:
        key = _child(value, name) if isinstance(value, Mapping) else None
        if key is None or not isinstance(value, Mapping):
            return None
        value = value[key]
    return value


def _redacted_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    shown = dict(properties)
    for head, *rest in SENSITIVE_PATHS:
        key = _child(shown, head)
        if key is not None:
            shown[key] = _redacted_at(shown[key], tuple(rest))
    if SIGNAL_URL_KEY in shown:
        shown[SIGNAL_URL_KEY] = REDACTED
    return shown


def redacted_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with ResponseURL, completion signal URLs and the SQL seed's values hidden."""
    shown = dict(event)
    if "ResponseURL" in shown:
        shown["ResponseURL"] = REDACTED
    for key in PROPERTY_KEYS:
        properties = shown.get(key)
        if isinstance(properties, Mapping):
            shown[key] = _redacted_properties(properties)
    return shown


def signal_urls(event: Mapping[str, Any]) -> list[str]:
    """The completion signal URLs an event carries (to be hidden wherever they show up)."""
    urls = []
    for key in PROPERTY_KEYS:
        properties = event.get(key)
        url = properties.get(SIGNAL_URL_KEY) if isinstance(properties, Mapping) else None
        if isinstance(url, str) and url:
            urls.append(url)
    return urls


def sensitive_values(event: Mapping[str, Any]) -> list[str]:
    """Every value the service model marks sensitive in the event's properties (all lengths)."""
    values: list[str] = []
    for key in PROPERTY_KEYS:
        for path in SENSITIVE_PATHS:
            values += _leaves(_at(event.get(key), path))
    return list(dict.fromkeys(values))


def secrets_of(event: Mapping[str, Any]) -> list[str]:
    """What the log filter must hide for this event: ResponseURL, the signal URLs, and the SQL
    seed's values (query text, template ARN, parameter values) of MIN_SECRET_LENGTH or more."""
    url = event.get("ResponseURL")
    found = [url] if isinstance(url, str) and url else []
    found += signal_urls(event)
    found += [value for value in sensitive_values(event) if len(value) >= MIN_SECRET_LENGTH]
    return list(dict.fromkeys(found))


def _signed_query(text: str) -> str:
    """The query of an http(s) URL (its signature), else ""."""
    if not text.isprintable():
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return parts.query if parts.scheme in ("http", "https") and parts.netloc else ""


def _quoted(text: str) -> set[str]:
    """How ``repr`` may show ``text`` inside a str or bytes literal, in either quote style."""
    both = "'\""  # forces single quotes, with ' escaped
    data = text.encode("utf-8", "backslashreplace")
    return {
        repr(text)[1:-1],
        repr(text + both)[1:-4],
        repr(data)[2:-1],
        repr(data + both.encode())[2:-4],
    }


def forms_of(secret: str) -> set[str]:
    """``secret`` as it may appear in a log line: as is, JSON-encoded once or twice (a payload
    inside a request body), and each of those as ``repr`` shows it."""
    encoded = {secret}
    for ascii_only in (True, False):
        once = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        encoded |= {once, json.dumps(once, ensure_ascii=ascii_only)[1:-1]}
    forms = set(encoded)
    for text in encoded:
        forms |= _quoted(text)
    return forms


def _redacted_arg(value: object) -> object:
    return redacted_event(value) if isinstance(value, Mapping) else value


class RedactingFilter(logging.Filter):
    """Hides the current request's secrets in every record it sees, and the sensitive values of
    any event logged as a dict."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def install(self) -> None:
        """Filter the root logger's handlers present now (the runtime's) and the loggers that
        may print secrets (their records also reach handlers added later)."""
        for name in REDACTED_LOGGERS:
            logging.getLogger(name).addFilter(self)
        for handler in logging.root.handlers:
            handler.addFilter(self)  # once: addFilter skips a filter already there

    def watch(self, *secrets: str) -> None:
        """Hide these (a URL with its signed query too) from now on, instead of the last ones."""
        hidden: set[str] = set()
        for secret in secrets:
            for text in (secret, _signed_query(secret)):
                if text:
                    hidden |= forms_of(text)
        # Longest first: a secret holding another one is hidden whole.
        self._secrets = tuple(sorted(hidden, key=lambda text: (-len(text), text)))

    def _hide(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # An event logged as a dict (crhelper logs it at DEBUG) loses its sensitive values
        # whatever is watched, short ones included.
        if isinstance(record.msg, Mapping):
            record.msg = redacted_event(record.msg)
        if isinstance(record.args, Mapping):
            record.args = redacted_event(record.args)
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        if not self._secrets:
            return True
        message = record.getMessage()
        hidden = self._hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._hide(record.exc_text)
        if record.stack_info:
            record.stack_info = self._hide(record.stack_info)
        return True


# The name the handler has used so far.
ResponseUrlFilter = RedactingFilter
