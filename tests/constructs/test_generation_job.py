"""The template an ``AudienceGenerationJob`` (and exports of it) synthesizes to."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Fn, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from cdk_cleanrooms_ml import (
    RESOURCE_TYPE,
    AudienceExport,
    AudienceGenerationJob,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    SeedAudience,
    SeedCompute,
    ValidationError,
    WorkerType,
)
from tests.constructs.generation_support import (
    COLLABORATION_ID,
    MODEL_ARN,
    SEED_ROLE_ARN,
    SEED_URI,
    TEMPLATE_ARN,
    job_resources,
    job_stack,
    only_job,
    policy_resource,
    s3_job,
)
from tests.constructs.support import (
    EXPORT_ACTIONS,
    as_list,
    dependency_graph,
    export_resources,
    find_cycle,
    resources_of_type,
    template_of,
)


def function_id(template: dict[str, Any]) -> str:
    [logical_id] = resources_of_type(template, "AWS::Lambda::Function")
    return logical_id


# --- shape and defaults ----------------------------------------------------------------------


def test_defaults_are_left_out_of_the_template() -> None:
    stack = job_stack()
    s3_job(stack)
    template = template_of(stack)
    _, job = only_job(template)

    assert job["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": [function_id(template), "Arn"]},
        "ConfiguredAudienceModelArn": MODEL_ARN,
        "SeedAudience": {"RoleArn": SEED_ROLE_ARN, "DataSource": {"S3Uri": SEED_URI}},
    }
    # CloudFormation's own defaults (Delete), not repeated.
    assert "DeletionPolicy" not in job
    assert "UpdateReplacePolicy" not in job
    # One provider (Lambda, its role, Scheduler's role) for both resource types.
    assert len(resources_of_type(template, "AWS::Lambda::Function")) == 1
    assert len(resources_of_type(template, "AWS::IAM::Role")) == 2


def test_every_prop_reaches_the_template() -> None:
    stack = job_stack()
    AudienceGenerationJob(
        stack,
        "Job",
        configured_audience_model_arn=MODEL_ARN,
        seed_audience=SeedAudience.from_sql(
            role=SEED_ROLE_ARN,
            analysis_template_arn=TEMPLATE_ARN,
            parameters={"campaign": "q4", "min_spend": "100"},
            compute=SeedCompute(
                worker_type=WorkerType.CR_4X,
                workers=16,
                spark_properties={"spark.sql.shuffle.partitions": "64"},
            ),
        ),
        name="q4-lookalikes",
        description="Lookalikes of Q4 buyers",
        include_seed_in_output=True,
        collaboration_id=COLLABORATION_ID,
        wait_for_completion=False,
        timeout=Duration.minutes(30),
    )
    _, job = only_job(template_of(stack))
    properties = job["Properties"]
    del properties["ServiceToken"]
    assert properties == {
        "ConfiguredAudienceModelArn": MODEL_ARN,
        "SeedAudience": {
            "RoleArn": SEED_ROLE_ARN,
            "SqlParameters": {
                "AnalysisTemplateArn": TEMPLATE_ARN,
                "Parameters": {"campaign": "q4", "min_spend": "100"},
            },
            "SqlComputeConfiguration": {
                "Worker": {
                    "Type": "CR.4X",
                    "Number": 16,
                    "Properties": {"Spark": {"spark.sql.shuffle.partitions": "64"}},
                }
            },
        },
        "IncludeSeedInOutput": True,
        "CollaborationId": COLLABORATION_ID,
        "Name": "q4-lookalikes",
        "Description": "Lookalikes of Q4 buyers",
        "WaitForCompletion": False,
        "ServiceTimeout": "1800",
    }


def test_a_query_seed_leaves_the_workers_to_the_service() -> None:
    stack = job_stack()
    s3_job(
        stack,
        seed_audience=SeedAudience.from_sql(
            role=SEED_ROLE_ARN, query="SELECT user_id FROM buyers", compute=SeedCompute()
        ),
    )
    _, job = only_job(template_of(stack))
    assert job["Properties"]["SeedAudience"] == {
        "RoleArn": SEED_ROLE_ARN,
        "SqlParameters": {"QueryString": "SELECT user_id FROM buyers"},
        "SqlComputeConfiguration": {"Worker": {}},
    }


def test_worker_type_from_its_string() -> None:
    assert SeedCompute(worker_type="CR.1X").worker_type is WorkerType.CR_1X
    assert SeedCompute(workers=4.0).workers == 4


def test_tokens_pass_through_to_the_handler() -> None:
    stack = job_stack()
    model = CfnParameter(stack, "Model").value_as_string
    query = CfnParameter(stack, "Query", no_echo=True).value_as_string
    name = CfnParameter(stack, "JobName").value_as_string
    workers = CfnParameter(stack, "Workers", type="Number").value_as_number
    seconds = CfnParameter(stack, "Seconds", type="Number").value_as_number
    AudienceGenerationJob(
        stack,
        "Job",
        configured_audience_model_arn=model,
        seed_audience=SeedAudience.from_sql(
            role=Fn.import_value("SeedRoleArn"),
            query=query,
            compute=SeedCompute(worker_type=WorkerType.CR_1X, workers=workers),
        ),
        name=name,
        timeout=Duration.seconds(seconds),
    )
    _, job = only_job(template_of(stack))
    properties = job["Properties"]
    assert properties["ConfiguredAudienceModelArn"] == {"Ref": "Model"}
    assert properties["SeedAudience"]["RoleArn"] == {"Fn::ImportValue": "SeedRoleArn"}
    assert properties["SeedAudience"]["SqlParameters"] == {"QueryString": {"Ref": "Query"}}
    assert properties["SeedAudience"]["SqlComputeConfiguration"]["Worker"]["Number"] == {
        "Ref": "Workers"
    }
    assert properties["Name"] == {"Ref": "JobName"}
    assert properties["ServiceTimeout"] == {"Ref": "Seconds"}


# --- attributes ------------------------------------------------------------------------------


def test_attributes_are_getatts_of_the_resource() -> None:
    stack = job_stack()
    job = s3_job(stack)
    job_id = stack.get_logical_id(job.resource)
    for attribute, name in (
        (job.job_arn, "AudienceGenerationJobArn"),
        (job.job_name, "Name"),
        (job.status, "Status"),
        (job.offered_sizes, "OfferedSizes"),
        (job.protected_query_identifier, "ProtectedQueryIdentifier"),
    ):
        assert stack.resolve(attribute) == {"Fn::GetAtt": [job_id, name]}


def test_offered_sizes_need_the_resource_to_wait() -> None:
    job = s3_job(job_stack(), wait_for_completion=False)
    with pytest.raises(ValidationError, match=r"^offered_sizes: TestStack/Job has wait_for"):
        _ = job.offered_sizes
    assert job.status  # the other attributes stay readable


# --- exports of the job ----------------------------------------------------------------------


def test_export_is_a_child_on_the_jobs_arn_with_the_jobs_provider() -> None:
    stack = job_stack()
    provider = CleanRoomsMlProvider(stack, "Shared")
    job = s3_job(stack, provider=provider)
    export = job.export(
        "Top20", audience_size=AudienceSize.percentage(20), name="top-20", description="Top 20%"
    )
    template = template_of(stack)
    job_id, _ = only_job(template)

    assert isinstance(export, AudienceExport)
    assert export.node.scope is job
    assert export.provider is provider
    [resource] = export_resources(template).values()
    assert resource["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": [function_id(template), "Arn"]},
        "AudienceGenerationJobArn": {"Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]},
        "AudienceSize": {"Type": "PERCENTAGE", "Value": 20},
        "Name": "top-20",
        "Description": "Top 20%",
    }
    assert find_cycle(dependency_graph(template)) is None


def test_exports_depend_on_the_policy_that_grants_the_jobs_arn() -> None:
    stack = job_stack()
    job = s3_job(stack)
    job.export("Top20", audience_size=AudienceSize.percentage(20))
    # AudienceExport takes the job's ARN token as well.
    AudienceExport(
        stack,
        "Direct",
        audience_generation_job_arn=job.job_arn,
        audience_size=AudienceSize.absolute(10_000),
        wait_for_completion=False,
    )
    template = template_of(stack)
    job_id, _ = only_job(template)
    policy_id, policy = policy_resource(template, "StackJobExportsPolicy")

    # One statement, the job once, however many exports use it.
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert set(as_list(statement["Action"])) == EXPORT_ACTIONS
    assert statement["Resource"] == {"Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]}
    exports = export_resources(template)
    assert len(exports) == 2
    for resource in exports.values():
        assert policy_id in as_list(resource["DependsOn"])
    # The job itself never waits for it: the policy waits for the job.
    _, job_resource = only_job(template)
    assert policy_id not in as_list(job_resource.get("DependsOn", []))


def test_an_export_of_a_concrete_job_arn_keeps_the_roles_own_policy() -> None:
    # The separate policy is for Fn::GetAtt ARNs only: a plain export template is unchanged.
    stack = job_stack()
    AudienceExport(
        stack,
        "Export",
        audience_generation_job_arn=f"{MODEL_ARN.split(':configured')[0]}:audience-generation-job/j",
        audience_size=AudienceSize.percentage(5),
    )
    # Beside the provider's own two (self-invoke, Scheduler's invoke): no policy resource.
    policy_ids = sorted(resources_of_type(template_of(stack), "AWS::IAM::Policy"))
    assert [policy_id.split("Provider")[1][:-8] for policy_id in policy_ids] == [
        "SchedulerInvokePolicy",
        "SelfInvokePolicy",
    ]


def test_jobs_share_one_generation_jobs_policy() -> None:
    stack = job_stack()
    s3_job(stack, "First")
    s3_job(stack, "Second", description="same model and role")
    template = template_of(stack)
    assert len(job_resources(template)) == 2
    policy_id, _ = policy_resource(template, "GenerationJobsPolicy")
    for job in job_resources(template).values():
        assert policy_id in job["DependsOn"]


# --- tags ------------------------------------------------------------------------------------


def test_tags_of_the_job_and_of_its_scopes_are_rendered_sorted() -> None:
    app = App()
    stack = job_stack(app)
    tagged = s3_job(stack, "Tagged")
    s3_job(stack, "Plain")
    Tags.of(tagged).add("team", "growth")
    Tags.of(tagged).add("campaign", "q4")
    Tags.of(stack).add("cost-center", "1234")
    template = template_of(stack)
    by_id = {stack.get_logical_id(tagged.resource): "Tagged"}
    for logical_id, job in job_resources(template).items():
        tags = job["Properties"]["Tags"]
        if by_id.get(logical_id) == "Tagged":
            assert tags == [
                {"Key": "campaign", "Value": "q4"},
                {"Key": "cost-center", "Value": "1234"},
                {"Key": "team", "Value": "growth"},
            ]
        else:
            assert tags == [{"Key": "cost-center", "Value": "1234"}]


def test_tags_removed_by_tags_of_leave_no_property() -> None:
    stack = job_stack()
    job = s3_job(stack)
    Tags.of(stack).add("team", "growth")
    Tags.of(job).remove("team")
    _, resource = only_job(template_of(stack))
    assert "Tags" not in resource["Properties"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("aws:owner", "me", r"tags\.aws:owner: keys starting with aws: are reserved for AWS"),
        ("k" * 129, "v", r"tags\.key: 129 characters, at most 128 allowed"),
        ("team", "v" * 257, r"tags\.team: 257 characters, at most 256 allowed"),
    ],
)
def test_bad_tags_fail_the_synth_naming_the_tag(key: str, value: str, message: str) -> None:
    app = App()
    job = s3_job(job_stack(app))
    Tags.of(job).add(key, value)
    with pytest.raises(RuntimeError, match=rf"\[TestStack/Job\] {message}"):
        app.synth()


# --- removal policy, seed role, providers ----------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "deletion", "replace"),
    [
        (RemovalPolicy.RETAIN, "Retain", "Retain"),
        (RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, "RetainExceptOnCreate", "Retain"),
    ],
)
def test_retain_keeps_the_job(policy: RemovalPolicy, deletion: str, replace: str) -> None:
    stack = job_stack()
    s3_job(stack, removal_policy=policy)
    _, job = only_job(template_of(stack))
    assert (job["DeletionPolicy"], job["UpdateReplacePolicy"]) == (deletion, replace)


def test_a_seed_role_of_the_stack_is_waited_for_with_its_policy() -> None:
    stack = job_stack()
    role = iam.Role(
        stack, "SeedRole", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com")
    )
    s3.Bucket(stack, "Seeds").grant_read(role)
    job = s3_job(stack, seed_audience=SeedAudience.from_s3(SEED_URI, role=role))
    template = template_of(stack)
    _, resource = only_job(template)
    role_id = stack.get_logical_id(role.node.default_child)  # type: ignore[arg-type]
    [default_policy_id] = [
        p for p in resources_of_type(template, "AWS::IAM::Policy") if "SeedRole" in p
    ]
    assert resource["Properties"]["SeedAudience"]["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert {role_id, default_policy_id} <= set(resource["DependsOn"])
    assert job.seed_audience.role_construct is role
    assert find_cycle(dependency_graph(template)) is None


def test_an_imported_provider_deploys_no_lambda_and_records_what_it_must_allow() -> None:
    stack = job_stack()
    imported = CleanRoomsMlProvider.from_service_token(
        stack, "Shared", Fn.import_value(CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME)
    )
    job = s3_job(stack, provider=imported)
    job.export("Top", audience_size=AudienceSize.percentage(10))
    template = template_of(stack)

    for kind in ("AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::Policy"):
        assert resources_of_type(template, kind) == {}
    _, resource = only_job(template)
    assert resource["Properties"]["ServiceToken"] == {
        "Fn::ImportValue": "CleanRoomsMlAudienceExportServiceToken"
    }
    assert "DependsOn" not in resource
    assert imported.granted_configured_audience_model_arns == [MODEL_ARN]
    assert imported.granted_seed_role_arns == [SEED_ROLE_ARN]
    assert len(imported.granted_job_arns) == 1
    refused = imported.grant_audience_generation_job(
        configured_audience_model_arn=MODEL_ARN, seed_role_arn=SEED_ROLE_ARN, tagging=False
    )
    assert not refused.success
    assert "cleanrooms-ml:TagResource" not in refused.actions
    with pytest.raises(ValidationError, match=r"^grant: TestStack/Shared is an imported provider"):
        refused.assert_success()
    assert "CleanRoomsMlProviderStack" in refused.reason
    assert stack.node.try_find_child("CleanRoomsMlAudienceExportProvider") is None


def test_a_provider_of_another_stack_gets_the_stacks_own_grants_in_that_stack() -> None:
    # Grants that name the jobs stack's resources live in it, attached to the provider's
    # role: in the provider's stack they would make each stack wait for the other.
    app = App()
    providers = CleanRoomsMlProviderStack(app)
    campaigns = Stack(app, "Campaigns")
    role = iam.Role(
        campaigns, "SeedRole", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com")
    )
    job = s3_job(
        campaigns,
        seed_audience=SeedAudience.from_s3(SEED_URI, role=role),
        provider=providers.provider,
    )
    job.export("Top", audience_size=AudienceSize.percentage(10))
    template = template_of(campaigns)
    provider_template = template_of(providers)

    assert resources_of_type(template, "AWS::Lambda::Function") == {}
    job_id, resource = only_job(template)
    assert "Fn::ImportValue" in str(resource["Properties"]["ServiceToken"])
    jobs_policy_id, jobs_policy = policy_resource(template, "GenerationJobsPolicy")
    exports_policy_id, exports_policy = policy_resource(template, "StackJobExportsPolicy")
    for policy in (jobs_policy, exports_policy):
        [attached] = policy["Properties"]["Roles"]
        assert "Fn::ImportValue" in attached
    assert jobs_policy_id in resource["DependsOn"]
    [export] = export_resources(template).values()
    assert export["Type"] == RESOURCE_TYPE
    assert exports_policy_id in export["DependsOn"]
    [statement] = exports_policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [job_id, "AudienceGenerationJobArn"]}
    assert providers in campaigns.dependencies
    assert campaigns not in providers.dependencies
    assert "Campaigns" not in str(provider_template)
