"""CloudFormation's side of a handler test: the harness's ResponseURL recorder over loopback TLS.

One server for the whole session. :meth:`CloudFormationSide.script` makes the next PUTs to a
URL get an HTTP error or no answer at all, which the recorder alone never does. The same server
serves the harness's WaitConditionHandle URLs (:meth:`CloudFormationSide.handle_url`), under
the origin the handler tests name in ``CDK_CLEANROOMS_ML_LOCAL_SIGNAL_ORIGIN``.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cdk_cleanrooms_ml.local.clock import SystemClock
from cdk_cleanrooms_ml.local.recorder import RecordedResponse, ResponseRecorder
from cdk_cleanrooms_ml.local.server import LoopbackServer, Request, Response
from cdk_cleanrooms_ml.local.signals import WaitHandles
from cdk_cleanrooms_ml.local.tls import LoopbackCertificate, create_certificate

HANG: Final = "hang"  # a ResponseURL that takes the PUT and does not answer for HANG_S seconds
HANG_S: Final = 3.0


class Misbehaviour:
    """What the next PUTs to a ResponseURL get instead of 200: an HTTP status, or HANG.

    Mounted in front of the recorder, which keeps every body all the same.
    """

    def __init__(self, recorder: ResponseRecorder) -> None:
        self._recorder = recorder
        self._scripts: dict[str, list[int | str]] = {}
        self._lock = threading.Lock()

    def script(self, path: str, behaviours: list[int | str]) -> None:
        with self._lock:
            self._scripts[path] = list(behaviours)

    def handles(self, request: Request) -> bool:
        with self._lock:
            return bool(self._scripts.get(request.path))

    def handle(self, request: Request) -> Response:
        self._recorder.handle(request)
        with self._lock:
            behaviour = self._scripts[request.path].pop(0)
        if behaviour == HANG:
            time.sleep(HANG_S)  # the handler has given up on this attempt long before
            return Response(200)
        return Response(int(behaviour))


class HandleRecorder:
    """The harness's WaitConditionHandles, which check each PUT as S3 does; the bodies they
    accept are kept too, so a test reads a handle's signals as it reads a ResponseURL's."""

    def __init__(self, handles: WaitHandles) -> None:
        self.wait_handles = handles
        self.puts: list[RecordedResponse] = []
        self._lock = threading.Lock()

    def handles(self, request: Request) -> bool:
        return self.wait_handles.handles(request)

    def handle(self, request: Request) -> Response:
        response = self.wait_handles.handle(request)
        if response.status == 200:
            recorded = RecordedResponse("", request.path, dict(request.headers), request.body, 0.0)
            with self._lock:
                self.puts.append(recorded)
        return response

    def recorded(self) -> list[RecordedResponse]:
        with self._lock:
            return list(self.puts)


class CloudFormationSide:
    """The harness's ResponseURL recorder over loopback TLS, plus scripted misbehaviour."""

    def __init__(self) -> None:
        self.certificate: LoopbackCertificate = create_certificate(
            Path(tempfile.mkdtemp(prefix="cfn-response-"))
        )
        self.recorder = ResponseRecorder()
        self.misbehaviour = Misbehaviour(self.recorder)
        self.handles = HandleRecorder(WaitHandles(SystemClock()))
        self._server = LoopbackServer(
            [self.misbehaviour, self.recorder, self.handles],
            ssl_context=self.certificate.server_context(),
        ).start()
        self.recorder.base_url = self._server.url
        self.handles.wait_handles.base_url = self._server.url

    @property
    def origin(self) -> str:
        """``https://127.0.0.1:<port>``: what ``CDK_CLEANROOMS_ML_LOCAL_SIGNAL_ORIGIN`` names."""
        return self._server.url

    def handle_url(self, stack_id: str, logical_id: str = "CompletionHandle") -> str:
        """A new WaitConditionHandle URL (its ``Ref``) of stack ``stack_id``, as the harness
        issues it: the provider signals it when the origin is named in its environment."""
        return self.handles.wait_handles.issue("", stack_id, logical_id)

    def new_url(self) -> str:
        """A fresh presigned-looking URL (the signature is what must never be logged)."""
        return self.recorder.url_for(str(uuid.uuid4()))

    def recorded_for(self, url: str) -> list[RecordedResponse]:
        """The PUTs to ``url``: a ResponseURL or a handle URL."""
        path = urlsplit(url).path
        recorded = [*self.recorder.responses, *self.handles.recorded()]
        return [response for response in recorded if response.path == path]

    def bodies_for(self, url: str) -> list[bytes]:
        return [response.body for response in self.recorded_for(url)]

    def total(self) -> int:
        """Every body PUT to any ResponseURL so far."""
        return len(self.recorder.responses)

    def script(self, url: str, behaviours: list[int | str]) -> None:
        """The next PUTs to ``url`` get these answers (an HTTP status, or HANG), then 200."""
        self.misbehaviour.script(urlsplit(url).path, behaviours)


_cloudformation: CloudFormationSide | None = None


def cloudformation() -> CloudFormationSide:
    global _cloudformation  # noqa: PLW0603 - one endpoint for the whole session
    if _cloudformation is None:
        _cloudformation = CloudFormationSide()
    return _cloudformation
