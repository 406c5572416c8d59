"""The one path every answer takes to the ResponseURL: a body within 4,096 bytes, one PUT
that succeeds (retried on 5xx and hangs, not on refusals), and one answer per request."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import clients, waiting
from cdk_cleanrooms_ml._handler import names as naming
from cdk_cleanrooms_ml._handler import response as handler_response
from tests.clock import T0
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.response_url import HANG, cloudformation
from tests.handler.services import Services, export_summary
from tests.handler.support import cfn_event, invoke_handler, properties

NAME = "my-export"

# --- the response body ------------------------------------------------------------------------


def test_the_body_stays_within_4096_bytes_and_the_physical_id_is_kept(services: Services) -> None:
    job_arn = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/" + "j" * 1970
    assert len(job_arn) <= 2048
    logical_id = "L" * 255
    output = "s3://" + "o" * 1500
    services.expect_get_job(job_arn=job_arn)
    services.expect_list([], job_arn=job_arn)
    services.expect_start(NAME, job_arn=job_arn)
    services.expect_list(
        [export_summary(NAME, job_arn=job_arn, output_location=output)], job_arn=job_arn
    )

    event = cfn_event("Create", properties(job_arn=job_arn), logical_id=logical_id)

    result = invoke_handler(event, services=services)

    body = cloudformation().bodies_for(event["ResponseURL"])[-1]
    assert json.loads(body) == result.response
    assert len(body) <= 4096
    response = json.loads(body)
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == naming.physical_id(job_arn, NAME)
    assert response["LogicalResourceId"] == logical_id
    assert response["Data"]["Name"] == NAME  # the short attributes stay


def test_fitted_body_cuts_reason_then_data_never_the_ids() -> None:
    body = {
        "Status": "FAILED",
        "Reason": "r" * 5000,
        "PhysicalResourceId": "p" * 1024,
        "StackId": "s" * 300,
        "RequestId": "q" * 36,
        "LogicalResourceId": "l" * 255,
        "NoEcho": False,
        "Data": {"Big": "b" * 3000, "Small": "x"},
    }

    fitted = json.loads(handler_response.fitted_body(body))

    assert len(json.dumps(fitted).encode()) <= 4096
    assert fitted["PhysicalResourceId"] == "p" * 1024
    assert fitted["LogicalResourceId"] == "l" * 255
    assert fitted["Data"] == {"Small": "x"}
    assert fitted["Reason"].startswith("rrr") and len(fitted["Reason"]) <= 256


# --- the PUT to the ResponseURL ----------------------------------------------------------------


def test_a_500_on_the_response_put_is_retried(services: Services) -> None:
    event = cfn_event("Delete", properties(), physical_id="x")
    cloudformation().script(event["ResponseURL"], [500, 503])

    result = invoke_handler(event, services=services)

    bodies = cloudformation().bodies_for(event["ResponseURL"])
    assert len(bodies) == 3
    assert len(set(bodies)) == 1  # the same answer each time
    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"


def test_a_hanging_put_times_out_and_is_retried(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_response, "PUT_ATTEMPT_S", 0.5)
    event = cfn_event("Delete", properties(), physical_id="x")
    cloudformation().script(event["ResponseURL"], [HANG])

    started = time.monotonic()
    result = invoke_handler(event, services=services)

    assert time.monotonic() - started < 2.5  # did not wait for the hung answer
    assert len(cloudformation().bodies_for(event["ResponseURL"])) == 2
    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"


def test_when_every_put_fails_the_invocation_fails_too(services: Services) -> None:
    event = cfn_event("Delete", properties(), physical_id="x")
    cloudformation().script(event["ResponseURL"], [500] * 100)

    with pytest.raises(handler_response.ResponseNotDeliveredError):
        invoke_handler(event, services=services, remaining_ms=30_000)

    attempts = len(cloudformation().bodies_for(event["ResponseURL"]))
    assert 3 <= attempts < 100  # retried, within the invocation's time
    assert services.clock.now() < T0 + 30


def test_a_refused_put_is_not_retried(services: Services) -> None:
    event = cfn_event("Delete", properties(), physical_id="x")
    cloudformation().script(event["ResponseURL"], [403])

    with pytest.raises(handler_response.ResponseNotDeliveredError):
        invoke_handler(event, services=services)

    assert len(cloudformation().bodies_for(event["ResponseURL"])) == 1


def test_the_timeout_answer_and_ours_never_both_reach_cloudformation(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A call hangs past the invocation's end: crhelper's timer answers, with a physical id;
    # our own answer, coming later, is not sent. (A 2 s invocation, so calls may be tiny.)
    monkeypatch.setattr(clients, "ATTEMPT_MIN_S", 0.01)
    fake = serve_cleanroomsml(services, export_active_after_s=1.0)

    def hang(model: Any, **_: Any) -> None:
        if model.name == "StartAudienceExportJob":
            time.sleep(3.0)

    services.cleanroomsml.meta.events.register_first("provide-client-params.cleanroomsml.*", hang)
    event = cfn_event("Create", properties())

    invoke_handler(event, services=services, remaining_ms=2_000)

    bodies = [json.loads(b) for b in cloudformation().bodies_for(event["ResponseURL"])]
    assert len(bodies) == 1
    assert bodies[0]["Status"] == "FAILED"
    assert bodies[0]["Reason"].startswith("Execution timed out")
    assert bodies[0]["PhysicalResourceId"].startswith("ExportStack_AudienceExport_")
    assert fake.export_names() == [NAME]
    assert waiting.TIMER_LEAD_S > 0.5
