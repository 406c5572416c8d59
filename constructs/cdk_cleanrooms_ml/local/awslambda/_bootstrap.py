"""Runs one Lambda invocation in a process that sees only what the Lambda runtime has.

Started as ``python -I -S _bootstrap.py <invocation.json>``: no site-packages, no PYTHON*
variables, no current directory on ``sys.path``. The invocation file names the code directory
(the synthesized asset), the runtime directory (boto3 and its dependencies), the handler and the
context. Stdlib only: nothing of this library is importable in here.

On a run with virtual time (``clock_source`` in the invocation file, the clock file named by the
environment) the harness's clock module is loaded by path and handed to the handler package's
``clock.use()`` before the handler is imported; the context's remaining time and the timeout
count virtual time too, and a sleep past the deadline ends the invocation there, as Lambda does.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

_INIT_TIMEOUT_EXIT = 3
_TIMEOUT_EXIT = 4
_ERROR_EXIT = 1


class LambdaContext:
    """The attributes and method of the Python runtime's context object that handlers use."""

    def __init__(
        self, spec: dict[str, Any], deadline: float, now: Callable[[], float] = time.time
    ) -> None:
        self.function_name: str = spec["function_name"]
        self.function_version: str = "$LATEST"
        self.invoked_function_arn: str = spec["invoked_function_arn"]
        # The Python runtime passes the memory size through as a string.
        self.memory_limit_in_mb: str = str(spec["memory_mb"])
        self.aws_request_id: str = spec["request_id"]
        self.log_group_name: str = spec["log_group_name"]
        self.log_stream_name: str = spec["log_stream_name"]
        self.identity: object = None
        self.client_context: object = None
        self._deadline = deadline
        self._now = now

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - self._now()) * 1000), 0)


class _InvocationClock:
    """The harness's virtual clock as the handler sees it, bounded by the invocation's deadline.

    ``on_deadline`` ends the process: a sleep that would pass the deadline moves time to the
    deadline and the invocation times out there, instead of the handler waking up after it.
    """

    def __init__(self, clock: Any, on_deadline: Callable[[], None]) -> None:
        self.clock = clock
        self.deadline: float | None = None
        self._on_deadline = on_deadline

    def now(self) -> float:
        return float(self.clock.now())

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        deadline = self.deadline
        if deadline is not None and self.clock.fast and self.now() + seconds >= deadline:
            self.clock.advance_to(deadline)
            self._on_deadline()
        self.clock.sleep(seconds)


def _harness_clock(spec: dict[str, Any]) -> Any:
    """The run's virtual clock (a ``FileClock``), or None on real time."""
    source = spec.get("clock_source")
    if not source:
        return None
    module_spec = importlib.util.spec_from_file_location("_local_clock", source)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load the harness clock from {source}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.FileClock.attach(os.environ[module.CLOCK_ENV])


def _install_clock(module_name: str, clock: _InvocationClock) -> None:
    """Hand ``clock`` to ``clock.use()`` of the handler's package, when it has one."""
    package = module_name.rpartition(".")[0]
    if not package:
        return
    try:
        target = importlib.import_module(f"{package}.clock")
    except ModuleNotFoundError as error:
        if error.name != f"{package}.clock":
            raise
        return
    use = getattr(target, "use", None)
    if callable(use):
        use(clock)


def _watch_deadline(clock: _InvocationClock, on_deadline: Callable[[], None]) -> None:
    # Other processes move virtual time too (the harness, concurrent sleepers).
    deadline = clock.deadline
    while deadline is not None and clock.now() < deadline:
        time.sleep(0.05)
    on_deadline()


# The timeout timer and the handler's thread may both finish: the first one writes and exits.
_FINISHING = threading.Lock()


def _finish(path: str, result: dict[str, Any], code: int) -> None:
    # The parent reads the result only once this process has ended, and a torn file reads as
    # no result: a plain write is enough.
    _FINISHING.acquire()
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Like the runtime freezing the sandbox: leftover threads (crhelper's timer) do not run on.
    os._exit(code)


def main(spec_path: str) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec: dict[str, Any] = json.load(handle)
    sys.path[:0] = spec["sys_path"]
    os.chdir(spec["code_dir"])
    result_path: str = spec["result_path"]
    request_id: str = spec["request_id"]

    class _RequestId(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.aws_request_id = request_id
            return True

    # The runtime installs a root handler on stdout; handlers and crhelper reformat it.
    root_handler = logging.StreamHandler(sys.stdout)
    root_handler.addFilter(_RequestId())
    root_handler.setFormatter(
        logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s")
    )
    logging.root.addHandler(root_handler)

    module_name, _, function_name = spec["handler"].rpartition(".")
    timeout = float(spec["timeout_seconds"])

    def timed_out() -> None:
        _finish(
            result_path,
            {"status": "timeout", "errorMessage": f"Task timed out after {timeout:.2f} seconds"},
            _TIMEOUT_EXIT,
        )

    init_timer = threading.Timer(
        spec["init_timeout_seconds"],
        lambda: _finish(result_path, {"status": "init_timeout"}, _INIT_TIMEOUT_EXIT),
    )
    init_timer.daemon = True
    init_timer.start()
    clock: _InvocationClock | None = None
    try:
        harness_clock = _harness_clock(spec)
        if harness_clock is not None:
            clock = _InvocationClock(harness_clock, timed_out)
            _install_clock(module_name, clock)
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        traceback.print_exc()
        _finish(
            result_path,
            {
                "status": "error",
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": f"Unable to import module '{module_name}': {error}",
            },
            _ERROR_EXIT,
        )
    init_timer.cancel()

    now = clock.now if clock is not None else time.time
    deadline = now() + timeout
    # Real time bounds every invocation; virtual time, when the run has it, bounds it as well.
    timer = threading.Timer(timeout, timed_out)
    timer.daemon = True
    timer.start()
    if clock is not None:
        clock.deadline = deadline
        watcher = threading.Thread(target=_watch_deadline, args=(clock, timed_out), daemon=True)
        watcher.start()
    with open(spec["event_path"], "rb") as event_file:
        event = json.load(event_file)
    print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
    try:
        payload = handler(event, LambdaContext(spec, deadline, now))
    except Exception as error:
        traceback.print_exc()
        print(f"END RequestId: {request_id}", flush=True)
        _finish(
            result_path,
            {"status": "error", "errorType": type(error).__name__, "errorMessage": str(error)},
            _ERROR_EXIT,
        )
    timer.cancel()
    print(f"END RequestId: {request_id}", flush=True)
    _finish(result_path, {"status": "ok", "payload": payload}, 0)


if __name__ == "__main__":
    main(sys.argv[1])
