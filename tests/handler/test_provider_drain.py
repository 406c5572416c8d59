"""The provider's drain: deleted after the stack's generation jobs and before the provider, it
waits while a background deletion of one of them is marked as going on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cdk_cleanrooms_ml._handler import continuation
from cdk_cleanrooms_ml._handler.resources import provider_drain
from cdk_cleanrooms_ml.local.scheduler.models import SchedulerBackend
from cdk_cleanrooms_ml.local.scheduler.responses import SchedulerApi
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.handler.services import Services
from tests.handler.support import (
    FUNCTION_ARN,
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
    STACK_ID,
    cfn_event,
    invoke_handler,
)

JOBS = ["JobA", "JobB"]


def drain_event(request_type: str, jobs: Any = JOBS, **extra: Any) -> dict[str, Any]:
    event = cfn_event(
        request_type,
        {"ServiceToken": "x", "ServiceTimeout": "600", provider_drain.KEY_JOBS: jobs, **extra},
        logical_id="ProviderDrain",
        physical_id=None if request_type == "Create" else "ProviderDrain-drain",
    )
    event["ResourceType"] = provider_drain.RESOURCE_TYPE
    return event


def serve_scheduler(services: Services) -> SchedulerBackend:
    """The harness's Scheduler, with the provider's group, on the test's clock."""
    backend = SchedulerBackend(clock=services.clock.now)
    backend.create_schedule_group(SCHEDULE_GROUP)
    services.use_scheduler(LoopbackServer([SchedulerApi(backend)]).start())
    return backend


def mark(backend: SchedulerBackend, services: Services, logical_id: str) -> str:
    """A background deletion of ``logical_id`` going on: its marker schedule exists."""
    name = continuation.background_marker_name(STACK_ID, logical_id)
    backend.create_schedule(
        name=name,
        group_name=SCHEDULE_GROUP,
        schedule_expression=f"at({_far_future(services)})",
        target={"Arn": FUNCTION_ARN, "RoleArn": SCHEDULER_ROLE_ARN, "Input": "{}"},
        flexible_time_window={"Mode": "OFF"},
    )
    return name


def _far_future(services: Services) -> str:
    when = dt.datetime.fromtimestamp(services.clock.now() + 86_400, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def test_create_does_nothing_but_check_its_properties(services: Services) -> None:
    created = invoke_handler(drain_event("Create"), services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"
    assert created.response["PhysicalResourceId"] == "ProviderDrain-drain"
    assert created.calls == []


def test_bad_properties_fail_a_create_naming_the_field(services: Services) -> None:
    created = invoke_handler(drain_event("Create", jobs="JobA"), services=services)

    assert created.response is not None and created.response["Status"] == "FAILED"
    assert created.response["Reason"].startswith(f"{provider_drain.KEY_JOBS}: ")
    assert created.calls == []


def test_delete_with_nothing_going_on_answers_at_once(services: Services) -> None:
    serve_scheduler(services)

    deleted = invoke_handler(drain_event("Delete"), services=services)

    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"
    assert deleted.operations == ["GetSchedule", "GetSchedule"]


def test_delete_waits_while_a_background_deletion_is_marked(services: Services) -> None:
    # JobB's deletion goes on in the background: the drain keeps the provider until it ends.
    backend = serve_scheduler(services)
    marker = mark(backend, services, "JobB")

    first = invoke_handler(drain_event("Delete"), services=services)

    assert first.response is None  # still waiting, in a scheduled poll: no answer yet
    assert "CreateSchedule" in first.operations
    backend.delete_schedule(marker, SCHEDULE_GROUP)  # the background deletion ended
    last = invoke_handler(first.next_poll(services.clock), services=services)

    assert last.response is not None and last.response["Status"] == "SUCCESS"
    assert "CreateSchedule" not in last.operations


def test_a_delete_that_outlasts_its_timeout_fails_naming_what_it_waits_for(
    services: Services,
) -> None:
    backend = serve_scheduler(services)
    mark(backend, services, "JobB")
    event = drain_event("Delete", jobs=["JobB"])
    event["ResourceProperties"]["ServiceTimeout"] = "60"

    deleted = invoke_handler(event, services=services)

    assert deleted.response is not None and deleted.response["Status"] == "FAILED"
    assert "background deletion of JobB" in deleted.response["Reason"]
    assert "delete the stack again later" in deleted.response["Reason"]


def test_bad_properties_never_block_a_delete(services: Services) -> None:
    deleted = invoke_handler(drain_event("Delete", jobs={"not": "a list"}), services=services)

    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"
    assert deleted.calls == []
