"""A tiny HTTP(S) server on 127.0.0.1 that routes requests to in-process services.

The embedded Clean Rooms ML endpoint, the Lambda Invoke emulator and the CloudFormation
response recorder are all "services" mounted on one of these. Only loopback is ever bound.
"""

from __future__ import annotations

import errno
import ssl
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
# Idle keep-alive connections are closed after this long, so no handler thread outlives a test.
_IDLE_SECONDS = 5.0
_MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Service(Protocol):
    def handles(self, request: Request) -> bool: ...

    def handle(self, request: Request) -> Response: ...


class PortInUseError(OSError):
    """The requested loopback port is taken by another process."""


def _not_found() -> Response:
    return Response(404, b'{"message":"no such route"}', {"Content-Type": "application/json"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_SECONDS
    # Headers and body go out as separate writes; with Nagle's algorithm on, the second waits
    # for the peer's delayed ACK (~40 ms per call on loopback).
    disable_nagle_algorithm = True
    services: Sequence[Service] = ()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY_BYTES:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        response = _not_found()
        for service in self.services:
            if service.handles(request):
                try:
                    response = service.handle(request)
                except Exception as error:  # a bug in a service must not kill the server thread
                    message = f'{{"message":"internal error: {type(error).__name__}"}}'
                    response = Response(500, message.encode(), {"Content-Type": "application/json"})
                break
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the services keep their own call logs."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a client that hangs up or refuses our certificate is not the server's problem."""
        _, error, _ = sys.exc_info()
        if not isinstance(error, ssl.SSLError | ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    """Serves ``services`` on 127.0.0.1:``port`` (0 = any free port) in a background thread."""

    def __init__(
        self,
        services: Sequence[Service],
        *,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._services = list(services)
        self._requested_port = port
        self._ssl_context = ssl_context
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    def start(self) -> LoopbackServer:
        handler = type("Handler", (_Handler,), {"services": tuple(self._services)})
        try:
            httpd = _Server((LOOPBACK, self._requested_port), handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"port {self._requested_port} on {LOOPBACK} is already in use; "
                    "stop what is using it or pass another --port (0 picks a free one)",
                ) from error
            raise
        if self._ssl_context is not None:
            # Handshake lazily in the connection's own thread, not in the accept loop.
            httpd.socket = self._ssl_context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start() if self._httpd is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
