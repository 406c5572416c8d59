"""Everything a local deployment needs, started and stopped together.

One loopback HTTP server carries the Clean Rooms ML endpoint and the Lambda Invoke API; an HTTPS
loopback server takes the CloudFormation responses; the Lambda runtime runs handlers from the
synthesized asset with ``AWS_ENDPOINT_URL_CLEANROOMSML`` / ``AWS_ENDPOINT_URL_LAMBDA`` pointing at
the first server and ``SSL_CERT_FILE`` trusting the second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from .driver import DriverOptions, LocalCloudFormation, ProgressEvent, StackResult
from .endpoint import CleanRoomsMlEndpoint, ExportDurations
from .lambda_emulator import LambdaEmulator
from .responses import ResponseServer, create_certificate
from .runtime import LambdaRuntime, build_runtime_dir
from .server import LoopbackServer
from .state import StateStore
from .template import StackTemplate


class LocalCloud:
    """The embedded endpoint, the Lambda emulator, the response server and the driver."""

    def __init__(
        self,
        *,
        state_dir: Path,
        seed: Mapping[str, Any] | Path | None = None,
        port: int = 0,
        function_timeout: float | None = None,
        durations: ExportDurations | None = None,
        options: DriverOptions | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        runtime_cache: Path | None = None,
        log_level: str | None = None,
    ) -> None:
        self.store = StateStore(state_dir)
        self.endpoint = CleanRoomsMlEndpoint(
            seed=seed, durations=durations, state_file=self.store.endpoint_file
        )
        self._port = port
        self._function_timeout = function_timeout
        self._options = options
        self._on_progress = on_progress
        self._runtime_cache = runtime_cache or self.store.directory / "runtime"
        self._log_level = log_level
        self._server: LoopbackServer | None = None
        self._responses: ResponseServer | None = None
        self._emulator: LambdaEmulator | None = None
        self._driver: LocalCloudFormation | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalCloud is not started")
        return self._server.url

    @property
    def emulator(self) -> LambdaEmulator:
        if self._emulator is None:
            raise RuntimeError("LocalCloud is not started")
        return self._emulator

    @property
    def driver(self) -> LocalCloudFormation:
        if self._driver is None:
            raise RuntimeError("LocalCloud is not started")
        return self._driver

    @property
    def responses(self) -> ResponseServer:
        if self._responses is None:
            raise RuntimeError("LocalCloud is not started")
        return self._responses

    def start(self) -> LocalCloud:
        runtime_dir = build_runtime_dir(self._runtime_cache)
        work = self.store.work_dir
        certificate = create_certificate(work / "tls")
        runtime = LambdaRuntime(
            work_dir=work, runtime_dir=runtime_dir, timeout_override=self._function_timeout
        )
        emulator = LambdaEmulator(runtime)
        server = LoopbackServer([self.endpoint, emulator], port=self._port)
        server.start()
        self._server = server
        try:
            responses = ResponseServer(certificate).start()
        except BaseException:
            server.stop()
            raise
        self._responses = responses
        self._emulator = emulator
        runtime.environment.update(
            {
                "AWS_ENDPOINT_URL_CLEANROOMSML": server.url,
                "AWS_ENDPOINT_URL_LAMBDA": server.url,
                "SSL_CERT_FILE": str(certificate.ca_file),
            }
        )
        if self._log_level:
            runtime.environment["LOG_LEVEL"] = self._log_level
        self._driver = LocalCloudFormation(
            store=self.store,
            emulator=emulator,
            recorder=responses.recorder,
            options=self._options,
            on_progress=self._on_progress,
        )
        return self

    def deploy(
        self, stack: StackTemplate, parameters: Mapping[str, str] | None = None
    ) -> StackResult:
        return self.driver.deploy(stack, parameters)

    def destroy(self, stack_name: str) -> StackResult:
        return self.driver.destroy(stack_name)

    def close(self, grace: float = 0.0) -> None:
        """Stop everything; invocations still running after ``grace`` seconds are killed."""
        if self._emulator is not None:
            self._emulator.close(grace)
            self._emulator = None
        if self._responses is not None:
            self._responses.stop()
            self._responses = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._driver = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
