"""A local stand-in for the AWS Lambda Python runtime.

Each invocation runs in its own ``python -I -S`` process whose ``sys.path`` holds only the
standard library, the function's code directory (the synthesized asset) and a runtime directory
with the packages the Lambda runtime provides (boto3 and its dependencies, copied from the
installed distributions). A handler that imports anything else fails here as it would in AWS:
this is what proves the asset is self-contained.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..clock import CLOCK_ENV

BOOTSTRAP: Final = Path(__file__).with_name("_bootstrap.py")
# Loaded by path in the runtime process when the run keeps virtual time (see _bootstrap).
CLOCK_SOURCE: Final = Path(__file__).parents[1] / "clock.py"
INIT_TIMEOUT_SECONDS: Final = 10.0
# A process still alive this long after its deadline is killed by the parent.
_KILL_GRACE_SECONDS: Final = 5.0
# Credentials that look real to botocore's signer and are useless anywhere else.
FAKE_CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "ASIALOCALLOCALLOCAL0",
    "AWS_SECRET_ACCESS_KEY": "local/secret/key/for/the/offline/harness",
    "AWS_SESSION_TOKEN": "local-session-token",
}


@dataclass(frozen=True)
class LocalFunction:
    """A Lambda function as the template declares it, with its code on the local disk."""

    function_name: str
    handler: str
    code_dir: Path
    timeout_seconds: float = 3.0
    memory_mb: int = 128
    environment: Mapping[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    account: str = "111122223333"
    partition: str = "aws"
    logical_id: str = ""
    runtime: str = ""

    @property
    def arn(self) -> str:
        account = f"{self.partition}:lambda:{self.region}:{self.account}"
        return f"arn:{account}:function:{self.function_name}"


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    function_name: str
    status: str  # ok | error | timeout | init_timeout | crashed
    duration_seconds: float
    log_path: Path
    payload: Any = None
    error_type: str | None = None
    error_message: str | None = None

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


class LambdaRuntime:
    """Runs handler invocations in isolated processes (thread-safe, blocking per call)."""

    def __init__(
        self,
        *,
        work_dir: Path,
        runtime_dir: Path,
        environment: Mapping[str, str] | None = None,
        timeout_override: float | None = None,
        python: str = sys.executable,
    ) -> None:
        self.work_dir = work_dir
        self.runtime_dir = runtime_dir
        self.environment = dict(environment or {})
        self.timeout_override = timeout_override
        self.python = python
        self._lock = threading.Lock()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._closed = False
        (work_dir / "invocations").mkdir(parents=True, exist_ok=True)
        (work_dir / "logs").mkdir(parents=True, exist_ok=True)

    def timeout_for(self, function: LocalFunction) -> float:
        return self.timeout_override or function.timeout_seconds

    def _env(self, function: LocalFunction) -> dict[str, str]:
        # A fresh environment like the runtime's: nothing leaks in from the caller's shell.
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "HOME": str(self.work_dir),
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.function_name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime or 'python'}",
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "_HANDLER": function.handler,
            # Never read the developer's own AWS configuration or instance metadata.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            **FAKE_CREDENTIALS,
        }
        env.update(self.environment)
        env.update(function.environment)
        return env

    def invoke(
        self, function: LocalFunction, payload: bytes, *, request_id: str | None = None
    ) -> InvocationResult:
        request_id = request_id or str(uuid.uuid4())
        timeout = self.timeout_for(function)
        folder = self.work_dir / "invocations" / request_id
        # No parents: a state folder removed mid-run is not recreated by a handler starting.
        folder.mkdir()
        event_path = folder / "event.json"
        event_path.write_bytes(payload)
        result_path = folder / "result.json"
        log_path = self.work_dir / "logs" / f"{function.function_name}-{request_id}.log"
        stamp = time.strftime("%Y/%m/%d")
        spec = {
            "sys_path": [str(function.code_dir), str(self.runtime_dir)],
            "code_dir": str(function.code_dir),
            "handler": function.handler,
            "event_path": str(event_path),
            "result_path": str(result_path),
            "function_name": function.function_name,
            "invoked_function_arn": function.arn,
            "memory_mb": function.memory_mb,
            "request_id": request_id,
            "timeout_seconds": timeout,
            "init_timeout_seconds": INIT_TIMEOUT_SECONDS,
            "log_group_name": f"/aws/lambda/{function.function_name}",
            "log_stream_name": f"{stamp}/[$LATEST]{request_id.replace('-', '')}",
        }
        env = self._env(function)
        if env.get(CLOCK_ENV):
            spec["clock_source"] = str(CLOCK_SOURCE)
        spec_path = folder / "invocation.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        started = time.monotonic()
        with log_path.open("wb") as log, self._lock:
            if self._closed:
                raise RuntimeError("the local Lambda runtime is shut down")
            process = subprocess.Popen(
                [self.python, "-I", "-S", str(BOOTSTRAP), str(spec_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=str(function.code_dir),
            )
            self._processes[request_id] = process
        try:
            process.wait(timeout=INIT_TIMEOUT_SECONDS + timeout + _KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            with self._lock:
                self._processes.pop(request_id, None)
        duration = time.monotonic() - started
        result = self._result(function, request_id, result_path, log_path, duration)
        # The log stays (like CloudWatch Logs); the event and its ResponseURL do not.
        shutil.rmtree(folder, ignore_errors=True)
        return result

    @staticmethod
    def _result(
        function: LocalFunction,
        request_id: str,
        result_path: Path,
        log_path: Path,
        duration: float,
    ) -> InvocationResult:
        try:
            data = json.loads(result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {
                "status": "crashed",
                "errorMessage": "the runtime process ended without a result",
            }
        return InvocationResult(
            request_id=request_id,
            function_name=function.function_name,
            status=str(data.get("status", "crashed")),
            duration_seconds=duration,
            log_path=log_path,
            payload=data.get("payload"),
            error_type=data.get("errorType"),
            error_message=data.get("errorMessage"),
        )

    def running(self) -> int:
        with self._lock:
            return len(self._processes)

    def close(self) -> None:
        """Kill whatever still runs; later invocations are refused."""
        with self._lock:
            self._closed = True
            processes = list(self._processes.values())
        for process in processes:
            if process.poll() is None:
                process.kill()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
