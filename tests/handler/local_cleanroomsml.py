"""The offline harness's Clean Rooms ML endpoint, on a test's fake clock, as the handler's service.

Exports finish, fail or never end as the fake clock moves; throttling, 5xx, lost answers and
quotas come from the endpoint's own faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3

from cdk_cleanrooms_ml.local.cleanrooms.responses import CleanRoomsEndpoint
from cdk_cleanrooms_ml.local.cleanroomsml.faults import Faults
from cdk_cleanrooms_ml.local.cleanroomsml.models import (
    EXPORTS_PER_GENERATION_JOB,
    ExportDurations,
    ExportJob,
)
from cdk_cleanrooms_ml.local.cleanroomsml.operations import START
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.clock import FakeClock
from tests.handler.services import NO_RETRIES, Services
from tests.handler.support import ACCOUNT, JOB_ARN, MODEL_ARN, OUTPUT_PREFIX, REGION

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient

# A fault injected this many times lasts until it is cleared (see LocalCleanRoomsMl.clear_at).
UNTIL_CLEARED: Final = 1_000_000
# An export that never finishes: in progress for longer than any test runs.
NEVER_S: Final = 10.0**8
OLD_FAILURE: Final = {"statusCode": "INTERNAL_ERROR", "message": "an earlier export failed"}


@dataclass
class LocalCleanRoomsMl:
    """The harness's endpoint the handler talks to in a test, and the test's view of it."""

    endpoint: CleanRoomsMlEndpoint
    url: str
    clock: FakeClock
    export_s: float
    # Clean Rooms, served beside the endpoint on the same URL (its seed's memberships).
    cleanrooms: CleanRoomsEndpoint

    @property
    def faults(self) -> Faults:
        return self.endpoint.faults

    def export_names(self) -> list[str]:
        return [str(export["name"]) for export in self.endpoint.exports(JOB_ARN)]

    def export(self, name: str) -> dict[str, object]:
        """The export ``name`` as ListAudienceExportJobs shows it."""
        [found] = [export for export in self.endpoint.exports(JOB_ARN) if export["name"] == name]
        return found

    def add_existing(self, count: int) -> None:
        """``count`` exports the job already had: ACTIVE up to the job's quota of 25 (one slot
        left for the test's own), CREATE_FAILED beyond (listed, but not counted by the quota)."""
        backend = self.endpoint.backend
        with backend.lock:
            backend.export_jobs.extend(
                ExportJob(
                    name=f"other-export-{n:03d}",
                    job_arn=JOB_ARN,
                    size_type="ABSOLUTE",
                    size_value=1000,
                    description=None,
                    created_at=self.clock.now() - 60,
                    pending_seconds=0.0,
                    in_progress_seconds=0.0,
                    output_location=f"{OUTPUT_PREFIX}/other-export-{n:03d}/",
                    failure=None if n < EXPORTS_PER_GENERATION_JOB - 1 else OLD_FAILURE,
                )
                for n in range(count)
            )

    def active_since(self, name: str) -> float:
        """When the export ``name`` (started once) turned ACTIVE."""
        [start] = [
            call.at
            for call in self.endpoint.calls_to(START)
            if call.params.get("name") == name and call.error is None
        ]
        return start + self.export_s

    def client(self) -> CleanRoomsMLClient:
        """Another caller of the endpoint (its calls are not the handler's)."""
        return boto3.client(
            "cleanroomsml", region_name=REGION, endpoint_url=self.url, config=NO_RETRIES
        )

    def cleanrooms_client(self) -> Any:
        """Another caller of the Clean Rooms endpoint (a boto3 ``cleanrooms`` client)."""
        return boto3.client(
            "cleanrooms", region_name=REGION, endpoint_url=self.url, config=NO_RETRIES
        )

    def clear_at(self, when: float) -> None:
        """The faults injected so far end at fake-clock time ``when``."""
        self.clock.at(when, self.faults.clear)


def serve_cleanroomsml(
    services: Services,
    *,
    sizes: list[tuple[str, int]] | None = None,
    job_active_after_s: float = 0.0,
    export_active_after_s: float | None = 30.0,
) -> LocalCleanRoomsMl:
    """Serve the harness's endpoint, on ``services``' clock, to the handler's client.

    The generation job ``JOB_ARN`` offers ``sizes`` (default ABSOLUTE 1000) and is ACTIVE after
    ``job_active_after_s``; each export is ACTIVE ``export_active_after_s`` after its Start
    (None: never), CREATE_PENDING for the first second of that.
    """
    offered = [("ABSOLUTE", 1000)] if sizes is None else sizes
    job: dict[str, Any] = {
        "audienceGenerationJobArn": JOB_ARN,
        "configuredAudienceModelArn": MODEL_ARN,
        "offeredSizes": [{"type": t, "value": v} for t, v in offered],
    }
    if job_active_after_s > 0:
        job.update(status="CREATE_IN_PROGRESS", activeAfterSeconds=job_active_after_s)
    export_s = NEVER_S if export_active_after_s is None else export_active_after_s
    pending = min(1.0, export_s)
    endpoint = CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [job],
            "outputLocationPrefix": OUTPUT_PREFIX,
            # The default seed's membership, for Clean Rooms' associations.
            "memberships": default_seed()["memberships"],
        },
        durations=ExportDurations(pending=pending, in_progress=export_s - pending),
        clock=services.clock.now,
        account_id=ACCOUNT,
    )
    cleanrooms, url = mount(services, endpoint)
    return LocalCleanRoomsMl(endpoint, url, services.clock, export_s, cleanrooms)


def mount(services: Services, endpoint: CleanRoomsMlEndpoint) -> tuple[CleanRoomsEndpoint, str]:
    """Serve ``endpoint`` with Clean Rooms beside it (one server, one URL, as the harness does)
    to the handler's clients; the Clean Rooms endpoint and the URL."""
    cleanrooms = CleanRoomsEndpoint(endpoint)
    server = LoopbackServer([endpoint, cleanrooms]).start()
    services.use_endpoint(server)
    return cleanrooms, server.url
