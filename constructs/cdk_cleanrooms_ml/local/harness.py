"""Everything a local deployment needs, started and stopped together.

One loopback HTTP server carries the Clean Rooms ML endpoint (where the driver makes training
datasets too) with the Clean Rooms endpoint beside it, the Lambda Invoke API and the EventBridge
Scheduler API; an HTTPS loopback server takes the CloudFormation responses; the Lambda runtime
runs handlers from the synthesized asset with ``AWS_ENDPOINT_URL_CLEANROOMSML`` /
``AWS_ENDPOINT_URL_CLEANROOMS`` / ``AWS_ENDPOINT_URL_LAMBDA`` / ``AWS_ENDPOINT_URL_SCHEDULER``
pointing at the first server and
``SSL_CERT_FILE`` trusting the second, which also serves the wait condition handles' URLs. Due
schedules invoke their Lambda targets on the run's clock (:mod:`.scheduler.engine`).

Time is real unless the run asks for the fast clock (``fast_clock=True``, ``--fast-clock``): then
the endpoint, the driver and the handlers share the virtual clock of :mod:`.clock`, and a
handler's ``sleep`` moves it forward at once.

A run holds the state folder's lock from :meth:`LocalCloud.start` to :meth:`LocalCloud.close`,
and its certificate authority lives in a private temporary folder of its own: nothing another
run's handlers trust is ever rewritten.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from .awslambda.invocations import LambdaEmulator
from .awslambda.invoke import InvokeApi
from .awslambda.packages import build_runtime_dir
from .awslambda.runtime import LambdaRuntime
from .cleanrooms.responses import ENDPOINT_ENV as CLEANROOMS_ENDPOINT_ENV
from .cleanrooms.responses import CleanRoomsEndpoint
from .cleanroomsml.exceptions import SeedError
from .cleanroomsml.models import ExportDurations
from .cleanroomsml.responses import CleanRoomsMlEndpoint
from .cleanroomsml.seed import default_seed, load_seed_file, parse_seed
from .clock import CLOCK_ENV, Clock, FileClock, clock_for
from .cloudformation.assembly import StackTemplate
from .cloudformation.driver import (
    DriverOptions,
    DriverServices,
    LocalCloudFormation,
    ProgressEvent,
    StackResult,
)
from .recorder import ResponseServer
from .scheduler.engine import SchedulerEngine
from .scheduler.models import SchedulerBackend
from .scheduler.responses import SchedulerApi
from .server import LoopbackServer
from .signals import SIGNAL_ORIGIN_ENV, WaitHandles
from .state import StateStore
from .tls import create_certificate

_T = TypeVar("_T")


def _started(part: _T | None) -> _T:
    if part is None:
        raise RuntimeError("LocalCloud is not started")
    return part


def resolve_seed(store: StateStore, seed: Mapping[str, Any] | Path | None) -> dict[str, Any]:
    """The seed to serve: the one given (checked), else the one kept in the state, else the
    library's example job."""
    if isinstance(seed, Path):
        return load_seed_file(seed)
    if seed is not None:
        parse_seed(seed, now=0.0)
        return dict(seed)
    kept = store.seed()
    if kept is None:
        return default_seed()
    try:
        parse_seed(kept, now=0.0)
    except SeedError as error:
        raise SeedError(f"seed kept in {store.seed_file}: {error}") from error
    return kept


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
        fast_clock: bool = False,
        runtime_packages: Path | None = None,
        services: DriverServices | None = None,
    ) -> None:
        """
        :param runtime_packages: a folder holding the boto3 the Lambda runtime would have (e.g.
            ``pip install --target DIR boto3==1.34.77``), to run the handler with it; default:
            this environment's boto3 and its dependencies.
        :param services: the account's S3, where Lambda code is read and who runs StackSets
            (what an organization's clouds share, :mod:`.organization_harness`); default none.
        """
        self.store = StateStore(state_dir)
        # A bad seed file is refused before anything starts; a kept one is read under the lock.
        self._seed = load_seed_file(seed) if isinstance(seed, Path) else seed
        self._durations = durations
        self._endpoint: CleanRoomsMlEndpoint | None = None
        self._cleanrooms: CleanRoomsEndpoint | None = None
        self._tls_dir: Path | None = None
        self._port = port
        self._function_timeout = function_timeout
        self._options = options
        self._on_progress = on_progress
        self._runtime_cache = runtime_cache or self.store.directory / "runtime"
        self._log_level = log_level
        self._fast_clock = fast_clock
        self._runtime_packages = runtime_packages
        self._services = services
        self._clock: Clock | None = None
        self._wait_handles: WaitHandles | None = None
        self._server: LoopbackServer | None = None
        self._responses: ResponseServer | None = None
        self._emulator: LambdaEmulator | None = None
        self._driver: LocalCloudFormation | None = None
        self._scheduler: SchedulerBackend | None = None
        self._scheduler_api: SchedulerApi | None = None
        self._scheduler_engine: SchedulerEngine | None = None

    @property
    def endpoint(self) -> CleanRoomsMlEndpoint:
        return _started(self._endpoint)

    @property
    def cleanrooms(self) -> CleanRoomsEndpoint:
        """The Clean Rooms endpoint (collaborations: associations), beside :attr:`endpoint`."""
        return _started(self._cleanrooms)

    @property
    def url(self) -> str:
        return _started(self._server).url

    @property
    def emulator(self) -> LambdaEmulator:
        return _started(self._emulator)

    @property
    def driver(self) -> LocalCloudFormation:
        return _started(self._driver)

    @property
    def responses(self) -> ResponseServer:
        return _started(self._responses)

    @property
    def scheduler(self) -> SchedulerBackend:
        """EventBridge Scheduler's groups and schedules, and ``firings``: what fired."""
        return _started(self._scheduler)

    @property
    def scheduler_api(self) -> SchedulerApi:
        """The Scheduler API on the loopback server; ``calls`` is every request it answered."""
        return _started(self._scheduler_api)

    @property
    def scheduler_engine(self) -> SchedulerEngine:
        """What fires due schedules (with the fast clock: moves time to the next one)."""
        return _started(self._scheduler_engine)

    @property
    def clock(self) -> Clock:
        """The run's time: ``now()``, and with the fast clock ``advance(s)`` / ``sleep(s)``."""
        return _started(self._clock)

    @property
    def wait_handles(self) -> WaitHandles:
        """The wait condition handles' URLs (``url(stack, logical_id)``) and their signals."""
        return _started(self._wait_handles)

    def start(self) -> LocalCloud:
        self.store.lock.acquire()
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> LocalCloud:
        # Read under the lock: state written by a run that just ended is seen whole.
        seed = resolve_seed(self.store, self._seed)
        clock = clock_for(self.store.clock_file, fast=self._fast_clock)
        self._clock = clock
        defaults = self._options or DriverOptions()
        endpoint = CleanRoomsMlEndpoint(
            seed=seed,
            durations=self._durations,
            state_file=self.store.endpoint_file,
            clock=clock.now,
            account_id=defaults.default_account,
            region=defaults.default_region,
        )
        # Kept, so the next run without --seed serves the same generation jobs.
        self.store.save_seed(seed)
        self._endpoint = endpoint
        runtime_dir = self._runtime_packages or build_runtime_dir(self._runtime_cache)
        work = self.store.work_dir
        # Per run and private: another run's handlers keep trusting their own CA.
        self._tls_dir = Path(tempfile.mkdtemp(prefix="cdk-cleanrooms-ml-tls-"))
        certificate = create_certificate(self._tls_dir)
        runtime = LambdaRuntime(
            work_dir=work, runtime_dir=runtime_dir, timeout_override=self._function_timeout
        )
        emulator = LambdaEmulator(runtime)
        self._emulator = emulator
        scheduler = SchedulerBackend(
            state_file=self.store.scheduler_file,
            clock=clock.now,
            region=defaults.default_region,
            account_id=defaults.default_account,
        )
        self._scheduler = scheduler
        scheduler_api = SchedulerApi(scheduler)
        self._scheduler_api = scheduler_api
        self._cleanrooms = CleanRoomsEndpoint(endpoint)
        server = LoopbackServer(
            [endpoint, self._cleanrooms, InvokeApi(emulator), scheduler_api],
            port=self._port,
        )
        server.start()
        self._server = server
        wait_handles = WaitHandles(clock)
        self._wait_handles = wait_handles
        responses = ResponseServer(certificate, wait_handles).start()
        self._responses = responses
        runtime.environment.update(
            {
                "AWS_ENDPOINT_URL_CLEANROOMSML": server.url,
                CLEANROOMS_ENDPOINT_ENV: server.url,
                "AWS_ENDPOINT_URL_LAMBDA": server.url,
                "AWS_ENDPOINT_URL_SCHEDULER": server.url,
                "SSL_CERT_FILE": str(certificate.ca_file),
                # The one origin besides AWS whose handle URLs the provider signals.
                SIGNAL_ORIGIN_ENV: wait_handles.base_url,
            }
        )
        if isinstance(clock, FileClock):
            runtime.environment[CLOCK_ENV] = str(clock.path)
        if self._log_level:
            runtime.environment["LOG_LEVEL"] = self._log_level
        self._driver = LocalCloudFormation(
            store=self.store,
            emulator=emulator,
            recorder=responses.recorder,
            options=self._options,
            on_progress=self._on_progress,
            clock=clock,
            wait_handles=wait_handles,
            scheduler=scheduler,
            cleanroomsml_url=server.url,
            services=self._services,
        )
        # Last: the driver has registered the functions earlier runs deployed, which a schedule
        # kept from one of those runs may invoke.
        self._scheduler_engine = SchedulerEngine(scheduler, emulator, clock).start()
        return self

    def deploy(
        self, stack: StackTemplate, parameters: Mapping[str, str] | None = None
    ) -> StackResult:
        return self.driver.deploy(stack, parameters)

    def destroy(self, stack_name: str, *, force: bool = False) -> StackResult:
        return self.driver.destroy(stack_name, force=force)

    def close(self, grace: float = 0.0) -> None:
        """Stop everything; invocations still running after ``grace`` seconds are killed."""
        if self._driver is not None and not grace:
            # Nothing waits for answers that will not come once the handlers are killed.
            self._driver.cancel()
        if self._scheduler_engine is not None:
            # Pending schedules stay in the state file for the next run to fire.
            self._scheduler_engine.stop()
            self._scheduler_engine = None
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
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None
        self.store.lock.release()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
