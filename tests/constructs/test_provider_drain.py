"""A stack's own provider outlives the background deletions of that stack's generation jobs:
its drain is deleted after the jobs and before the provider."""

from __future__ import annotations

from aws_cdk import App

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, CleanRoomsMlProvider
from cdk_cleanrooms_ml._handler.fields.provider_drain import DRAIN_RESOURCE_TYPE as RESOURCE_TYPE
from cdk_cleanrooms_ml._handler.fields.provider_drain import KEY_BACKGROUND_DELETIONS as KEY_JOBS
from tests.constructs.generation_support import job_resources, job_stack, s3_job
from tests.constructs.support import (
    dependency_graph,
    find_cycle,
    resources_of_type,
    template_of,
)

JOB_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/elsewhere"


def test_the_stacks_jobs_are_deleted_before_the_drain_which_is_deleted_before_the_provider() -> (
    None
):
    stack = job_stack()
    s3_job(stack, "First")
    s3_job(stack, "Second", name="second-job")

    template = template_of(stack)

    [(drain_id, drain)] = resources_of_type(template, RESOURCE_TYPE).items()
    jobs = job_resources(template)
    assert drain["Properties"][KEY_JOBS] == sorted(jobs)
    assert drain["Properties"]["ServiceTimeout"] == "3600"
    for job in jobs.values():
        assert drain_id in job["DependsOn"]
    graph = dependency_graph(template)
    function_id = next(
        key
        for key, value in template["Resources"].items()
        if value["Type"] == "AWS::Lambda::Function"
    )
    assert function_id in graph[drain_id]  # its ServiceToken: deleted before the function
    assert any("SelfInvokePolicy" in key for key in graph[drain_id])
    assert find_cycle(graph) is None


def test_a_stack_without_jobs_has_no_drain() -> None:
    stack = job_stack()
    AudienceExport(
        stack,
        "Export",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10000),
    )

    assert resources_of_type(template_of(stack), RESOURCE_TYPE) == {}


def test_jobs_of_another_stacks_provider_add_no_drain_there_or_here() -> None:
    app = App()
    home = job_stack(app, "ProviderStack")
    provider = CleanRoomsMlProvider(home, "Provider")
    other = job_stack(app, "JobStack")
    s3_job(other, "Job", provider=provider)

    # The provider's stack outlives the job's: its background deletion needs no drain.
    assert resources_of_type(template_of(home), RESOURCE_TYPE) == {}
    assert resources_of_type(template_of(other), RESOURCE_TYPE) == {}
