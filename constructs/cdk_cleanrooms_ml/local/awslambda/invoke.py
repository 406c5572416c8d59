"""The Lambda Invoke API, as far as the handler's continuation uses it.

``POST /2015-03-31/functions/{FunctionName}/invocations`` with ``X-Amz-Invocation-Type: Event``
answers 202 and runs the function with that payload in a new runtime process, like AWS Lambda's
asynchronous invocation. ``RequestResponse`` runs it and returns the handler's result.
Functions are addressed by name or ARN.
"""

from __future__ import annotations

import json
import uuid
from typing import Final
from urllib.parse import unquote

from ..server import Request, Response
from .invocations import EVENT, REQUEST_RESPONSE, LambdaEmulator, ThrottledError

_PREFIX: Final = "/2015-03-31/functions/"
_SUFFIX: Final = "/invocations"
_JSON: Final = "application/json"


class InvokeApi:
    """The Invoke API of a :class:`LambdaEmulator`; mount it on a ``LoopbackServer``."""

    def __init__(self, emulator: LambdaEmulator) -> None:
        self.emulator = emulator

    def handles(self, request: Request) -> bool:
        return request.path.startswith(_PREFIX) and request.path.endswith(_SUFFIX)

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(400, "InvalidRequestContentException", "Invoke needs POST")
        name = unquote(request.path[len(_PREFIX) : -len(_SUFFIX)])
        function = self.emulator.function(name)
        if function is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {name}")
        kind = request.headers.get("x-amz-invocation-type", REQUEST_RESPONSE)
        if kind == "DryRun":
            return Response(204)
        if kind not in (EVENT, REQUEST_RESPONSE):
            return _error(400, "InvalidParameterValueException", f"bad invocation type {kind}")
        invoke = self.emulator.invoke_async if kind == EVENT else self.emulator.invoke
        try:
            invocation = invoke(function, request.body, source="lambda:Invoke")
        except ThrottledError as error:
            return _error(429, "TooManyRequestsException", str(error))
        request_id = {"x-amzn-RequestId": invocation.request_id}
        result = invocation.result
        if kind == EVENT or result is None:
            return Response(202, b"", request_id)
        headers = {"Content-Type": _JSON, "X-Amz-Executed-Version": "$LATEST", **request_id}
        if result.status == "ok":
            return Response(200, json.dumps(result.payload).encode(), headers)
        headers["X-Amz-Function-Error"] = "Unhandled"
        body = {
            "errorType": result.error_type or result.status,
            "errorMessage": result.error_message,
        }
        return Response(200, json.dumps(body).encode(), headers)


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"Type": "User", "Message": message}).encode()
    return Response(
        status,
        body,
        {"Content-Type": _JSON, "x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
    )
