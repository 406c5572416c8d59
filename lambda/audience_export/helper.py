"""crhelper's CfnResource, set up for this handler.

crhelper is pinned (==2.0.12) because this class relies on two of its internals, both kept to
the minimum: ``_log_level`` (re-read from LOG_LEVEL on every call) and ``_cfn_response``
(skipped when the request was handed over to a follow-up invocation, which answers instead).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from crhelper import CfnResource

REDACTED: Final = "<redacted>"
LEVELS: Final = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# Loggers that see the raw event or the URL: crhelper logs the event dict and
# "CFN response URL: ..." at DEBUG; botocore logs request bodies (the hand-over payload) at DEBUG.
REDACTED_LOGGERS: Final = ("crhelper.resource_helper", "crhelper.utils", "botocore.endpoint")


def log_level() -> str:
    """LOG_LEVEL, default INFO; an unknown value falls back to INFO (it must never fail Delete)."""
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    return level if level in LEVELS else "INFO"


def redacted_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with ResponseURL hidden: the presigned URL lets anyone forge the answer."""
    shown = dict(event)
    if "ResponseURL" in shown:
        shown["ResponseURL"] = REDACTED
    return shown


class ResponseUrlFilter(logging.Filter):
    """Hides the current ResponseURL (and its signed query) in every record it sees."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def watch(self, url: str) -> None:
        query = urlsplit(url).query
        self._secrets = tuple(secret for secret in (url, query) if secret)

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


class Helper(CfnResource):
    def __init__(self) -> None:
        # Delete has nothing to wait for: crhelper's default sleeps 120 s "for CloudWatch Logs".
        super().__init__(log_level=log_level(), sleep_on_delete=0)
        self.redactor = ResponseUrlFilter()
        for name in REDACTED_LOGGERS:
            logging.getLogger(name).addFilter(self.redactor)
        self._deferred = False

    def __call__(self, event: Any, context: Any) -> None:
        self._deferred = False
        self.redactor.watch(str(event.get("ResponseURL", "")) if isinstance(event, Mapping) else "")
        self._log_level = log_level()  # crhelper's setting, applied by it on every call
        super().__call__(event, context)

    def defer(self) -> None:
        """Send no response for this invocation: a follow-up invocation will."""
        self._deferred = True

    def _cfn_response(self, event: Any) -> None:
        # crhelper calls this to send the answer once the handler returned.
        if self._deferred:
            return
        CfnResource._cfn_response(self, event)  # type: ignore[attr-defined]
