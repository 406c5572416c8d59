"""Runs one Lambda invocation in a process that sees only what the Lambda runtime has.

Started as ``python -I -S _bootstrap.py <invocation.json>``: no site-packages, no PYTHON*
variables, no current directory on ``sys.path``. The invocation file names the code directory
(the synthesized asset), the runtime directory (boto3 and its dependencies), the handler and the
context. Stdlib only: nothing of this library is importable in here.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from typing import Any

_INIT_TIMEOUT_EXIT = 3
_TIMEOUT_EXIT = 4
_ERROR_EXIT = 1


class LambdaContext:
    """The attributes and method of the Python runtime's context object that handlers use."""

    def __init__(self, spec: dict[str, Any], deadline: float) -> None:
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

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.time()) * 1000), 0)


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
    init_timer = threading.Timer(
        spec["init_timeout_seconds"],
        lambda: _finish(result_path, {"status": "init_timeout"}, _INIT_TIMEOUT_EXIT),
    )
    init_timer.daemon = True
    init_timer.start()
    try:
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

    timeout = float(spec["timeout_seconds"])
    deadline = time.time() + timeout
    timer = threading.Timer(
        timeout,
        lambda: _finish(
            result_path,
            {"status": "timeout", "errorMessage": f"Task timed out after {timeout:.2f} seconds"},
            _TIMEOUT_EXIT,
        ),
    )
    timer.daemon = True
    timer.start()
    with open(spec["event_path"], "rb") as event_file:
        event = json.load(event_file)
    print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
    try:
        payload = handler(event, LambdaContext(spec, deadline))
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
