"""ServiceQuotaExceeded errors classified by quota name, with a fallback on the call and
``quotaValue`` for a renamed (or unnamed) quota: the table, then the handler end to end against
the offline harness's endpoint (real boto3 clients) with the service's quota renamed."""

from __future__ import annotations

import logging

import botocore.session
import pytest

from cdk_cleanrooms_ml._handler import quotas
from cdk_cleanrooms_ml._handler.quotas import (
    AUDIENCE_MODELS,
    EXPORTS_PER_JOB,
    IN_FLIGHT_EXPORTS,
    IN_FLIGHT_GENERATION_JOBS,
    KNOWN,
    START_EXPORT,
    START_GENERATION_JOB,
    Quota,
    classify,
)
from cdk_cleanrooms_ml._handler.service_errors import REASON_MAX
from tests.clock import T0
from tests.handler.chains import failed, run_chain, succeeded
from tests.handler.generation_support import job_event, job_properties, serve_jobs
from tests.handler.local_cleanroomsml import UNTIL_CLEARED, serve_cleanroomsml
from tests.handler.model_support import CREATE_MODEL, model_event, model_properties, serve_models
from tests.handler.services import Services
from tests.handler.support import cfn_event, invoke_handler, properties

QUOTA_CODE = "ServiceQuotaExceededException"
QUOTA_MESSAGE = "You have exceeded your service quota"

# --- The table and its classification ----------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "quota"),
    [(op, quota) for quota in KNOWN for op in quota.operations],
    ids=lambda value: value if isinstance(value, str) else value.label,
)
def test_each_known_name_is_its_quota_whatever_its_case_and_spacing(
    operation: str, quota: Quota
) -> None:
    for name in quota.names:
        for spelled in (name, name.upper(), f"  {name.lower().replace(' ', '   ')}\t"):
            hit = classify(operation, spelled, 1234)  # the value never overrides the name
            assert (hit.quota, hit.matched_by) == (quota, "name")
            assert hit.clears is quota.clears


def test_known_names_are_unique_and_their_calls_are_in_the_service_models() -> None:
    names = [quotas.normalized(name) for quota in KNOWN for name in quota.names]
    assert len(names) == len(set(names))
    session = botocore.session.get_session()
    operations = {
        op
        for service in ("cleanroomsml", "cleanrooms")
        for op in session.get_service_model(service).operation_names
    }
    for quota in KNOWN:
        assert set(quota.operations) <= operations, quota.label
        # A quota that clears by itself has a documented value to name when the service sends none.
        assert not quota.clears or quota.default is not None, quota.label


def test_the_documented_values_are_reference_mds() -> None:
    assert EXPORTS_PER_JOB.default == 25
    assert IN_FLIGHT_EXPORTS.default == 20
    assert IN_FLIGHT_GENERATION_JOBS.default == 10
    assert [q.clears for q in (EXPORTS_PER_JOB, IN_FLIGHT_EXPORTS, IN_FLIGHT_GENERATION_JOBS)] == [
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("name", "value", "quota", "matched_by"),
    [
        ("Concurrent audience exports per account", 20.0, IN_FLIGHT_EXPORTS, "value"),
        ("Maximum exports for one audience", 25.0, EXPORTS_PER_JOB, "value"),
        ("", 25.0, EXPORTS_PER_JOB, "value"),
        (None, 20.0, IN_FLIGHT_EXPORTS, "value"),
        # Words the old name had still tell the quota, whatever the account's value now is.
        ("Audience exports in progress per account", 50.0, IN_FLIGHT_EXPORTS, "words"),
        ("Exports per audience generation job", 40.0, EXPORTS_PER_JOB, "words"),
    ],
)
def test_a_renamed_or_unnamed_export_quota_falls_back_on_words_then_its_value(
    name: str | None, value: float, quota: Quota, matched_by: str
) -> None:
    hit = classify(START_EXPORT, name, value)

    assert (hit.quota, hit.matched_by) == (quota, matched_by)
    assert hit.clears is quota.clears
    shown = f"{value:g}"
    assert hit.reason() == (
        f"service quota exceeded: {name or quota.label} = {shown} "
        f"(at most {shown} {quota.unit}; {quota.advice})"
    )


def test_the_in_flight_export_quota_renamed_names_its_value_and_that_it_clears() -> None:
    hit = classify(START_EXPORT, "Concurrent audience exports per account", 20)

    assert hit.reason() == (
        "service quota exceeded: Concurrent audience exports per account = 20 (at most 20 "
        "pending or in-progress exports per account; it clears as running exports finish)"
    )
    assert hit.label() == "Concurrent audience exports per account = 20"


def test_a_generation_job_start_has_one_quota_so_any_name_and_value_is_it() -> None:
    hit = classify(START_GENERATION_JOB, "Concurrent audience generation jobs", 15.0)

    assert (hit.quota, hit.matched_by, hit.clears) == (IN_FLIGHT_GENERATION_JOBS, "operation", True)
    assert hit.reason() == (
        "service quota exceeded: Concurrent audience generation jobs = 15 (at most 15 pending or "
        "in-progress audience generation jobs per account; it clears as running jobs finish)"
    )


def test_without_a_value_the_documented_one_is_named() -> None:
    hit = classify(START_GENERATION_JOB, None, None)

    assert hit.label() == "in-flight audience generation jobs"
    assert "(at most 10 pending or in-progress audience generation jobs" in hit.reason()


def test_a_count_quota_names_its_value_and_what_to_delete() -> None:
    hit = classify(CREATE_MODEL, "Audience models per account", 5.0)

    assert (hit.quota, hit.matched_by, hit.clears) == (AUDIENCE_MODELS, "operation", False)
    assert hit.reason() == (
        "service quota exceeded: Audience models per account = 5 "
        "(delete audience models you no longer use)"
    )


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Audience size buckets", 7.0, "Audience size buckets = 7"),
        (None, 7.5, "unnamed quota = 7.5"),
        ("  Something   new ", None, "Something   new"),
    ],
)
def test_an_unknown_quota_still_gets_a_clear_reason_naming_its_value(
    name: str | None, value: float | None, shown: str
) -> None:
    hit = classify(START_EXPORT, name, value)

    assert (hit.quota, hit.matched_by, hit.clears) == (None, "nothing", False)
    assert hit.reason() == (
        f"service quota exceeded: {shown} (a quota of StartAudienceExportJob this provider does "
        "not know: lower what it counts or request a quota increase in Service Quotas)"
    )


def test_for_a_call_not_listed_only_the_name_is_trusted() -> None:
    # A value of 25 says nothing of a call that cannot hit the per-job quota...
    unknown = classify("PutConfiguredAudienceModelPolicy", "Policies", 25)
    assert unknown.quota is None
    # ...but the service naming a known quota does.
    named = classify("PutConfiguredAudienceModelPolicy", IN_FLIGHT_EXPORTS.names[0], 20)
    assert (named.quota, named.matched_by) == (IN_FLIGHT_EXPORTS, "name")


@pytest.mark.parametrize("value", ["25", True, [25]])
def test_a_value_that_is_not_a_number_is_not_named(value: object) -> None:
    hit = classify(START_EXPORT, "", value)

    assert hit.value is None
    assert hit.quota is None  # two quotas and nothing to tell them apart: not waited for
    assert hit.reason().startswith("service quota exceeded: unnamed quota (a quota of")


def test_every_known_reason_leaves_room_for_the_services_message() -> None:
    for quota in KNOWN:
        for operation in quota.operations:
            name = max(quota.names, key=len, default=quota.label)
            reason = classify(operation, name, 100000.0).reason()
            assert len(reason) < REASON_MAX - 20, reason


# --- End to end: the handler, a real boto3 client, the harness's endpoint -----------------

EXPORT_START = "StartAudienceExportJob"


def _renamed_export_quota(
    services: Services, name: str | None, value: float, count: int, *, clear_at: float = T0 + 60
) -> None:
    """Export Starts answer ServiceQuotaExceeded under ``name`` (None: no quotaName) and
    ``value``, ``count`` times or until ``clear_at``."""
    fake = serve_cleanroomsml(services, export_active_after_s=5.0)
    extra: dict[str, object] = {"quotaValue": value}
    if name is not None:
        extra["quotaName"] = name
    fake.faults.error(
        QUOTA_CODE, count=count, operation=EXPORT_START, message=QUOTA_MESSAGE, **extra
    )
    fake.clear_at(clear_at)


def test_a_renamed_in_flight_export_quota_is_waited_out(services: Services) -> None:
    _renamed_export_quota(services, "Concurrent audience exports per account", 20.0, UNTIL_CLEARED)

    chain = run_chain(services, cfn_event("Create", properties()))

    succeeded(chain.answer)
    starts = [call for call in chain.calls if call.operation == EXPORT_START]
    assert len(starts) >= 2
    assert starts[-1].at >= T0 + 60  # the Start that worked came once the slot was free


def test_a_renamed_in_flight_export_quota_until_the_deadline_names_it_and_its_value(
    services: Services,
) -> None:
    name = "Concurrent audience exports per account"
    _renamed_export_quota(services, name, 20.0, UNTIL_CLEARED, clear_at=T0 + 10_000)

    chain = run_chain(services, cfn_event("Create", properties(ServiceTimeout="120")))

    reason = failed(chain.answer)["Reason"]
    assert "waiting for a free export slot" in reason
    assert "(quota Concurrent audience exports per account = 20)" in reason
    assert reason.endswith("no export was started")


def test_a_renamed_per_job_export_quota_fails_at_once_naming_it_and_its_value(
    services: Services,
) -> None:
    _renamed_export_quota(services, "Maximum exports for one audience", 25.0, 1)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    reason = failed(result)["Reason"]
    assert reason == (
        "service quota exceeded: Maximum exports for one audience = 25 (at most 25 active "
        "exports per audience generation job; exports cannot be deleted: use another "
        f"generation job or request a quota increase): {QUOTA_MESSAGE}"
    )
    assert result.operations.count(EXPORT_START) == 1
    assert services.clock.sleeps == []


def test_an_unnamed_quota_of_an_unknown_value_fails_at_once_naming_the_value(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    _renamed_export_quota(services, None, 7.0, 1)

    result = invoke_handler(cfn_event("Create", properties()), services=services)

    reason = failed(result)["Reason"]
    assert reason.startswith(
        "service quota exceeded: unnamed quota = 7 (a quota of StartAudienceExportJob this "
        "provider does not know"
    )
    assert result.operations.count(EXPORT_START) == 1
    # The operator is told the table may need the quota.
    assert any(
        record.levelno == logging.WARNING
        and record.getMessage().startswith("quota of StartAudienceExportJob told by nothing")
        for record in caplog.records
    )


def test_a_renamed_generation_job_quota_with_a_raised_value_is_waited_out(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    jobs.endpoint.faults.error(
        QUOTA_CODE,
        count=2,
        operation=START_GENERATION_JOB,
        message=QUOTA_MESSAGE,
        quotaName="Concurrent audience generation jobs",
        quotaValue=15.0,
    )

    succeeded(run_chain(services, job_event("Create", job_properties())).answer)

    assert [call.error for call in jobs.endpoint.calls_to(START_GENERATION_JOB)] == [
        QUOTA_CODE,
        QUOTA_CODE,
        None,
    ]


def test_a_renamed_audience_model_quota_fails_naming_its_value_and_what_to_delete(
    services: Services,
) -> None:
    models = serve_models(services)
    models.endpoint.faults.error(
        QUOTA_CODE,
        operation=CREATE_MODEL,
        message=QUOTA_MESSAGE,
        quotaName="Trained audience models per account",
        quotaValue=5.0,
    )

    chain = run_chain(services, model_event("Create", model_properties()))

    assert failed(chain.answer)["Reason"] == (
        "service quota exceeded: Trained audience models per account = 5 (delete audience "
        f"models you no longer use): {QUOTA_MESSAGE}"
    )
    assert models.creates() == 1
