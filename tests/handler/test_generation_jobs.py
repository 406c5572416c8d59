"""Create, Update and Delete of a generation job resource through the real entry point, against
the offline harness's endpoint on a fake clock."""

from __future__ import annotations

from typing import Any

from cdk_cleanrooms_ml._handler import continuation, rules, schedules, waiting
from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from tests.handler.chains import Chain, failed, run_chain, succeeded
from tests.handler.generation_support import (
    DELETE_JOB,
    GET_JOB,
    JOB_LOGICAL_ID,
    ROLE_ARN,
    SEED_URI,
    START_JOB,
    job_event,
    job_properties,
    serve_jobs,
    tags_of,
)
from tests.handler.services import Services
from tests.handler.support import MODEL_ARN, STACK_ID, STACK_NAME, Invocation, invoke_handler

CONTINUATION = "AudienceExportContinuation"


def create(services: Services, props: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the job: the first invocation, then the scheduled polls until one answers."""
    return succeeded(run_chain(services, job_event("Create", props or job_properties())).answer)


def delete(services: Services, physical_id: str, props: dict[str, Any] | None = None) -> Chain:
    """Delete the job (a rollback's or a stack deletion's Delete), polls included."""
    event = job_event("Delete", props or job_properties(), physical_id=physical_id)
    return run_chain(services, event)


def test_create_starts_the_job_waits_until_active_and_answers_its_attributes(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=600.0)
    tags = [{"Key": "team", "Value": "growth"}]

    response = create(services, job_properties(Tags=tags, Description="Q4"))

    [job] = jobs.jobs()
    assert job["status"] == "ACTIVE"
    assert response["PhysicalResourceId"] == job["audienceGenerationJobArn"]
    assert response["Data"] == {
        "AudienceGenerationJobArn": job["audienceGenerationJobArn"],
        "Name": "q4-lookalikes",
        "Status": "ACTIVE",
        "OfferedSizes": "ABSOLUTE:10000,PERCENTAGE:20",
        "ProtectedQueryIdentifier": "",
    }
    [start] = jobs.endpoint.calls_to(START_JOB)
    assert start.params["seedAudience"] == {"roleArn": ROLE_ARN, "dataSource": {"s3Uri": SEED_URI}}
    tags_sent = start.params["tags"]
    assert isinstance(tags_sent, dict)
    assert tags_sent["team"] == "growth"
    assert set(tags_sent) == {"team", tag_rules.OWNER_TAG_KEY}
    assert start.params["includeSeedInOutput"] is False
    assert services.clock.now() - start.at >= 600.0  # answered only once ACTIVE


def test_without_a_name_the_job_is_named_for_its_stack_resource_and_settings(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=5.0)

    response = create(services, job_properties(Name=None))

    [name] = jobs.names()
    assert name == response["Data"]["Name"]
    assert name.startswith(f"{STACK_NAME}-{JOB_LOGICAL_ID}-")
    assert len(name) <= rules.NAME_MAX
    props = job_fields.parse_properties(job_properties(Name=None))
    retagged = job_fields.parse_properties(
        job_properties(Name=None, Tags=[{"Key": "a", "Value": "b"}])
    )
    described = job_fields.parse_properties(job_properties(Name=None, Description="x"))
    seed = f"{STACK_NAME}/{JOB_LOGICAL_ID}"
    assert props.job_name(seed) == name == retagged.job_name(seed)  # tags change in place
    assert described.job_name(seed) != name  # a description cannot: a new job


def test_without_waiting_the_resource_completes_once_the_job_is_started(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=3000.0)

    response = create(services, job_properties(WaitForCompletion="false"))

    assert response["Data"]["Status"] == "CREATE_PENDING"
    assert jobs.jobs()[0]["status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS")


def test_a_create_delivered_twice_starts_one_job(services: Services) -> None:
    jobs = serve_jobs(services, create_s=30.0)
    event = job_event("Create", job_properties())

    first = succeeded(run_chain(services, event).answer)
    second = run_chain(services, event)

    assert succeeded(second.answer)["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert START_JOB not in second.operations  # adopted
    assert jobs.names() == ["q4-lookalikes"]
    assert jobs.starts() == 1


def test_a_lost_start_answer_is_adopted_on_conflict_never_a_second_job(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=30.0)
    jobs.endpoint.faults.lose_generation_answers(1)

    create(services)

    assert [call.error for call in jobs.endpoint.calls_to(START_JOB)] == [
        "InternalServiceException",
        "ConflictException",
    ]
    assert jobs.names() == ["q4-lookalikes"]


def test_a_job_of_that_name_with_other_settings_fails_and_is_never_claimed(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    create(services, job_properties(Description="someone else's"))
    [theirs] = jobs.jobs()

    response = failed(invoke_handler(job_event("Create", job_properties()), services=services))

    assert response["Reason"].startswith("Name: an audience generation job named q4-lookalikes")
    assert "Description" in response["Reason"]
    # Not its ARN: the rollback's Delete must not delete a job this resource does not own.
    assert response["PhysicalResourceId"] != theirs["audienceGenerationJobArn"]
    assert jobs.starts() == 1


def test_create_failed_answers_the_reason_under_the_job_arn_and_rollback_deletes_it(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=120.0, delete_s=30.0)
    jobs.endpoint.faults.fail_generation_job(status_code="SEED_TOO_SMALL", message="25 ids needed")

    response = failed(run_chain(services, job_event("Create", job_properties())).answer)

    [job] = jobs.jobs()
    assert response["PhysicalResourceId"] == job["audienceGenerationJobArn"]
    assert "CREATE_FAILED (SEED_TOO_SMALL: 25 ids needed)" in response["Reason"]
    rollback = delete(services, response["PhysicalResourceId"])
    succeeded(rollback.answer)
    assert jobs.jobs() == []


def test_a_rollback_delete_waits_for_a_job_still_being_created(services: Services) -> None:
    jobs = serve_jobs(services, create_s=400.0, delete_s=30.0)
    props = job_properties(ServiceTimeout="300")
    response = failed(run_chain(services, job_event("Create", props)).answer)
    assert response["Reason"].startswith("timed out after")
    arn = response["PhysicalResourceId"]
    assert jobs.jobs()[0]["status"] == "CREATE_IN_PROGRESS"

    # The job is ACTIVE within the Delete's 300 s: its polls wait for that, then delete it.
    rollback = delete(services, arn, props)

    succeeded(rollback.answer)
    assert rollback.operations.count(DELETE_JOB) == 1
    assert jobs.jobs() == []


def test_a_rollback_delete_out_of_time_answers_and_deletes_the_job_in_the_background(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=300.0, delete_s=30.0)
    props = job_properties(ServiceTimeout="20")
    response = failed(run_chain(services, job_event("Create", props)).answer)
    assert response["Reason"].startswith("timed out after")
    arn = response["PhysicalResourceId"]
    [job] = jobs.jobs()
    assert job["status"] == "CREATE_IN_PROGRESS"
    active_at = jobs.endpoint.calls_to(START_JOB)[0].at + 300.0
    marker = continuation.background_marker_name(STACK_ID, JOB_LOGICAL_ID)

    # The rollback's Delete: 20 s, while the job cannot be deleted yet (still being created).
    services.expect_schedule()  # the mark that a background deletion goes on
    services.expect_schedule()  # its first poll
    started = services.clock.now()
    rollback = invoke_handler(job_event("Delete", props, physical_id=arn), services=services)

    # Answered SUCCESS once its time ran out (the stack's rollback completes) ...
    assert succeeded(rollback)["PhysicalResourceId"] == arn
    assert rollback.responses_sent == 1
    gets = [call.at for call in rollback.calls if call.operation == GET_JOB]
    assert gets[-1] == waiting.deadline_for(started, 20)
    assert DELETE_JOB not in rollback.operations
    # ... and the deletion goes on in scheduled polls of a background-delete chain.
    names = [call.params["Name"] for call in rollback.calls if call.operation == "CreateSchedule"]
    assert len(names) == 2
    assert names[0] == marker  # marked as going on before its first poll is scheduled
    # That first poll's schedule, as Scheduler will deliver it.
    first_poll = Invocation(
        None, [c for c in rollback.calls if c.params.get("Name") == names[1]], 0
    )
    state = first_poll.continuation_event()[CONTINUATION]
    assert (state["Phase"], state["PhysicalResourceId"]) == ("background-delete", arn)
    assert f"-{schedules.KIND_DELETE}" in first_poll.schedule_name()

    polls: list[Invocation] = []
    event = first_poll.next_poll(services.clock)
    for _ in range(10):
        if jobs.jobs():
            services.expect_schedule()  # in case this poll goes on
        else:
            services.expect_delete_schedule(marker, gone=False)  # the deletion's end
        poll = invoke_handler(event, services=services)
        polls.append(poll)
        assert poll.responses_sent == 1  # still only the Delete's answer: never a second one
        if "CreateSchedule" not in poll.operations:
            break
        assert poll.continuation_event()[CONTINUATION]["Phase"] == "background-delete"
        event = poll.next_poll(services.clock)

    # Polls went on while the job was being created, deleted it once it was ACTIVE, and the
    # chain ended (no further poll, the mark removed) once the job was gone.
    assert DELETE_JOB not in polls[0].operations  # the first poll found it still being created
    deletes = [call for poll in polls for call in poll.calls if call.operation == DELETE_JOB]
    assert len(deletes) == 1
    assert deletes[0].at >= active_at
    assert jobs.jobs() == []
    assert polls[-1].operations[-1] == "DeleteSchedule"
    assert "CreateSchedule" not in polls[-1].operations


def test_delete_deletes_the_job_and_waits_until_it_is_gone(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0, delete_s=90.0)
    arn = create(services)["PhysicalResourceId"]

    # 90 s to be gone: longer than the first invocation's inline wait, so a poll answers.
    result = delete(services, arn)

    succeeded(result.answer)
    assert result.handed_over  # not answered while the job was still being deleted
    assert result.operations.count(DELETE_JOB) == 1
    assert jobs.jobs() == []
    again = delete(services, arn)
    succeeded(again.answer)  # gone already: ResourceNotFound counts as deleted
    assert DELETE_JOB not in again.operations
    assert again.handed_over == []


def test_delete_of_an_id_that_names_no_job_makes_no_call(services: Services) -> None:
    result = invoke_handler(
        job_event("Delete", job_properties(), physical_id="Stack_Lookalikes_0A1B2C3D"),
        services=services,
    )

    succeeded(result)
    assert result.operations == []


def test_delete_failed_fails_with_the_services_reason(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0, delete_s=30.0)
    arn = create(services)["PhysicalResourceId"]
    jobs.endpoint.faults.fail_generation_job_delete(message="data is held by a legal hold")

    response = failed(delete(services, arn).answer)

    assert "could not be deleted: DELETE_FAILED" in response["Reason"]
    assert "legal hold" in response["Reason"]


def test_a_tag_change_is_applied_in_place(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    old = job_properties(Tags=[{"Key": "team", "Value": "growth"}, {"Key": "gone", "Value": "x"}])
    arn = create(services, old)["PhysicalResourceId"]
    new = job_properties(
        Tags=[{"Key": "team", "Value": "retention"}, {"Key": "cost", "Value": "7"}]
    )

    result = invoke_handler(job_event("Update", new, physical_id=arn, old=old), services=services)

    assert succeeded(result)["PhysicalResourceId"] == arn
    tags = tags_of(jobs, arn)
    assert tags.pop(tag_rules.OWNER_TAG_KEY).endswith(f"/{JOB_LOGICAL_ID}")
    assert tags == {"team": "retention", "cost": "7"}
    assert START_JOB not in result.operations
    assert jobs.starts() == 1


def test_a_setting_change_with_a_derived_name_starts_a_new_job(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    old = job_properties(Name=None)
    arn = create(services, old)["PhysicalResourceId"]
    new = job_properties(Name=None, IncludeSeedInOutput="true")

    response = succeeded(
        invoke_handler(job_event("Update", new, physical_id=arn, old=old), services=services)
    )

    assert response["PhysicalResourceId"] != arn  # CloudFormation deletes the old one
    assert len(jobs.jobs()) == 2
    assert jobs.endpoint.calls_to(START_JOB)[-1].params["includeSeedInOutput"] is True


def test_a_setting_change_under_a_custom_name_fails_clearly(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    old = job_properties()
    arn = create(services, old)["PhysicalResourceId"]
    new = job_properties(SeedAudience={"RoleArn": ROLE_ARN, "DataSource": {"S3Uri": "s3://b/k"}})

    response = failed(
        invoke_handler(job_event("Update", new, physical_id=arn, old=old), services=services)
    )

    assert response["Reason"].startswith(
        "Name: cannot change audience generation job q4-lookalikes in place (SeedAudience."
    )
    assert jobs.starts() == 1


def test_a_quota_of_in_flight_jobs_is_waited_out(services: Services) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    jobs.endpoint.faults.generation_quota_hit(2)

    create(services)

    assert [call.error for call in jobs.endpoint.calls_to(START_JOB)] == [
        "ServiceQuotaExceededException",
        "ServiceQuotaExceededException",
        None,
    ]


def test_a_long_wait_is_handed_over_and_finished_by_the_follow_up(services: Services) -> None:
    jobs = serve_jobs(services, create_s=1000.0)
    services.expect_schedule()

    first = invoke_handler(job_event("Create", job_properties()), services=services)

    assert first.response is None  # a follow-up answers
    assert first.operations.count(START_JOB) == 1
    follow_up = first.next_poll(services.clock)
    assert follow_up["AudienceExportContinuation"]["Phase"] == "job"
    # The scheduled polls (1000 s: several of them) wait for the job; the one that sees it
    # ACTIVE answers.
    rest = run_chain(services, follow_up)
    assert succeeded(rest.answer)["Data"]["Status"] == "ACTIVE"
    assert all(
        poll.continuation_event()["AudienceExportContinuation"]["Phase"] == "job"
        for poll in rest.handed_over
    )
    assert START_JOB not in rest.operations
    assert jobs.starts() == 1


def test_an_export_of_a_job_started_by_the_stack_waits_for_it(services: Services) -> None:
    # The export resource, on the job's ARN, as a template wires it with Fn::GetAtt.
    from tests.handler.support import cfn_event, properties

    jobs = serve_jobs(services, create_s=5.0)
    arn = create(services)["PhysicalResourceId"]

    export = invoke_handler(
        cfn_event("Create", properties(job_arn=arn, size_type="PERCENTAGE", size_value="20")),
        services=services,
    )

    assert succeeded(export)["Data"]["Status"] == "ACTIVE"
    assert [e["name"] for e in jobs.endpoint.exports(arn)] == ["my-export"]
    assert jobs.jobs()[0]["configuredAudienceModelArn"] == MODEL_ARN


def test_a_job_started_by_another_resource_is_never_adopted(services: Services) -> None:
    # Same name and settings, but another stack's resource started it: deleting this resource
    # must never delete that job, so it is not claimed.
    jobs = serve_jobs(services, create_s=5.0)
    theirs = job_event("Create", job_properties())
    theirs["StackId"] = theirs["StackId"].replace(STACK_NAME, "OtherStack")
    succeeded(invoke_handler(theirs, services=services, remaining_ms=900_000))

    response = failed(invoke_handler(job_event("Create", job_properties()), services=services))

    assert "started by another stack or resource" in response["Reason"]
    assert not response["PhysicalResourceId"].startswith("arn:")
    assert jobs.starts() == 1


def test_the_ownership_tag_is_set_at_start_and_kept_through_tag_updates(
    services: Services,
) -> None:
    jobs = serve_jobs(services, create_s=5.0)
    old = job_properties(Tags=[{"Key": "team", "Value": "growth"}])
    event = job_event("Create", old)
    arn = create(services, old)["PhysicalResourceId"]
    owner = f"{event['StackId']}/{JOB_LOGICAL_ID}"
    assert tags_of(jobs, arn) == {"team": "growth", tag_rules.OWNER_TAG_KEY: owner}

    succeeded(
        invoke_handler(
            job_event("Update", job_properties(), physical_id=arn, old=old), services=services
        )
    )

    assert tags_of(jobs, arn) == {tag_rules.OWNER_TAG_KEY: owner}
