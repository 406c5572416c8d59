"""Create, Update and Delete through the real entry point, against stubbed Clean Rooms ML."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import pytest

from cdk_cleanrooms_ml._handler import names as naming
from tests.handler.services import Services, export_summary
from tests.handler.support import (
    JOB_ARN,
    LOGICAL_ID,
    STACK_NAME,
    cfn_event,
    derived_name,
    invoke_handler,
    properties,
)

NAME = "my-export"
PHYSICAL_ID = naming.physical_id(JOB_ARN, NAME)


def update_event(
    new: Mapping[str, Any] | None = None,
    *,
    old: Mapping[str, Any] | None = None,
    physical_id: str = PHYSICAL_ID,
) -> dict[str, Any]:
    """An Update of the export ``my-export`` (default properties on either side)."""
    return cfn_event(
        "Update",
        properties() if new is None else new,
        physical_id=physical_id,
        old_properties=properties() if old is None else old,
    )


OUTPUT = "s3://audience-output/exports/my-export/"


def active_data(
    name: str = NAME, size: tuple[str, str] = ("ABSOLUTE", "1000"), output: str = OUTPUT
) -> dict[str, str]:
    return {
        "Name": name,
        "AudienceGenerationJobArn": JOB_ARN,
        "AudienceSizeType": size[0],
        "AudienceSizeValue": size[1],
        "Status": "ACTIVE",
        "OutputLocation": output,
    }


def assert_active(response: dict[str, Any] | None) -> None:
    """SUCCESS for the export ``my-export``, ACTIVE with its output location."""
    assert response is not None
    assert response["Status"] == "SUCCESS", response
    assert response["PhysicalResourceId"] == PHYSICAL_ID
    assert response["Data"] == active_data()


def assert_failed(response: dict[str, Any] | None, *fragments: str) -> str:
    assert response is not None
    assert response["Status"] == "FAILED", response
    reason = str(response["Reason"])
    assert len(reason) <= 256
    for fragment in fragments:
        assert fragment in reason, reason
    return reason


# --- Create ---------------------------------------------------------------------------------


def test_create_starts_the_export_and_answers_when_active(services: Services) -> None:
    services.expect_get_job(sizes=[("ABSOLUTE", 1000), ("ABSOLUTE", 5000)])
    services.expect_list([export_summary("someone-else")])
    services.expect_start(NAME, description="weekly seed")
    services.expect_list([export_summary(NAME, "CREATE_IN_PROGRESS", description="weekly seed")])
    services.expect_list([export_summary(NAME, description="weekly seed")])

    result = invoke_handler(
        cfn_event("Create", properties(description="weekly seed")), services=services
    )

    assert_active(result.response)
    assert result.responses_sent == 1
    assert result.operations == [
        "GetAudienceGenerationJob",
        "ListAudienceExportJobs",
        "StartAudienceExportJob",
        "ListAudienceExportJobs",
        "ListAudienceExportJobs",
    ]


def test_create_without_name_derives_it_from_stack_and_logical_id(services: Services) -> None:
    name = derived_name(("PERCENTAGE", 20))
    services.expect_get_job(sizes=[("PERCENTAGE", 10), ("PERCENTAGE", 20)])
    services.expect_list([])
    services.expect_start(name, ("PERCENTAGE", 20))

    result = invoke_handler(
        cfn_event(
            "Create",
            properties(
                name=None, size_type="PERCENTAGE", size_value="20", WaitForCompletion="false"
            ),
        ),
        services=services,
    )

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["PhysicalResourceId"] == naming.physical_id(JOB_ARN, name)
    assert result.response["Data"]["Name"] == name
    # WaitForCompletion false: answered right after Start, with the status the service gave it.
    assert result.response["Data"]["Status"] == "CREATE_PENDING"
    assert result.response["Data"]["OutputLocation"] == ""


def test_create_accepts_any_size_when_the_job_lists_none(services: Services) -> None:
    services.expect_get_job(sizes=None)
    services.expect_list([])
    services.expect_start(NAME, ("ABSOLUTE", 1234))
    services.expect_list([export_summary(NAME, size=("ABSOLUTE", 1234))])

    result = invoke_handler(cfn_event("Create", properties(size_value="1234")), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["Data"]["AudienceSizeValue"] == "1234"


def test_retried_create_adopts_the_existing_export_without_starting_another(
    services: Services,
) -> None:
    services.expect_get_job(sizes=[("ABSOLUTE", 1000)])
    # Page 1 without it, page 2 with it (same size, same description: ours from the last try).
    services.expect_list([export_summary("other")], next_token="page-2")
    services.expect_list([export_summary(NAME, description="weekly seed")], token="page-2")

    result = invoke_handler(
        cfn_event("Create", properties(description="weekly seed")), services=services
    )

    assert_active(result.response)
    assert "StartAudienceExportJob" not in result.operations


def test_adopted_export_still_running_is_waited_for(services: Services) -> None:
    services.expect_get_job()
    services.expect_list([export_summary(NAME, "CREATE_IN_PROGRESS")])
    services.expect_list([export_summary(NAME)])

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.operations.count("StartAudienceExportJob") == 0


@pytest.mark.parametrize(
    ("existing", "fragment"),
    [
        (export_summary(NAME, size=("ABSOLUTE", 5000)), "size ABSOLUTE 5000, not ABSOLUTE 1000"),
        (export_summary(NAME, description="someone else's"), "a different description"),
    ],
)
def test_create_refuses_an_export_of_the_same_name_with_other_settings(
    services: Services, existing: dict[str, Any], fragment: str
) -> None:
    services.expect_get_job()
    services.expect_list([existing])

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert_failed(result.response, f"Name: export {NAME} already exists", fragment, "another name")
    assert "StartAudienceExportJob" not in result.operations


def test_create_fails_on_a_size_the_job_does_not_offer(services: Services) -> None:
    services.expect_get_job(sizes=[("PERCENTAGE", 50), ("PERCENTAGE", 10), ("PERCENTAGE", 20)])

    result = invoke_handler(
        cfn_event("Create", properties(size_type="PERCENTAGE", size_value="25")),
        services=services,
    )

    reason = assert_failed(result.response)
    assert reason.startswith(
        "AudienceSize (audience_size): PERCENTAGE 25 is not offered by the audience "
        "generation job; "
        "choose one of PERCENTAGE 10, 20, 50"
    )
    assert result.operations == ["GetAudienceGenerationJob"]


@pytest.mark.parametrize(
    ("status", "details", "fragment"),
    [
        (
            "CREATE_FAILED",
            {"statusCode": "ModelError", "message": "seed too small"},
            "the job is CREATE_FAILED (ModelError: seed too small)",
        ),
        ("DELETE_IN_PROGRESS", None, "the job is DELETE_IN_PROGRESS"),
        ("DELETE_PENDING", None, "the job is DELETE_PENDING"),
        ("DELETE_FAILED", {"message": "in use"}, "the job is DELETE_FAILED (in use)"),
    ],
)
def test_create_fails_when_the_generation_job_is_not_usable(
    services: Services, status: str, details: dict[str, str] | None, fragment: str
) -> None:
    services.expect_get_job(status, status_details=details)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    assert_failed(result.response, "AudienceGenerationJobArn: ", fragment)
    assert result.operations == ["GetAudienceGenerationJob"]


def test_failed_create_returns_a_physical_id_that_delete_accepts(services: Services) -> None:
    services.expect_get_job("CREATE_FAILED")
    failed = invoke_handler(cfn_event("Create", properties()), services=services)
    assert failed.response is not None
    assert failed.response["Status"] == "FAILED"
    # crhelper invents `<stack>_<logical id>_<8 random chars>` when Create returns no id.
    random_id = failed.response["PhysicalResourceId"]
    assert random_id.startswith(f"{STACK_NAME}_{LOGICAL_ID}_")

    rollback = invoke_handler(
        cfn_event("Delete", properties(), physical_id=random_id), services=services
    )

    assert rollback.response is not None
    assert rollback.response["Status"] == "SUCCESS"
    assert rollback.response["PhysicalResourceId"] == random_id
    assert rollback.operations == []


# --- Update ---------------------------------------------------------------------------------


def test_no_op_update_writes_nothing_and_returns_the_same_id_and_data(services: Services) -> None:
    services.expect_get_job()
    services.expect_list([])
    services.expect_start(NAME)
    services.expect_list([export_summary(NAME)])
    created = invoke_handler(cfn_event("Create", properties()), services=services)
    assert created.response is not None

    services.expect_list([export_summary(NAME)])
    updated = invoke_handler(
        update_event(
            # Only what does not touch the export changed (e.g. a new function behind the token).
            properties(ServiceTimeout="1800")
        ),
        services=services,
    )

    assert updated.response is not None
    assert updated.response["Status"] == "SUCCESS"
    assert updated.response["PhysicalResourceId"] == created.response["PhysicalResourceId"]
    assert updated.response["Data"] == created.response["Data"] == active_data()
    assert updated.operations == ["ListAudienceExportJobs"]


def test_no_op_update_still_succeeds_when_the_export_cannot_be_read(services: Services) -> None:
    services.expect_error("list_audience_export_jobs", "AccessDeniedException", "no", 403)

    result = invoke_handler(update_event(), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["PhysicalResourceId"] == PHYSICAL_ID
    assert result.response["Data"]["Status"] == "UNKNOWN"
    assert result.response["Data"]["Name"] == NAME


@pytest.mark.parametrize(
    "changed",
    [
        {"size_value": "5000"},
        {"description": "now with a description"},
    ],
)
def test_update_of_a_custom_named_export_in_place_fails_with_the_custom_name_rule(
    services: Services, changed: dict[str, str]
) -> None:
    services.expect_list([export_summary(NAME)])

    result = invoke_handler(update_event(properties(**changed)), services=services)

    assert_failed(
        result.response, f"Name: cannot change export {NAME} in place", "rename it (or omit Name)"
    )
    assert result.response is not None
    assert result.response["PhysicalResourceId"] == PHYSICAL_ID
    assert result.operations == ["ListAudienceExportJobs"]


def test_rollback_after_the_custom_name_failure_succeeds(services: Services) -> None:
    # CloudFormation rolls back with the old properties, the refused ones as "old".
    services.expect_list([export_summary(NAME)])

    result = invoke_handler(update_event(old=properties(size_value="5000")), services=services)

    assert_active(result.response)


def test_update_with_a_generated_name_replaces_the_export(services: Services) -> None:
    old_id = naming.physical_id(JOB_ARN, derived_name(("ABSOLUTE", 1000)))
    new_name = derived_name(("ABSOLUTE", 5000))
    services.expect_get_job(sizes=[("ABSOLUTE", 1000), ("ABSOLUTE", 5000)])
    services.expect_list([export_summary(derived_name(("ABSOLUTE", 1000)))])
    services.expect_start(new_name, ("ABSOLUTE", 5000))
    services.expect_list([export_summary(new_name, size=("ABSOLUTE", 5000))])

    result = invoke_handler(
        update_event(
            properties(name=None, size_value="5000"), old=properties(name=None), physical_id=old_id
        ),
        services=services,
    )

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    new_id = result.response["PhysicalResourceId"]
    assert new_id == naming.physical_id(JOB_ARN, new_name) != old_id
    assert result.response["Data"]["Name"] == new_name
    assert result.response["Data"]["AudienceSizeValue"] == "5000"


def test_update_to_a_new_name_creates_it_and_keeps_the_old_id_on_failure(
    services: Services,
) -> None:
    services.expect_get_job()
    services.expect_list([export_summary(NAME)])
    services.expect_error(
        "start_audience_export_job",
        "ServiceQuotaExceededException",
        "too many",
        402,
        quotaName="Active export jobs per audience generation job",
        quotaValue=25.0,
    )

    result = invoke_handler(update_event(properties(name="renamed")), services=services)

    assert_failed(result.response, "service quota exceeded")
    assert result.response is not None
    # The failed update keeps the old resource: CloudFormation then rolls back to it.
    assert result.response["PhysicalResourceId"] == PHYSICAL_ID


def test_update_of_an_export_missing_from_its_job_starts_it(services: Services) -> None:
    services.expect_list([])
    services.expect_get_job()
    services.expect_list([])
    services.expect_start(NAME)
    services.expect_list([export_summary(NAME)])

    result = invoke_handler(update_event(), services=services)

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["PhysicalResourceId"] == PHYSICAL_ID


def test_update_with_bad_properties_fails_without_calls_and_keeps_the_id(
    services: Services,
) -> None:
    result = invoke_handler(update_event(properties(size_value="lots")), services=services)

    assert_failed(result.response, "AudienceSize.Value")
    assert result.response is not None
    assert result.response["PhysicalResourceId"] == PHYSICAL_ID
    assert result.operations == []


# --- Delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("physical_id", "props"),
    [
        (PHYSICAL_ID, properties()),
        ("ExportStack_AudienceExport_K3J9Q0ZB", properties()),  # left by a failed Create
        ("not an id at all \u2603", {"Garbage": ["x"], "AudienceSize": "??"}),
        ("x" * 1024, "not even an object"),
    ],
)
def test_delete_succeeds_fast_for_any_id_without_calling_the_service(
    services: Services, physical_id: str, props: Any
) -> None:
    started = time.monotonic()
    result = invoke_handler(cfn_event("Delete", props, physical_id=physical_id), services=services)
    took = time.monotonic() - started

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["PhysicalResourceId"] == physical_id
    assert result.operations == []
    assert took < 2.0  # crhelper's default would sleep 120 s here


# --- Service errors -------------------------------------------------------------------------


class ErrorCase(NamedTuple):
    method: str  # the call that fails; the calls before it succeed
    code: str
    status: int
    reason_start: str
    modeled: Mapping[str, Any] = MappingProxyType({})


GET, LIST, START = (
    "get_audience_generation_job",
    "list_audience_export_jobs",
    "start_audience_export_job",
)
NEEDS = "access denied: the provider role needs cleanrooms-ml:"
QUOTA = {"quotaName": "Active export jobs per audience generation job", "quotaValue": 25.0}
ERROR_CASES = [
    ErrorCase(GET, "AccessDeniedException", 403, f"{NEEDS}GetAudienceGenerationJob on {JOB_ARN}"),
    ErrorCase(
        GET, "ResourceNotFoundException", 404, f"audience generation job not found: {JOB_ARN}"
    ),
    ErrorCase(
        GET, "ValidationException", 400, "Clean Rooms ML rejected GetAudienceGenerationJob: no"
    ),
    ErrorCase(LIST, "AccessDeniedException", 403, f"{NEEDS}ListAudienceExportJobs on {JOB_ARN}"),
    ErrorCase(START, "AccessDeniedException", 403, f"{NEEDS}StartAudienceExportJob on {JOB_ARN}"),
    ErrorCase(
        START,
        "ServiceQuotaExceededException",
        402,
        "service quota exceeded: Active export jobs per audience generation job = 25 "
        "(at most 25 active exports per audience generation job; exports cannot be deleted",
        QUOTA,
    ),
    ErrorCase(
        START, "ValidationException", 400, "Clean Rooms ML rejected StartAudienceExportJob: no"
    ),
    ErrorCase(
        START, "ResourceNotFoundException", 404, f"audience generation job not found: {JOB_ARN}"
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[f"{c.method}-{c.code}" for c in ERROR_CASES])
def test_service_errors_become_short_actionable_reasons(
    services: Services, case: ErrorCase
) -> None:
    if case.method in (LIST, START):
        services.expect_get_job()
    if case.method == START:
        services.expect_list([])
    services.expect_error(case.method, case.code, "no", case.status, **case.modeled)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    reason = assert_failed(result.response)
    assert reason.startswith(case.reason_start), reason
    assert result.response is not None
    assert result.response["Data"] == {}


def test_a_long_service_message_is_cut_at_the_end_not_the_front(services: Services) -> None:
    services.expect_get_job()
    services.expect_list([])
    services.expect_error("start_audience_export_job", "ValidationException", "x" * 2000, 400)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    reason = assert_failed(result.response)
    assert reason.startswith("Clean Rooms ML rejected StartAudienceExportJob: xxx")
    assert reason.endswith("...")
    assert "truncated" not in reason  # crhelper's own cut would keep only the tail


def test_response_fits_cloudformation_limits_with_long_inputs(services: Services) -> None:
    logical_id = "L" * 200
    stack_id = (
        f"arn:aws:cloudformation:us-east-1:111122223333:stack/{'S' * 128}/"
        "5b6a1c2e-0000-1111-2222-333344445555"
    )
    name = "n" * 63
    output = "s3://" + "o" * 1280
    services.expect_get_job()
    services.expect_list([])
    services.expect_start(name, description="d" * 255)
    services.expect_list([export_summary(name, description="d" * 255, output_location=output)])

    result = invoke_handler(
        cfn_event(
            "Create",
            properties(name=name, description="d" * 255),
            logical_id=logical_id,
            stack_id=stack_id,
        ),
        services=services,
    )

    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"
    assert result.response["Data"]["OutputLocation"] == output
    assert len(json.dumps(result.response).encode()) <= 4096
    assert len(result.response["PhysicalResourceId"].encode()) <= 1024
