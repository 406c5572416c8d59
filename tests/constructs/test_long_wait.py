"""``wait_for_completion`` as a Duration: up to 1 hour the resource's timeout, beyond it a
``WaitConditionHandle`` + ``WaitCondition`` that the provider signals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, CfnParameter, Duration, Stack, Tags

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceGenerationJob,
    AudienceSize,
    CleanRoomsMlProvider,
    SeedAudience,
    ValidationError,
)
from tests.constructs.generation_support import (
    OTHER_MODEL_ARN,
    SEED_ROLE_ARN,
    job_stack,
    only_job,
    s3_job,
)
from tests.constructs.support import (
    JOB_ARN,
    dependency_graph,
    export_resources,
    find_cycle,
    resources_of_type,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations

HANDLE = "AWS::CloudFormation::WaitConditionHandle"
CONDITION = "AWS::CloudFormation::WaitCondition"
SIX_HOURS = Duration.hours(6)


def wait_pair(template: dict[str, Any], resource_id: str) -> tuple[str, str, dict[str, Any]]:
    """The handle's and the condition's logical ids for one resource, and the condition."""
    handles = [h for h in resources_of_type(template, HANDLE) if h.startswith(resource_id)]
    conditions = {
        c: resource
        for c, resource in resources_of_type(template, CONDITION).items()
        if c.startswith(resource_id)
    }
    [handle_id] = handles
    [(condition_id, condition)] = conditions.items()
    return handle_id, condition_id, condition


def wait_hash(template: dict[str, Any], resource_id: str) -> str:
    handle_id, condition_id, _ = wait_pair(template, resource_id)
    match = re.fullmatch(rf"{re.escape(resource_id)}WaitHandle([0-9A-F]{{8}})", handle_id)
    assert match, handle_id
    # The pair shares one hash: they are replaced together.
    assert condition_id == f"{resource_id}Wait{match.group(1)}"
    return match.group(1)


def synth_job(**props: Any) -> tuple[dict[str, Any], str]:
    """The template of a stack with one long-waiting job (``props`` override), and its id."""
    stack = job_stack()
    s3_job(stack, **{"wait_for_completion": SIX_HOURS, **props})
    template = template_of(stack)
    job_id, _ = only_job(template)
    return template, job_id


def long_export(stack: Stack, construct_id: str = "Export", **props: Any) -> AudienceExport:
    values: dict[str, Any] = {
        "audience_generation_job_arn": JOB_ARN,
        "audience_size": AudienceSize.percentage(20),
        "wait_for_completion": Duration.hours(3),
    }
    values.update(props)
    return AudienceExport(stack, construct_id, **values)


def synth_export(**props: Any) -> tuple[dict[str, Any], str]:
    stack = job_stack()
    long_export(stack, **props)
    template = template_of(stack)
    [export_id] = export_resources(template)
    return template, export_id


def build(kind: str, stack: Stack, **props: Any) -> AudienceGenerationJob | AudienceExport:
    return s3_job(stack, **props) if kind == "job" else long_export(stack, **props)


# --- template shape --------------------------------------------------------------------------


def test_a_job_waiting_six_hours_is_signalled_through_a_wait_condition() -> None:
    stack = job_stack()
    job = s3_job(stack, wait_for_completion=SIX_HOURS, timeout=Duration.minutes(10))
    template = template_of(stack)
    job_id, resource = only_job(template)
    handle_id, _, condition = wait_pair(template, job_id)
    wait_hash(template, job_id)

    assert template["Resources"][handle_id] == {"Type": HANDLE}
    assert condition == {
        "Type": CONDITION,
        "Properties": {"Handle": {"Ref": handle_id}, "Timeout": "21600", "Count": 1},
        "DependsOn": [job_id],
    }
    properties = resource["Properties"]
    assert properties["CompletionSignalUrl"] == {"Ref": handle_id}
    assert properties["CompletionSignalTimeout"] == "21600"
    # The resource answers once the job is started; its own timeout bounds only that.
    assert "WaitForCompletion" not in properties
    assert properties["ServiceTimeout"] == "600"
    assert job.wait_for_completion is SIX_HOURS
    assert job.timeout.to_seconds() == 600
    assert find_cycle(dependency_graph(template)) is None


def test_an_export_waiting_three_hours_is_signalled_through_a_wait_condition() -> None:
    template, export_id = synth_export()
    handle_id, _, condition = wait_pair(template, export_id)
    wait_hash(template, export_id)

    assert condition["Properties"] == {"Handle": {"Ref": handle_id}, "Timeout": "10800", "Count": 1}
    assert condition["DependsOn"] == [export_id]
    properties = export_resources(template)[export_id]["Properties"]
    del properties["ServiceToken"]
    assert properties == {
        "AudienceGenerationJobArn": JOB_ARN,
        "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
        "CompletionSignalUrl": {"Ref": handle_id},
        "CompletionSignalTimeout": "10800",
    }


@pytest.mark.parametrize("seconds", [3601, 43_200])
def test_from_just_over_an_hour_to_twelve_hours(seconds: int) -> None:
    template, job_id = synth_job(wait_for_completion=Duration.seconds(seconds))
    _, _, condition = wait_pair(template, job_id)
    assert condition["Properties"]["Timeout"] == str(seconds)


def test_bool_waits_add_no_wait_condition() -> None:
    stack = job_stack()
    job = s3_job(stack)
    job.export("Top", audience_size=AudienceSize.percentage(5), wait_for_completion=False)
    template = template_of(stack)
    assert resources_of_type(template, HANDLE) == {}
    assert resources_of_type(template, CONDITION) == {}
    for resource in [*export_resources(template).values(), only_job(template)[1]]:
        assert "CompletionSignalUrl" not in resource["Properties"]


def test_the_ids_follow_an_overridden_logical_id_of_the_resource() -> None:
    stack = job_stack()
    job = s3_job(stack, wait_for_completion=SIX_HOURS)
    job.resource.override_logical_id("MyJob")  # after the construct: read at synth
    template = template_of(stack)
    assert re.fullmatch(r"[0-9A-F]{8}", wait_hash(template, "MyJob"))


# --- the hash: replaced with the job, kept for in-place changes -------------------------------


def test_the_hash_changes_with_each_property_that_replaces_the_job() -> None:
    base = wait_hash(*synth_job())
    changed = {
        "model": synth_job(configured_audience_model_arn=OTHER_MODEL_ARN),
        "seed": synth_job(
            seed_audience=SeedAudience.from_s3("s3://seed-bucket/other.jsonl", role=SEED_ROLE_ARN)
        ),
        "name": synth_job(name="renamed"),
        "description": synth_job(description="now described"),
        "include_seed": synth_job(include_seed_in_output=True),
        # A WaitCondition cannot be updated: a new Timeout is a new pair.
        "wait": synth_job(wait_for_completion=Duration.hours(7)),
    }
    hashes = {what: wait_hash(*synthesized) for what, synthesized in changed.items()}
    assert base not in hashes.values()
    assert len(set(hashes.values())) == len(hashes)


def test_the_hash_stays_with_tags_timeout_and_provider() -> None:
    base = wait_hash(*synth_job())
    assert wait_hash(*synth_job(timeout=Duration.minutes(15))) == base

    stack = job_stack()
    job = s3_job(stack, wait_for_completion=SIX_HOURS, provider=CleanRoomsMlProvider(stack, "P"))
    Tags.of(job).add("team", "growth")
    template = template_of(stack)
    job_id, resource = only_job(template)
    assert resource["Properties"]["Tags"] == [{"Key": "team", "Value": "growth"}]
    assert wait_hash(template, job_id) == base


def test_the_hash_of_an_export_changes_with_its_size_not_its_timeout() -> None:
    base = wait_hash(*synth_export())
    assert wait_hash(*synth_export(audience_size=AudienceSize.percentage(30))) != base
    assert wait_hash(*synth_export(name="top-20")) != base
    assert wait_hash(*synth_export(timeout=Duration.minutes(5))) == base


def test_the_hash_covers_tokens_as_the_template_renders_them() -> None:
    stack = job_stack()
    model = CfnParameter(stack, "Model").value_as_string
    s3_job(stack, configured_audience_model_arn=model, wait_for_completion=SIX_HOURS)
    template = template_of(stack)
    job_id, _ = only_job(template)
    assert wait_hash(template, job_id) != wait_hash(*synth_job())


# --- dependents wait for the condition -------------------------------------------------------


def test_exports_of_a_long_job_start_once_it_is_active() -> None:
    stack = job_stack()
    job = s3_job(stack, wait_for_completion=SIX_HOURS)
    job.export("Top", audience_size=AudienceSize.percentage(10))
    AudienceExport(
        stack,
        "Direct",
        audience_generation_job_arn=job.job_arn,
        audience_size=AudienceSize.absolute(10_000),
    )
    template = template_of(stack)
    job_id, _ = only_job(template)
    _, condition_id, _ = wait_pair(template, job_id)
    graph = dependency_graph(template)

    exports = export_resources(template)
    assert len(exports) == 2
    for export_id, resource in exports.items():
        assert resource["Properties"]["AudienceGenerationJobArn"] == {
            "Fn::Select": [
                0,
                [{"Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]}, {"Ref": condition_id}],
            ]
        }
        assert {job_id, condition_id} <= graph[export_id]
    assert find_cycle(graph) is None


def test_an_export_in_another_stack_imports_the_jobs_condition_too() -> None:
    app = App()
    jobs = job_stack(app, "Jobs")
    job = s3_job(jobs, wait_for_completion=SIX_HOURS)
    exports = job_stack(app, "Exports")
    AudienceExport(
        exports,
        "Export",
        audience_generation_job_arn=job.job_arn,
        audience_size=AudienceSize.percentage(5),
    )
    jobs_template = template_of(jobs)
    job_id, _ = only_job(jobs_template)
    _, condition_id, _ = wait_pair(jobs_template, job_id)
    outputs = {o["Value"].get("Ref") for o in jobs_template["Outputs"].values()}
    assert condition_id in outputs
    [resource] = export_resources(template_of(exports)).values()
    [_, [arn, after]] = resource["Properties"]["AudienceGenerationJobArn"]["Fn::Select"]
    assert "Fn::ImportValue" in arn
    assert condition_id in after["Fn::ImportValue"]


def test_readers_of_a_long_exports_name_wait_for_its_condition() -> None:
    stack = job_stack()
    export = long_export(stack)
    CfnOutput(stack, "Name", value=export.export_name)
    template = template_of(stack)
    [export_id] = export_resources(template)
    _, condition_id, _ = wait_pair(template, export_id)
    assert template["Outputs"]["Name"]["Value"] == {
        "Fn::Select": [0, [{"Fn::GetAtt": [export_id, "Name"]}, {"Ref": condition_id}]]
    }


# --- completion_data -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["job", "export"])
def test_completion_data_is_the_conditions_data(kind: str) -> None:
    stack = job_stack()
    waiting = build(kind, stack, wait_for_completion=SIX_HOURS)
    CfnOutput(stack, "Data", value=waiting.completion_data)
    template = template_of(stack)  # cfn-lint clean with it in an Output
    resource_id = stack.resolve(waiting.resource.logical_id)
    _, condition_id, _ = wait_pair(template, resource_id)
    assert template["Outputs"]["Data"]["Value"] == {
        "Fn::Select": [0, [{"Fn::GetAtt": [condition_id, "Data"]}]]
    }


@pytest.mark.parametrize("wait", [True, False, Duration.minutes(30)])
def test_completion_data_needs_a_long_wait(wait: bool | Duration) -> None:
    stack = job_stack()
    job = s3_job(stack, wait_for_completion=wait)
    export = job.export("Top", audience_size=AudienceSize.percentage(5), wait_for_completion=wait)
    with pytest.raises(
        ValidationError, match=r"^completion_data: TestStack/Job has no WaitCondition: set wait_"
    ):
        _ = job.completion_data
    with pytest.raises(ValidationError, match=r"^completion_data: TestStack/Job/Top has no Wait"):
        _ = export.completion_data


# --- synth errors ----------------------------------------------------------------------------


READER = "Custom::CleanRoomsMlFinalAttributes"


def test_values_known_once_active_read_from_the_wait_conditions_reader() -> None:
    unread = job_stack()
    s3_job(unread, wait_for_completion=SIX_HOURS)
    long_export(unread)
    assert resources_of_type(template_of(unread), READER) == {}  # nothing read: none made
    stack = job_stack()
    job = s3_job(stack, wait_for_completion=SIX_HOURS)
    export = long_export(stack)
    outputs = {
        "Sizes": job.offered_sizes,
        "JobStatus": job.status,
        "Location": export.output_location,
        "ExportStatus": export.status,
        "SizesAgain": job.offered_sizes,
    }
    for name, value in outputs.items():
        CfnOutput(stack, name, value=value)
    template = template_of(stack)  # cfn-lint clean, each a plain string in an Output
    readers = resources_of_type(template, READER)
    assert len(readers) == 2  # one per resource that waits, however often it is read
    job_id = stack.resolve(job.resource.logical_id)
    export_id = stack.resolve(export.resource.logical_id)
    for resource_id, (sizes, status) in {
        job_id: ("Sizes", "JobStatus"),
        export_id: ("Location", "ExportStatus"),
    }.items():
        _, condition_id, _ = wait_pair(template, resource_id)
        [(reader_id, reader)] = [
            (reader_id, reader)
            for reader_id, reader in readers.items()
            if reader["Properties"]["WaitConditionData"] == {"Fn::GetAtt": [condition_id, "Data"]}
        ]
        served_by = template["Resources"][resource_id]["Properties"]["ServiceToken"]
        assert reader["Properties"]["ServiceToken"] == served_by
        attribute = "OfferedSizes" if resource_id == job_id else "OutputLocation"
        assert template["Outputs"][sizes]["Value"] == {"Fn::GetAtt": [reader_id, attribute]}
        assert template["Outputs"][status]["Value"] == {"Fn::GetAtt": [reader_id, "Status"]}
    # Known once started: still the resource's own attribute.
    assert stack.resolve(job.job_name) == {"Fn::GetAtt": [job_id, "Name"]}


def test_the_reader_keeps_its_logical_id_when_the_work_is_replaced() -> None:
    ids = []
    for model in (None, OTHER_MODEL_ARN):  # another model: a new job and a new WaitCondition
        stack = job_stack()
        model_arn = {"configured_audience_model_arn": model} if model else {}
        job = s3_job(stack, wait_for_completion=SIX_HOURS, **model_arn)
        CfnOutput(stack, "Sizes", value=job.offered_sizes)
        template = template_of(stack)
        [reader_id] = resources_of_type(template, READER)
        ids.append((reader_id, wait_hash(template, stack.resolve(job.resource.logical_id))))
    (first_reader, first_hash), (second_reader, second_hash) = ids
    assert first_hash != second_hash  # a new job: a new WaitCondition
    assert first_reader == second_reader  # the reader is updated in place


def _token_hours(stack: Stack) -> Duration:
    return Duration.hours(CfnParameter(stack, "Hours", type="Number").value_as_number)


def _token_seconds(stack: Stack) -> Duration:
    return Duration.seconds(CfnParameter(stack, "Seconds", type="Number").value_as_number)


@pytest.mark.parametrize(
    ("wait", "message"),
    [
        (lambda s: Duration.hours(13), r"46800 seconds is out of range \(1 to 43200 seconds"),
        (lambda s: Duration.seconds(43_201), r"43201 seconds is out of range"),
        (lambda s: Duration.millis(500), r"0\.5 seconds is not a whole number of seconds"),
        (lambda s: Duration.seconds(0), r"0 seconds is out of range"),
        (lambda s: Duration.millis(7_200_500), r"7200\.5 seconds is not a whole number"),
        (_token_seconds, r"a Duration must be concrete \(not a token\)"),
        (_token_hours, r"a Duration must be concrete \(not a token\)"),
    ],
    ids=["13h", "43201s", "500ms", "0s", "fraction", "token-seconds", "token-hours"],
)
@pytest.mark.parametrize("kind", ["job", "export"])
def test_bad_durations_are_refused_before_anything_joins_the_tree(
    kind: str, wait: Any, message: str
) -> None:
    stack = job_stack()
    duration = wait(stack)
    with pytest.raises(ValidationError, match=rf"^wait_for_completion: {message}"):
        build(kind, stack, wait_for_completion=duration)
    assert stack.node.try_find_child("Job" if kind == "job" else "Export") is None


@pytest.mark.parametrize("kind", ["job", "export"])
def test_a_short_duration_and_a_different_timeout_are_refused(kind: str) -> None:
    stack = job_stack()
    props: dict[str, Any] = {
        "wait_for_completion": Duration.minutes(30),
        "timeout": Duration.minutes(20),
    }
    with pytest.raises(
        ValidationError, match=r"^wait_for_completion: 1800 seconds differs from timeout"
    ):
        build(kind, stack, **props)
    # A token timeout cannot be shown to agree.
    props["timeout"] = Duration.seconds(CfnParameter(stack, "T", type="Number").value_as_number)
    with pytest.raises(ValidationError, match=r"differs from timeout"):
        build(kind, stack, **props)


def test_a_long_wait_keeps_the_timeouts_own_rule() -> None:
    with pytest.raises(ValidationError, match=r"^timeout: 7200 seconds is out of range"):
        s3_job(job_stack(), wait_for_completion=SIX_HOURS, timeout=Duration.hours(2))


# --- a Duration of at most 1 hour is the timeout ---------------------------------------------


@pytest.mark.parametrize(
    ("duration", "timeout"),
    [
        (Duration.minutes(30), Duration.minutes(30)),
        (Duration.hours(1), None),
        (Duration.seconds(1), Duration.seconds(1)),
    ],
)
def test_a_duration_up_to_an_hour_is_that_timeout(
    duration: Duration, timeout: Duration | None
) -> None:
    def synth(**props: Any) -> dict[str, Any]:
        stack = job_stack()
        job = s3_job(stack, **props)
        job.export("Top", audience_size=AudienceSize.percentage(5), **props)
        assert job.wait_for_completion is True
        return template_of(stack)

    as_wait = synth(wait_for_completion=duration)
    assert as_wait == synth(timeout=timeout)
    # Given both, agreeing, is the same too.
    assert as_wait == synth(wait_for_completion=duration, timeout=duration)
    assert resources_of_type(as_wait, CONDITION) == {}


# --- cdk-nag ---------------------------------------------------------------------------------


def test_long_waits_pass_aws_solutions_checks(tmp_path: Path) -> None:
    app: App = nag_app(tmp_path)
    stack = job_stack(app, "LongWaits")
    job = s3_job(stack, wait_for_completion=SIX_HOURS)
    export = job.export(
        "Top", audience_size=AudienceSize.percentage(10), wait_for_completion=Duration.hours(2)
    )
    CfnOutput(stack, "Data", value=export.completion_data)
    app.synth()  # raises on any error-level finding
    assert violations(tmp_path) == []
    template = template_of(stack)
    assert len(resources_of_type(template, CONDITION)) == 2
