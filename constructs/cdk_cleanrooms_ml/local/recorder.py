"""CloudFormation's side of the custom-resource protocol: the ResponseURL.

An HTTPS server on 127.0.0.1 (certificate from :mod:`.tls`) issues presigned-looking
ResponseURLs and records the PUT the handler sends to each.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from .server import LoopbackServer, Request, Response, Service
from .signals import WaitHandles
from .tls import LoopbackCertificate

_PREFIX: Final = "/cloudformation-response/"


@dataclass(frozen=True)
class RecordedResponse:
    """One PUT received on a ResponseURL."""

    request_id: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise ValueError("the response body is not a JSON object")
        return data


class ResponseRecorder:
    """Issues ResponseURLs and records what is PUT to them (a service for LoopbackServer)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.responses: list[RecordedResponse] = []
        self._arrived = threading.Condition()

    def url_for(self, request_id: str) -> str:
        if not self.base_url:
            raise RuntimeError("the response server is not running")
        # Shaped like a presigned S3 URL: the signature is what must never reach a log.
        signature = secrets.token_hex(32)
        return (
            f"{self.base_url}{_PREFIX}{request_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires=7200&X-Amz-Signature={signature}"
        )

    def handles(self, request: Request) -> bool:
        return request.path.startswith(_PREFIX)

    def handle(self, request: Request) -> Response:
        if request.method != "PUT":
            return Response(405)
        request_id = unquote(request.path[len(_PREFIX) :])
        recorded = RecordedResponse(
            request_id=request_id,
            path=request.path,
            headers=dict(request.headers),
            body=request.body,
            received_at=time.time(),
        )
        with self._arrived:
            self.responses.append(recorded)
            self._arrived.notify_all()
        return Response(200)

    def for_request(self, request_id: str) -> list[RecordedResponse]:
        with self._arrived:
            return [r for r in self.responses if r.request_id == request_id]

    def wait_for(
        self, request_id: str, timeout: float, *, skip: int = 0
    ) -> RecordedResponse | None:
        """The response to ``request_id`` after the first ``skip`` ones (waits ≤ ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [r for r in self.responses if r.request_id == request_id]
                if len(found) > skip:
                    return found[skip]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(min(remaining, 1.0))


class ResponseServer:
    """The HTTPS loopback server around a :class:`ResponseRecorder` and, when given, the wait
    condition handles (:class:`~.signals.WaitHandles`): both are CloudFormation's S3 side."""

    def __init__(
        self, certificate: LoopbackCertificate, wait_handles: WaitHandles | None = None
    ) -> None:
        self.certificate = certificate
        self.recorder = ResponseRecorder()
        self.wait_handles = wait_handles
        services: list[Service] = [self.recorder]
        if wait_handles is not None:
            services.append(wait_handles)
        self._server = LoopbackServer(services, ssl_context=certificate.server_context())

    def start(self) -> ResponseServer:
        self._server.start()
        self.recorder.base_url = self._server.url
        if self.wait_handles is not None:
            self.wait_handles.base_url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()
