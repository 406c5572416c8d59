"""crhelper's CfnResource, set up for this handler.

crhelper is pinned (==2.0.12) because this class overrides some of its internals, each kept to
the minimum and relied on only as documented here:

- ``__call__``: the event is checked first (:mod:`events`). An event without a usable
  ResponseURL is logged (never the URL) and left unanswered; one with a usable URL but bad keys
  gets FAILED at that URL.
- ``_send``: every answer goes through :class:`response.Answer` (sent once, fitted, PUT with
  retries); it never sends an empty PhysicalResourceId.
- ``_set_timeout``: crhelper's "Execution timed out" timer fires 0.5 s before the Lambda timeout,
  too late for a PUT that may need a retry; ours fires ``waiting.TIMER_LEAD_S`` before. The
  inline wait ends long before either (see ``waiting``), so it only fires when something hung.
- ``generate_physical_id``: deterministic (from the RequestId) instead of random, so a Create
  delivered twice cannot send two different ids to one ResponseURL.
- ``_cfn_response``: skipped when the request was handed over to a follow-up invocation.
- ``_log_level``: re-read from LOG_LEVEL on every call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any, Final

from crhelper import CfnResource

from . import clock, waiting
from .events import event_problem, shown, usable_response_url
from .redaction import ResponseUrlFilter, secrets_of
from .response import FAILED, Answer

LEVELS: Final = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

logger = logging.getLogger(__name__)


def log_level() -> str:
    """LOG_LEVEL, default INFO; an unknown value falls back to INFO (it must never fail Delete)."""
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    return level if level in LEVELS else "INFO"


class Helper(CfnResource):
    def __init__(self) -> None:
        # Delete has nothing to wait for: crhelper's default sleeps 120 s "for CloudWatch Logs".
        super().__init__(log_level=log_level(), sleep_on_delete=0)
        self.redactor = ResponseUrlFilter()
        self.redactor.install()
        self.answer = Answer()
        self._deferred = False

    def __call__(self, event: Any, context: Any) -> None:
        self._deferred = False
        self.answer.begin(clock.current().now() + context.get_remaining_time_in_millis() / 1000)
        # Never the previous request's: an answer goes to this event's URL or nowhere.
        self._response_url = ""
        self._event = event if isinstance(event, Mapping) else {}
        self._context = context
        self.redactor.watch(*secrets_of(self._event))
        url = usable_response_url(self._event)
        if url is None:
            logger.error(
                "not answered: the event has no usable ResponseURL (RequestId %s)",
                shown(self._event.get("RequestId")),
            )
            return
        problem = event_problem(event)
        if problem is not None:
            self._answer_malformed(event, url, problem)
        else:
            self._log_level = log_level()  # crhelper's setting, applied by it on every call
            super().__call__(event, context)
        self.answer.check_delivered()

    def _answer_malformed(self, event: Mapping[str, Any], url: str, problem: str) -> None:
        logger.error("bad request: %s", problem)

        def text(key: str) -> str:
            value = event.get(key)
            return value if isinstance(value, str) else ""

        self.StackId, self.RequestId = text("StackId"), text("RequestId")
        self.LogicalResourceId = text("LogicalResourceId")
        self.PhysicalResourceId = ""
        self.Data = {}
        self._response_url = url
        self._send(FAILED, problem)

    def defer(self) -> None:
        """Send no response for this invocation: a follow-up invocation will."""
        self._deferred = True

    def _cfn_response(self, event: Any) -> None:
        # crhelper calls this to send the answer once the handler returned.
        if self._deferred:
            return
        CfnResource._cfn_response(self, event)  # type: ignore[attr-defined]

    def _set_timeout(self) -> None:
        remaining_s = self._context.get_remaining_time_in_millis() / 1000
        lead = waiting.Reserve.for_invocation(remaining_s).timer_s
        self._timer = threading.Timer(max(0.0, remaining_s - lead), self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        logger.error("execution is about to time out: answering FAILED")
        self._send(FAILED, "Execution timed out: the handler ran out of time before it answered")

    def generate_physical_id(self, event: Any) -> str:
        """crhelper's ``<stack>_<logical id>_<8 chars>``, the 8 chars from the RequestId."""
        fields = event if isinstance(event, Mapping) else {}
        stack_id = str(fields.get("StackId") or "")
        parts = stack_id.split("/")
        stack = parts[1] if len(parts) > 2 else "stack"
        logical = str(fields.get("LogicalResourceId") or "resource")
        digest = hashlib.sha256(str(fields.get("RequestId") or "").encode()).hexdigest()
        suffix = digest[:8].upper()
        return f"{stack[:300]}_{logical[:300]}_{suffix}"

    def _physical_id(self) -> str:
        own = self.PhysicalResourceId
        if isinstance(own, str) and own:
            return own
        given = self._event.get("PhysicalResourceId")
        if isinstance(given, str) and given:
            return given
        return self.generate_physical_id(self._event)

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        # crhelper passes no status when it answers with its own Status and Reason.
        self.answer.send(
            self._response_url,
            {
                "Status": status or self.Status,
                "Reason": reason if status else str(self.Reason),
                "PhysicalResourceId": self._physical_id(),
                "StackId": self.StackId,
                "RequestId": self.RequestId,
                "LogicalResourceId": self.LogicalResourceId,
                "NoEcho": self.NoEcho,
                "Data": self.Data,
            },
        )
