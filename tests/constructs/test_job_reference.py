"""Job references: ``IAudienceGenerationJob``, ``AudienceGenerationJob.from_job_arn`` and
``AudienceExport(job=...)`` beside the ARN string form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Fn, Stack

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceGenerationJob,
    AudienceSize,
    CleanRoomsMlProvider,
    IAudienceGenerationJob,
    ImportedAudienceGenerationJob,
    ValidationError,
)
from tests.constructs.generation_support import job_stack, policy_resource, s3_job
from tests.constructs.support import JOB_ARN, export_resources, template_of

SIZE = AudienceSize.percentage(20)


def _export_template(job_form: bool, make_job: Callable[[Stack], IAudienceGenerationJob]) -> Any:
    """The template of a stack exporting from ``make_job``'s job, by ``job=`` or by its ARN."""
    stack = job_stack()
    job = make_job(stack)
    if job_form:
        AudienceExport(stack, "Export", job=job, audience_size=SIZE, name="top-20")
    else:
        AudienceExport(
            stack,
            "Export",
            audience_generation_job_arn=job.job_arn,
            audience_size=SIZE,
            name="top-20",
        )
    return template_of(stack)


def _declared(stack: Stack) -> IAudienceGenerationJob:
    return s3_job(stack)


def _imported(stack: Stack) -> IAudienceGenerationJob:
    return AudienceGenerationJob.from_job_arn(stack, "Imported", JOB_ARN)


def _imported_token(stack: Stack) -> IAudienceGenerationJob:
    return AudienceGenerationJob.from_job_arn(stack, "Imported", Fn.import_value("JobArn"))


@pytest.mark.parametrize("make_job", [_declared, _imported, _imported_token])
def test_job_and_arn_forms_give_identical_templates(
    make_job: Callable[[Stack], IAudienceGenerationJob],
) -> None:
    assert _export_template(True, make_job) == _export_template(False, make_job)


def test_an_export_of_a_declared_job_keeps_its_policy_and_dependency() -> None:
    stack = job_stack()
    job = s3_job(stack)
    AudienceExport(stack, "Export", job=job, audience_size=SIZE)
    template = template_of(stack)
    policy_id, _ = policy_resource(template, "StackJobExportsPolicy")
    [export] = export_resources(template).values()
    job_id = job.resource.logical_id
    assert export["Properties"]["AudienceGenerationJobArn"] == {
        "Fn::GetAtt": [stack.resolve(job_id), "AudienceGenerationJobArn"]
    }
    assert policy_id in export["DependsOn"]


def test_from_job_arn_with_a_concrete_arn_adds_nothing_and_exports_from_it() -> None:
    stack = job_stack()
    job = AudienceGenerationJob.from_job_arn(stack, "Imported", JOB_ARN, job_name="job-a-name")
    assert isinstance(job, ImportedAudienceGenerationJob)
    assert job.job_arn == JOB_ARN
    assert job.job_id == "job-a"
    assert job.job_name == "job-a-name"
    # A reference only: nothing below it until it is exported from.
    assert job.node.children == []

    export = job.export("Top20", audience_size=SIZE)
    assert isinstance(export, AudienceExport)
    assert export.node.scope is job
    assert export.audience_generation_job_arn == JOB_ARN
    [resource] = export_resources(template_of(stack)).values()
    assert resource["Properties"]["AudienceGenerationJobArn"] == JOB_ARN
    # The stack's own provider is granted the job, as for the ARN form.
    assert CleanRoomsMlProvider.of(stack).job_resources().resources == [JOB_ARN]


def test_from_job_arn_exports_through_the_provider_given() -> None:
    stack = job_stack()
    provider = CleanRoomsMlProvider(stack, "Shared")
    job = AudienceGenerationJob.from_job_arn(stack, "Imported", JOB_ARN, provider=provider)
    assert job.export("Top20", audience_size=SIZE).provider is provider


def test_from_job_arn_without_a_name_says_the_arn_holds_the_id() -> None:
    job = AudienceGenerationJob.from_job_arn(job_stack(), "Imported", JOB_ARN)
    with pytest.raises(ValidationError) as error:
        _ = job.job_name
    assert error.value.field == "job_name"
    assert "job_id" in str(error.value)


def test_from_job_arn_takes_a_token_and_splits_its_id_at_deploy_time() -> None:
    stack = job_stack()
    job = AudienceGenerationJob.from_job_arn(stack, "Imported", Fn.import_value("JobArn"))
    assert stack.resolve(job.job_id) == {
        "Fn::Select": [
            1,
            {"Fn::Split": [":audience-generation-job/", {"Fn::ImportValue": "JobArn"}]},
        ]
    }
    job.export("Top20", audience_size=SIZE)
    [resource] = export_resources(template_of(stack)).values()
    assert resource["Properties"]["AudienceGenerationJobArn"] == {"Fn::ImportValue": "JobArn"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("arn:aws:cleanrooms-ml:us-east-1:111122223333:training-dataset/x",), "job_arn"),
        (("not an arn",), "job_arn"),
        ((JOB_ARN, "x" * 64), "job_name"),
    ],
)
def test_from_job_arn_refuses_a_bad_concrete_value_naming_the_field(
    arguments: tuple[str, ...], field: str
) -> None:
    stack = Stack(App(), "S")
    job_name = arguments[1] if len(arguments) > 1 else None
    with pytest.raises(ValidationError) as error:
        AudienceGenerationJob.from_job_arn(stack, "Imported", arguments[0], job_name=job_name)
    assert error.value.field == field
    # Refused before joining the tree.
    assert stack.node.try_find_child("Imported") is None


def test_both_forms_are_refused_naming_both_fields() -> None:
    stack = job_stack()
    job = _imported(stack)
    with pytest.raises(ValidationError) as error:
        AudienceExport(
            stack, "Export", job=job, audience_generation_job_arn=JOB_ARN, audience_size=SIZE
        )
    assert error.value.field == "job"
    assert "audience_generation_job_arn" in str(error.value)
    assert stack.node.try_find_child("Export") is None


def test_neither_form_is_refused_naming_both_fields() -> None:
    stack = job_stack()
    with pytest.raises(ValidationError) as error:
        AudienceExport(stack, "Export", audience_size=SIZE)
    assert error.value.field == "audience_generation_job_arn"
    assert "job" in str(error.value).replace("audience_generation_job_arn", "")
    assert stack.node.try_find_child("Export") is None


def test_a_job_that_is_no_job_reference_is_a_type_error() -> None:
    stack = job_stack()
    bad: Any = JOB_ARN
    with pytest.raises(TypeError, match="IAudienceGenerationJob"):
        AudienceExport(stack, "Export", job=bad, audience_size=SIZE)


def test_a_declared_jobs_export_is_as_before() -> None:
    # export() is written once for both kinds of job; a declared job's keeps its provider.
    stack = job_stack()
    provider = CleanRoomsMlProvider(stack, "Shared")
    job = s3_job(stack, provider=provider)
    export = job.export("Top20", audience_size=SIZE)
    assert export.node.scope is job
    assert export.provider is provider
    assert export.audience_generation_job_arn == job.job_arn
