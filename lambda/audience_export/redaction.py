"""Keeping the presigned ResponseURL out of the logs: whoever reads it can answer for us.

crhelper logs the event dict and "CFN response URL: ..." at DEBUG; botocore logs request bodies
(the hand-over payload, which carries the event) at DEBUG. :class:`ResponseUrlFilter` sits on
those loggers and hides the current URL and its signed query in every record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

REDACTED: Final = "<redacted>"
# Loggers that see the raw event or the URL.
REDACTED_LOGGERS: Final = ("crhelper.resource_helper", "crhelper.utils", "botocore.endpoint")


# A WaitConditionHandle's presigned URL, in the properties of a resource that waits long.
SIGNAL_URL_KEY: Final = "CompletionSignalUrl"
PROPERTY_KEYS: Final = ("ResourceProperties", "OldResourceProperties")


def redacted_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with ResponseURL and completion signal URLs hidden."""
    shown = dict(event)
    if "ResponseURL" in shown:
        shown["ResponseURL"] = REDACTED
    for key in PROPERTY_KEYS:
        properties = shown.get(key)
        if isinstance(properties, Mapping) and SIGNAL_URL_KEY in properties:
            shown[key] = {**properties, SIGNAL_URL_KEY: REDACTED}
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


class ResponseUrlFilter(logging.Filter):
    """Hides the current ResponseURL (and its signed query) in every record it sees."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def install(self) -> None:
        """Filter every logger that may print the URL."""
        for name in REDACTED_LOGGERS:
            logging.getLogger(name).addFilter(self)

    def watch(self, *urls: str) -> None:
        """Hide these URLs (and their signed queries) from now on, instead of the last ones."""
        secrets: list[str] = []
        for url in urls:
            try:
                query = urlsplit(url).query if url.isprintable() else ""
            except ValueError:
                query = ""
            secrets += [secret for secret in (url, query) if secret]
        self._secrets = tuple(secrets)

    def _hide(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        if isinstance(record.msg, Mapping):
            record.msg = redacted_event(record.msg)
        message = record.getMessage()
        hidden = self._hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._hide(logging.Formatter().formatException(record.exc_info))
        return True
