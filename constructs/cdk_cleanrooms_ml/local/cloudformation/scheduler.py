"""Deploying a stack's resources in dependency order, custom resources in parallel."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Final

from .dependencies import dependencies, dependency_order
from .exceptions import ResourceFailedError, TemplateError
from .journal import Journal
from .protocol import Operation
from .stacks import ResourceState
from .steps import Step, StepPlanner

# Custom resources in flight at once (CloudFormation has no small limit; handlers beyond the
# Lambda emulator's concurrency wait for a slot there).
_MAX_PARALLEL: Final = 16


class Scheduler:
    """Starts each resource once everything it depends on is complete."""

    def __init__(self, template: Mapping[str, Any], planner: StepPlanner) -> None:
        self.planner = planner
        self._needs = dependencies(template)
        self._waiting = list(dependency_order(template))
        self._complete: set[str] = set()
        self._running: dict[Future[Operation], Step] = {}
        # Custom resources whose handler is running, as a Delete would address them.
        self.in_flight: dict[str, ResourceState] = {}

    def run(self, journal: Journal, operations: list[Operation]) -> None:
        """Deploy every resource; each operation goes into ``operations`` as it ends.

        After a failure no new resource starts; those in flight are waited for (their outcome
        decides what the rollback undoes), then the failure is raised.
        """
        failure: ResourceFailedError | None = None
        pool = ThreadPoolExecutor(max_workers=_MAX_PARALLEL, thread_name_prefix="cfn-resource")
        try:
            while True:
                if failure is None:
                    failure = self._start_ready(pool)
                if not self._running:
                    break
                finished, _ = wait(self._running, return_when=FIRST_COMPLETED)
                for future in finished:
                    step = self._running.pop(future)
                    operation = future.result()  # StateLostError propagates from here
                    self.in_flight.pop(step.logical_id, None)
                    if step.record:
                        operations.append(operation)
                    try:
                        step.finish(operation, journal)
                    except ResourceFailedError as error:
                        failure = failure or error
                    else:
                        self._complete.add(step.logical_id)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if failure is not None:
            raise failure

    def _start_ready(self, pool: ThreadPoolExecutor) -> ResourceFailedError | None:
        """Start everything ready; resources that need no handler complete at once."""
        progressed = True
        while progressed:
            progressed = False
            ready = [lid for lid in self._waiting if self._needs[lid] <= self._complete]
            for logical_id in ready:
                self._waiting.remove(logical_id)
                try:
                    step = self.planner.prepare(logical_id)
                except TemplateError as error:
                    return ResourceFailedError(logical_id, str(error))
                except ResourceFailedError as error:
                    return error
                if step is None:
                    self._complete.add(logical_id)
                    progressed = True
                else:
                    self.in_flight[logical_id] = step.resource
                    self._running[pool.submit(step.call)] = step
        return None
