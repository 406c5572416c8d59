"""The Lambda service's side of an invocation: admission, concurrency, and waiting for ends.

Asynchronous invocations (``Event``: how CloudFormation invokes a custom resource, and how the
handler's continuation invokes itself) run in a thread each; beyond ``max_concurrency`` running
at once they wait for a slot, as Lambda queues them, while synchronous ones are throttled.
The number of invocations is bounded so a runaway continuation loop cannot run forever.
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

from .runtime import InvocationResult, LambdaRuntime, LocalFunction

EVENT: Final = "Event"
REQUEST_RESPONSE: Final = "RequestResponse"


class ThrottledError(Exception):
    """Lambda refused the invocation (TooManyRequestsException)."""


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
    """Registered functions, invoked through the Invoke API (:mod:`.invoke`) or directly."""

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
        # Admitted and not finished (queued ones included) / holding an execution slot.
        self._running = 0
        self._executing = 0
        self._closed = False

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

    def invoke_async(self, function: LocalFunction, payload: bytes, *, source: str) -> Invocation:
        """Queue an asynchronous invocation, as CloudFormation does for a custom resource."""
        invocation = self._admit(function, payload, EVENT, source=source)
        thread = threading.Thread(
            target=self._run,
            args=(function, invocation),
            name=f"invoke-{invocation.request_id}",
            daemon=True,
        )
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return invocation

    def invoke(self, function: LocalFunction, payload: bytes, *, source: str) -> Invocation:
        """Run a synchronous invocation to its end (:class:`ThrottledError` when no slot)."""
        invocation = self._admit(function, payload, REQUEST_RESPONSE, source=source)
        self._run(function, invocation)
        return invocation

    def _take_slot(self, invocation: Invocation) -> bool:
        """Wait for an execution slot (asynchronous) or take one now (synchronous)."""
        with self._idle:
            if invocation.invocation_type != EVENT:
                self._executing += 1  # _admit checked the limit
                return True
            while self._executing >= self.max_concurrency and not self._closed:
                self._idle.wait(0.5)
            if self._closed:
                return False
            self._executing += 1
            return True

    def _admit(
        self, function: LocalFunction, payload: bytes, kind: str, *, source: str
    ) -> Invocation:
        with self._lock:
            if len(self.invocations) >= self.max_invocations:
                raise ThrottledError(f"more than {self.max_invocations} invocations in this run")
            if kind != EVENT and self._executing >= self.max_concurrency:
                raise ThrottledError("Rate Exceeded. (ConcurrentInvocationLimitExceeded)")
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

    def _run(self, function: LocalFunction, invocation: Invocation) -> None:
        slot = False
        try:
            slot = self._take_slot(invocation)
            if not slot:
                raise RuntimeError("the local Lambda runtime is shut down")
            result = self.runtime.invoke(
                function, invocation.payload, request_id=invocation.request_id
            )
        except Exception as error:  # the runtime refused (shut down): record, never raise
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
            if slot:
                self._executing -= 1
            self._idle.notify_all()

    def pending(self, which: Callable[[Invocation], bool]) -> bool:
        """Whether any invocation ``which`` selects is still running."""
        with self._lock:
            return self._pending(which)

    def _pending(self, which: Callable[[Invocation], bool]) -> bool:
        return any(inv.result is None for inv in self.invocations if which(inv))

    def running(self) -> int:
        with self._lock:
            return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation runs (continuations included); False on timeout."""
        return self._wait_until(lambda: not self._running, timeout)

    def wait_for(self, which: Callable[[Invocation], bool], timeout: float) -> bool:
        """Wait until the invocations ``which`` selects have ended; False on timeout."""
        return self._wait_until(lambda: not self._pending(which), timeout)

    def _wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(done, timeout)

    def close(self, grace: float = 0.0) -> None:
        """Let running invocations finish for ``grace`` seconds, then kill them."""
        if grace:
            self.wait_idle(grace)
        with self._idle:
            self._closed = True
            self._idle.notify_all()
        self.runtime.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)
