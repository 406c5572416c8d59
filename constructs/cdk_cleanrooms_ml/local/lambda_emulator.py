"""The Lambda Invoke API, as far as the handler's continuation uses it.

``POST /2015-03-31/functions/{FunctionName}/invocations`` with ``X-Amz-Invocation-Type: Event``
answers 202 and runs the function with that payload in a new runtime process, like AWS Lambda's
asynchronous invocation (which is also how CloudFormation invokes a custom resource).
``RequestResponse`` runs it and returns the handler's result. Functions are addressed by name or
ARN. The number of invocations is bounded so a runaway continuation loop cannot run forever.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

from .runtime import InvocationResult, LambdaRuntime, LocalFunction
from .server import Request, Response

_PREFIX: Final = "/2015-03-31/functions/"
_SUFFIX: Final = "/invocations"
_JSON: Final = "application/json"


@dataclass
class Invocation:
    request_id: str
    function_name: str
    invocation_type: str
    payload: bytes
    started_at: float
    source: str
    result: InvocationResult | None = None

    @functools.cached_property
    def event(self) -> object:
        try:
            return json.loads(self.payload or b"null")
        except ValueError:
            return None


class LambdaEmulator:
    """Registered functions, invoked through the Lambda API or directly by the driver."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        *,
        max_invocations: int = 500,
        max_concurrency: int = 10,
    ) -> None:
        self.runtime = runtime
        self.max_invocations = max_invocations
        self.max_concurrency = max_concurrency
        self.invocations: list[Invocation] = []
        self._functions: dict[str, LocalFunction] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = 0

    def register(self, function: LocalFunction) -> None:
        with self._lock:
            self._functions[function.function_name] = function
            self._functions[function.arn] = function

    def function(self, name_or_arn: str) -> LocalFunction | None:
        with self._lock:
            found = self._functions.get(name_or_arn)
            if found is None and name_or_arn.count(":") == 7:
                # An ARN with a qualifier (…:function:name:$LATEST).
                found = self._functions.get(name_or_arn.rsplit(":", 1)[0])
            return found

    # --- HTTP ------------------------------------------------------------------------------

    def handles(self, request: Request) -> bool:
        return request.path.startswith(_PREFIX) and request.path.endswith(_SUFFIX)

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(400, "InvalidRequestContentException", "Invoke needs POST")
        name = unquote(request.path[len(_PREFIX) : -len(_SUFFIX)])
        function = self.function(name)
        if function is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {name}")
        kind = request.headers.get("x-amz-invocation-type", "RequestResponse")
        if kind == "DryRun":
            return Response(204)
        if kind not in ("Event", "RequestResponse"):
            return _error(400, "InvalidParameterValueException", f"bad invocation type {kind}")
        try:
            invocation = self._admit(function, request.body, kind, source="lambda:Invoke")
        except _ThrottledError as error:
            return _error(429, "TooManyRequestsException", str(error))
        request_id = {"x-amzn-RequestId": invocation.request_id}
        if kind == "Event":
            self._start_thread(function, invocation)
            return Response(202, b"", request_id)
        result = self._run(function, invocation)
        headers = {"Content-Type": _JSON, "X-Amz-Executed-Version": "$LATEST", **request_id}
        if result.status == "ok":
            return Response(200, json.dumps(result.payload).encode(), headers)
        headers["X-Amz-Function-Error"] = "Unhandled"
        body = {
            "errorType": result.error_type or result.status,
            "errorMessage": result.error_message,
        }
        return Response(200, json.dumps(body).encode(), headers)

    # --- invoking --------------------------------------------------------------------------

    def invoke_async(self, function: LocalFunction, payload: bytes, *, source: str) -> Invocation:
        """Queue an asynchronous invocation, as CloudFormation does for a custom resource."""
        invocation = self._admit(function, payload, "Event", source=source)
        self._start_thread(function, invocation)
        return invocation

    def _admit(
        self, function: LocalFunction, payload: bytes, kind: str, *, source: str
    ) -> Invocation:
        with self._lock:
            if len(self.invocations) >= self.max_invocations:
                raise _ThrottledError(f"more than {self.max_invocations} invocations in this run")
            if self._running >= self.max_concurrency:
                raise _ThrottledError("Rate Exceeded. (ConcurrentInvocationLimitExceeded)")
            invocation = Invocation(
                request_id=str(uuid.uuid4()),
                function_name=function.function_name,
                invocation_type=kind,
                payload=payload,
                started_at=time.time(),
                source=source,
            )
            self.invocations.append(invocation)
            self._running += 1
            return invocation

    def _start_thread(self, function: LocalFunction, invocation: Invocation) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(function, invocation),
            name=f"invoke-{invocation.request_id}",
            daemon=True,
        )
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _run(self, function: LocalFunction, invocation: Invocation) -> InvocationResult:
        try:
            result = self.runtime.invoke(
                function, invocation.payload, request_id=invocation.request_id
            )
        except (
            Exception
        ) as error:  # the runtime refused (shut down): record, never raise in a thread
            result = InvocationResult(
                request_id=invocation.request_id,
                function_name=function.function_name,
                status="crashed",
                duration_seconds=0.0,
                log_path=self.runtime.work_dir / "logs" / "none.log",
                error_message=str(error),
            )
        with self._idle:
            invocation.result = result
            self._running -= 1
            self._idle.notify_all()
        return result

    def pending(self, which: Callable[[Invocation], bool]) -> bool:
        """Whether any invocation ``which`` selects is still running."""
        with self._lock:
            return any(inv.result is None for inv in self.invocations if which(inv))

    def running(self) -> int:
        with self._lock:
            return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation runs (continuations included); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def wait_for(self, which: Callable[[Invocation], bool], timeout: float) -> bool:
        """Wait until the invocations ``which`` selects have ended; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while any(inv.result is None for inv in self.invocations if which(inv)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self, grace: float = 0.0) -> None:
        """Let running invocations finish for ``grace`` seconds, then kill them."""
        if grace:
            self.wait_idle(grace)
        self.runtime.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)


class _ThrottledError(Exception):
    pass


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"Type": "User", "Message": message}).encode()
    return Response(
        status,
        body,
        {"Content-Type": _JSON, "x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
    )
