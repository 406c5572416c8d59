"""The handler's AWS clients in a test: real boto3 clients, every call recorded on the fake clock.

Behind botocore's ``Stubber`` (which checks each request and response against the service model)
where the exact calls are the point; :mod:`.local_cleanroomsml` points the Clean Rooms ML client
at the harness's endpoint instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.client import BaseClient
from botocore.config import Config
from botocore.stub import ANY, Stubber

from cdk_cleanrooms_ml._handler import service_models
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.clock import FakeClock
from tests.handler.support import (
    FUNCTION_ARN,
    JOB_ARN,
    MODEL_ARN,
    OUTPUT_PREFIX,
    REGION,
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
)

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

# The handler retries by itself; botocore's own retries would sleep for real.
NO_RETRIES: Final = Config(retries={"mode": "standard", "total_max_attempts": 1})


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    at: float


class Services:
    """The handler's boto3 clients, each behind an active Stubber, with every call recorded.

    :meth:`use_endpoint` points the Clean Rooms ML client at a served endpoint instead; the
    Lambda client (the hand-over's Invoke) stays stubbed.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[Call] = []
        # Built as the handler builds its own: the shipped service models first.
        session = service_models.session()
        self.cleanroomsml: CleanRoomsMLClient = session.client("cleanroomsml", region_name=REGION)
        self.lambda_: LambdaClient = session.client("lambda", region_name=REGION)
        self.scheduler: EventBridgeSchedulerClient = session.client("scheduler", region_name=REGION)
        # Clean Rooms (associations); no boto3-stubs for it are installed, hence Any.
        self.cleanrooms: Any = session.client("cleanrooms", region_name=REGION)
        self._record_calls(self.cleanroomsml)
        self._record_calls(self.cleanrooms)
        self._record_calls(self.lambda_)
        self._record_calls(self.scheduler)
        self.cleanroomsml_stub = Stubber(self.cleanroomsml)
        self.lambda_stub = Stubber(self.lambda_)
        self.scheduler_stub = Stubber(self.scheduler)
        self.cleanrooms_stub = Stubber(self.cleanrooms)
        self.cleanroomsml_stub.activate()
        self.cleanrooms_stub.activate()
        self.lambda_stub.activate()
        self.scheduler_stub.activate()
        self._servers: list[LoopbackServer] = []

    def _record_calls(self, client: BaseClient) -> None:
        service = client.meta.service_model.service_name

        def record(params: Mapping[str, Any], model: Any, **_: Any) -> None:
            self.calls.append(Call(service, model.name, dict(params), self.clock.now()))

        # provide-client-params fires before the Stubber checks anything, so even a call
        # that has no stubbed answer is recorded.
        client.meta.events.register(f"provide-client-params.{service}.*", record)

    def use_endpoint(self, server: LoopbackServer) -> None:
        """Send the Clean Rooms ML calls, and the Clean Rooms calls (answered when ``server``
        mounts that endpoint too, see :func:`.local_cleanroomsml.mount`), to ``server`` (stopped
        by :meth:`close`)."""
        self._servers.append(server)
        self.cleanroomsml_stub.deactivate()
        self.cleanroomsml = service_models.session().client(
            "cleanroomsml", region_name=REGION, endpoint_url=server.url, config=NO_RETRIES
        )
        self._record_calls(self.cleanroomsml)
        self.cleanrooms_stub.deactivate()
        self.cleanrooms = service_models.session().client(
            "cleanrooms", region_name=REGION, endpoint_url=server.url, config=NO_RETRIES
        )
        self._record_calls(self.cleanrooms)

    def use_scheduler(self, server: LoopbackServer) -> None:
        """Send the Scheduler calls to ``server`` (the harness's Scheduler API; stopped by
        :meth:`close`) instead of the stub."""
        self._servers.append(server)
        self.scheduler_stub.deactivate()
        self.scheduler = service_models.session().client(
            "scheduler", region_name=REGION, endpoint_url=server.url, config=NO_RETRIES
        )
        self._record_calls(self.scheduler)
        self.scheduler_stub = Stubber(self.scheduler)  # never activated: nothing is queued

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def close(self) -> None:
        for server in self._servers:
            server.stop()

    def verify(self) -> None:
        self.cleanroomsml_stub.assert_no_pending_responses()
        self.cleanrooms_stub.assert_no_pending_responses()
        self.lambda_stub.assert_no_pending_responses()
        self.scheduler_stub.assert_no_pending_responses()

    # Convenience for queueing stubbed answers, in call order.

    def expect_get_job(
        self,
        status: str = "ACTIVE",
        *,
        sizes: list[tuple[str, int]] | None = None,
        job_arn: str = JOB_ARN,
        status_details: dict[str, str] | None = None,
    ) -> None:
        self.cleanroomsml_stub.add_response(
            "get_audience_generation_job",
            generation_job(job_arn, status, sizes=sizes, status_details=status_details),
            expected_params={"audienceGenerationJobArn": job_arn},
        )

    def expect_list(
        self,
        exports: list[dict[str, Any]],
        *,
        job_arn: str = JOB_ARN,
        next_token: str | None = None,
        token: str | None = None,
    ) -> None:
        response: dict[str, Any] = {"audienceExportJobs": exports}
        if next_token:
            response["nextToken"] = next_token
        expected: dict[str, Any] = {"audienceGenerationJobArn": job_arn, "maxResults": 100}
        if token:
            expected["nextToken"] = token
        self.cleanroomsml_stub.add_response(
            "list_audience_export_jobs", response, expected_params=expected
        )

    def expect_start(
        self,
        name: str,
        size: tuple[str, int] = ("ABSOLUTE", 1000),
        *,
        description: str | None = None,
        job_arn: str = JOB_ARN,
    ) -> None:
        expected: dict[str, Any] = {
            "name": name,
            "audienceGenerationJobArn": job_arn,
            "audienceSize": {"type": size[0], "value": size[1]},
        }
        if description is not None:
            expected["description"] = description
        self.cleanroomsml_stub.add_response("start_audience_export_job", {}, expected)

    def expect_error(
        self, method: str, code: str, message: str = "", status: int = 400, **modeled: Any
    ) -> None:
        self.cleanroomsml_stub.add_client_error(
            method,
            service_error_code=code,
            service_message=message,
            http_status_code=status,
            modeled_fields={"message": message, **modeled} if message or modeled else None,
        )

    def discard_pending_schedules(self) -> None:
        """Forget Scheduler answers queued but never asked for (the hand-over slot offered to the
        last invocation of a poller chain, which stopped instead)."""
        self.scheduler_stub.deactivate()
        self.scheduler_stub = Stubber(self.scheduler)
        self.scheduler_stub.activate()

    def expect_schedule(self) -> None:
        """A CreateSchedule of the next poll: the provider's group and role, self-deleting."""
        self.scheduler_stub.add_response(
            "create_schedule",
            {"ScheduleArn": f"arn:aws:scheduler:{REGION}:111122223333:schedule/polls/next"},
            expected_params={
                "Name": ANY,
                "GroupName": SCHEDULE_GROUP,
                "ScheduleExpression": ANY,
                "ScheduleExpressionTimezone": "UTC",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "ActionAfterCompletion": "DELETE",
                "Target": {"Arn": FUNCTION_ARN, "RoleArn": SCHEDULER_ROLE_ARN, "Input": ANY},
                "Description": ANY,
            },
        )

    def expect_schedule_error(self, code: str, status: int = 400) -> None:
        self.scheduler_stub.add_client_error(
            "create_schedule", service_error_code=code, http_status_code=status
        )

    def expect_delete_schedule(self, name: object = ANY, *, gone: bool = True) -> None:
        if gone:
            self.scheduler_stub.add_client_error(
                "delete_schedule",
                service_error_code="ResourceNotFoundException",
                http_status_code=404,
                expected_params={"Name": name, "GroupName": SCHEDULE_GROUP},
            )
        else:
            self.scheduler_stub.add_response(
                "delete_schedule", {}, {"Name": name, "GroupName": SCHEDULE_GROUP}
            )


def _stamped(**fields: Any) -> dict[str, Any]:
    """A stubbed answer's object, created and updated at a fixed moment."""
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return {"createTime": when, "updateTime": when, **fields}


def generation_job(
    job_arn: str,
    status: str,
    *,
    sizes: list[tuple[str, int]] | None = None,
    status_details: dict[str, str] | None = None,
) -> dict[str, Any]:
    job = _stamped(
        audienceGenerationJobArn=job_arn,
        name="generation-job",
        status=status,
        configuredAudienceModelArn=MODEL_ARN,
    )
    if sizes:
        job["metrics"] = {
            "relevanceMetrics": [
                {"audienceSize": {"type": t, "value": v}, "score": 5.0} for t, v in sizes
            ]
        }
    if status_details:
        job["statusDetails"] = status_details
    return job


def export_summary(
    name: str,
    status: str = "ACTIVE",
    size: tuple[str, int] = ("ABSOLUTE", 1000),
    *,
    description: str | None = None,
    job_arn: str = JOB_ARN,
    output_location: str | None = None,
    status_details: dict[str, str] | None = None,
) -> dict[str, Any]:
    summary = _stamped(
        name=name,
        audienceGenerationJobArn=job_arn,
        audienceSize={"type": size[0], "value": size[1]},
        status=status,
    )
    if description is not None:
        summary["description"] = description
    if output_location is not None:
        summary["outputLocation"] = output_location
    elif status == "ACTIVE":
        summary["outputLocation"] = f"{OUTPUT_PREFIX}/{name}/"
    if status_details:
        summary["statusDetails"] = status_details
    return summary
