"""The one path every answer takes to CloudFormation: fitted, sent once, PUT with retries.

crhelper's own ``_send_response`` counts an HTTP 500 as delivered, has no socket timeout and
retries exceptions forever. :func:`put_response` retries 5xx, timeouts and connection errors
with jitter until the invocation's time is up; :class:`Answer` refuses to send a second,
different answer (crhelper's timer and our own answer can race) and keeps the body within
CloudFormation's 4,096 bytes. Nothing here logs the URL.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from . import clients, clock
from .events import cut

FAILED: Final = "FAILED"
BODY_MAX_BYTES: Final = 4096
REASON_MAX: Final = 256
# One PUT attempt (connect, send, read the status); S3 answers in well under a second.
PUT_ATTEMPT_S: Final = 5.0
PUT_MIN_S: Final = 0.5
PUT_BASE_S: Final = 0.5
PUT_CAP_S: Final = 4.0
# The last PUT ends this long before the invocation does.
END_MARGIN_S: Final = 0.2

logger = logging.getLogger(__name__)


class ResponseNotDeliveredError(RuntimeError):
    """No attempt to PUT the answer succeeded: the invocation must not end as a success."""


def fitted_body(body: dict[str, Any]) -> bytes:
    """``body`` as JSON within CloudFormation's limit: Reason is cut first, then Data shrinks
    (largest values first). StackId, RequestId, LogicalResourceId and PhysicalResourceId stay."""
    body = dict(body, Reason=cut(str(body.get("Reason") or ""), REASON_MAX))
    data = dict(body.get("Data") or {})
    body["Data"] = data
    encoded = json.dumps(body).encode("utf-8")
    while len(encoded) > BODY_MAX_BYTES and data:
        largest = max(data, key=lambda key: len(json.dumps(data[key], default=str)))
        logger.warning("response too large: attribute %s left out", largest)
        del data[largest]
        encoded = json.dumps(body).encode("utf-8")
    if len(encoded) > BODY_MAX_BYTES:
        excess = len(encoded) - BODY_MAX_BYTES
        body["Reason"] = cut(body["Reason"], max(3, len(body["Reason"]) - excess - 3))
        encoded = json.dumps(body).encode("utf-8")
    return encoded


def put_response(url: str, body: bytes, *, until: float) -> bool:
    """PUT ``body`` to the presigned ``url``, retrying 5xx, timeouts and connection errors.

    Returns whether CloudFormation's bucket took it.
    """
    now = clock.current()
    parts = urlsplit(url)
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    headers = {"content-type": "", "content-length": str(len(body))}
    attempt = 0
    while True:
        left = until - now.now()
        if left < PUT_MIN_S:
            break
        attempt += 1
        connection = http.client.HTTPSConnection(
            str(parts.netloc), timeout=min(PUT_ATTEMPT_S, left), context=context
        )
        try:
            connection.request("PUT", target, body=body, headers=headers)
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            logger.warning("response PUT attempt %d failed: %s", attempt, type(error).__name__)
        else:
            if 200 <= status < 300:
                logger.info("response delivered (HTTP %d, attempt %d)", status, attempt)
                return True
            if status < 500 and status not in (408, 429):
                # Expired or refused: the same PUT cannot succeed later.
                logger.error("response refused with HTTP %d; not retried", status)
                return False
            logger.warning("response PUT attempt %d: HTTP %d", attempt, status)
        finally:
            connection.close()
        pause = clients.jitter(0.0, min(PUT_CAP_S, PUT_BASE_S * 2**attempt))
        if now.now() + pause + PUT_MIN_S > until:
            break
        now.sleep(pause)
    logger.error("response not delivered after %d attempt(s): out of time", attempt)
    return False


class Answer:
    """One request's answer: sent at most once, to that request's URL, before its time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent = False
        self._end = 0.0
        # None: nothing was sent; else whether the answer arrived.
        self.delivered: bool | None = None

    def begin(self, end: float) -> None:
        """A new request, whose invocation ends at ``end`` (clock time)."""
        with self._lock:
            self._sent = False
        self._end = end
        self.delivered = None

    def send(self, url: str, body: dict[str, Any]) -> None:
        with self._lock:
            if self._sent:
                # crhelper's timer and our own answer can meet here: one answer per request.
                logger.warning("already answered this request; %s not sent", body["Status"])
                return
            self._sent = True
        if not url:
            logger.error("no ResponseURL for this request: not answered")
            return
        if body["Status"] == FAILED and not body["Reason"]:
            body = dict(body, Reason="failed without a reason (see the function's log)")
        self.delivered = put_response(url, fitted_body(body), until=self._end - END_MARGIN_S)

    def check_delivered(self) -> None:
        if self.delivered is False:
            raise ResponseNotDeliveredError(
                "the response could not be delivered to CloudFormation's ResponseURL"
            )
