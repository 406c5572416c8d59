"""N of one resource type in a stack: ours (the construct, with the stack's own provider, as a
user declares it) and its nearest peer as a user would write it without this library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_cleanroomsml as cleanroomsml
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr

from cdk_cleanrooms_ml import (
    AudienceGenerationJob,
    AudienceModel,
    Column,
    ColumnType,
    ConfiguredAudienceModel,
    SeedAudience,
    SharedAudienceMetrics,
    TrainingDataset,
    TrainingDataSource,
)

from .synth import ACCOUNT, REGION, SDK_SERVICE, SEED_ROLE_ARN, SEED_URI

OUTPUT_ROLE_ARN: Final = f"arn:aws:iam::{ACCOUNT}:role/cleanrooms-ml-output"
OUTPUT_URI: Final = "s3://audiences/lookalikes/"
DATABASE: Final = "interactions"
COLUMNS: Final = (
    ("user_id", "USER_ID"),
    ("item_id", "ITEM_ID"),
    ("event_time", "TIMESTAMP"),
)
# What Clean Rooms ML reads of a training dataset's Glue table.
GLUE_READ: Final = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)


def _arn(resource: str, name: str) -> str:
    return f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:{resource}/{name}"


def _every(stack: cdk.Stack, resource: str) -> str:
    """The account's ``resource``s, as CDK code spells an ARN (partition-aware, as ours)."""
    return stack.format_arn(service="cleanrooms-ml", resource=resource, resource_name="*")


# Instance i reads input i (a model, a dataset): the worst case for our shared grants, which
# grow with every distinct input, while each peer call carries its own policy anyway.
def configured_model_arn(i: int) -> str:
    return _arn("configured-audience-model", f"model-{i}")


def audience_model_arn(i: int) -> str:
    return _arn("audience-model", f"model-{i}")


def dataset_arn(i: int) -> str:
    return _arn("training-dataset", f"dataset-{i}")


# --- ours ---------------------------------------------------------------------------------


def our_jobs(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        AudienceGenerationJob(
            stack,
            f"Job{i}",
            configured_audience_model_arn=configured_model_arn(i),
            seed_audience=SeedAudience.from_s3(SEED_URI, role=SEED_ROLE_ARN),
            name=f"job-{i}",
        )


def our_models(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        AudienceModel(stack, f"Model{i}", training_dataset_arn=dataset_arn(i), name=f"model-{i}")


def our_configured_models(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        ConfiguredAudienceModel(
            stack,
            f"Configured{i}",
            audience_model_arn=audience_model_arn(i),
            output_location=OUTPUT_URI,
            output_role=OUTPUT_ROLE_ARN,
            shared_audience_metrics=SharedAudienceMetrics.ALL,
            name=f"configured-{i}",
        )


def our_datasets(stack: cdk.Stack, count: int) -> None:
    columns = [Column(name, ColumnType(kind)) for name, kind in COLUMNS]
    for i in range(count):
        TrainingDataset(
            stack,
            f"Dataset{i}",
            source=TrainingDataSource.glue(DATABASE, f"events_{i}"),
            columns=columns,
            name=f"dataset-{i}",
        )


# --- peers --------------------------------------------------------------------------------


def _sdk_resource(
    stack: cdk.Stack,
    construct_id: str,
    create: tuple[str, Mapping[str, Any], str],
    delete: tuple[str, str],
    policy: cr.AwsCustomResourcePolicy,
) -> None:
    """An ``AwsCustomResource``: ``create`` is (action, parameters, response field holding the
    ARN, the physical id); ``delete`` is (action, parameter that takes that ARN)."""
    action, parameters, arn_field = create
    cr.AwsCustomResource(
        stack,
        construct_id,
        on_create=cr.AwsSdkCall(
            service=SDK_SERVICE,
            action=action,
            parameters=dict(parameters),
            physical_resource_id=cr.PhysicalResourceId.from_response(arn_field),
        ),
        on_delete=cr.AwsSdkCall(
            service=SDK_SERVICE,
            action=delete[0],
            parameters={delete[1]: cr.PhysicalResourceIdReference()},
        ),
        policy=policy,
    )


def _statements(
    actions: Sequence[str], resources: Sequence[str], pass_role: str
) -> cr.AwsCustomResourcePolicy:
    """The Clean Rooms ML actions on ``resources``, and PassRole on the role the call names."""
    return cr.AwsCustomResourcePolicy.from_statements(
        [
            iam.PolicyStatement(
                actions=[f"cleanrooms-ml:{action}" for action in actions], resources=list(resources)
            ),
            iam.PolicyStatement(actions=["iam:PassRole"], resources=[pass_role]),
        ]
    )


def peer_jobs(stack: cdk.Stack, count: int) -> None:
    jobs = _every(stack, "audience-generation-job")
    for i in range(count):
        model = configured_model_arn(i)
        _sdk_resource(
            stack,
            f"Job{i}",
            (
                "StartAudienceGenerationJob",
                {
                    "name": f"job-{i}",
                    "configuredAudienceModelArn": model,
                    "seedAudience": {"roleArn": SEED_ROLE_ARN, "dataSource": {"s3Uri": SEED_URI}},
                },
                "audienceGenerationJobArn",
            ),
            ("DeleteAudienceGenerationJob", "audienceGenerationJobArn"),
            _statements(
                ("StartAudienceGenerationJob", "DeleteAudienceGenerationJob"),
                (model, jobs),
                SEED_ROLE_ARN,
            ),
        )


def peer_models(stack: cdk.Stack, count: int) -> None:
    models = _every(stack, "audience-model")
    for i in range(count):
        _sdk_resource(
            stack,
            f"Model{i}",
            (
                "CreateAudienceModel",
                {"name": f"model-{i}", "trainingDatasetArn": dataset_arn(i)},
                "audienceModelArn",
            ),
            ("DeleteAudienceModel", "audienceModelArn"),
            # No role is passed: the actions of both calls, on the dataset and the models.
            cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[dataset_arn(i), models]),
        )


def peer_configured_models(stack: cdk.Stack, count: int) -> None:
    configured = _every(stack, "configured-audience-model")
    for i in range(count):
        model = audience_model_arn(i)
        _sdk_resource(
            stack,
            f"Configured{i}",
            (
                "CreateConfiguredAudienceModel",
                {
                    "name": f"configured-{i}",
                    "audienceModelArn": model,
                    "outputConfig": {
                        "destination": {"s3Destination": {"s3Uri": OUTPUT_URI}},
                        "roleArn": OUTPUT_ROLE_ARN,
                    },
                    "sharedAudienceMetrics": ["ALL"],
                },
                "configuredAudienceModelArn",
            ),
            ("DeleteConfiguredAudienceModel", "configuredAudienceModelArn"),
            _statements(
                ("CreateConfiguredAudienceModel", "DeleteConfiguredAudienceModel"),
                (model, configured),
                OUTPUT_ROLE_ARN,
            ),
        )


def _reader_role(stack: cdk.Stack, construct_id: str, table: str) -> iam.Role:
    role = iam.Role(
        stack,
        construct_id,
        assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com").with_conditions(
            {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
        ),
    )
    glue = [
        stack.format_arn(service="glue", resource="catalog"),
        stack.format_arn(service="glue", resource="database", resource_name=DATABASE),
        stack.format_arn(service="glue", resource="table", resource_name=f"{DATABASE}/{table}"),
    ]
    role.add_to_policy(iam.PolicyStatement(actions=list(GLUE_READ), resources=glue))
    return role


def peer_datasets(stack: cdk.Stack, count: int) -> None:
    """``CfnTrainingDataset`` and a reader role with the same Glue read, written by hand."""
    dataset = cleanroomsml.CfnTrainingDataset
    schema = [dataset.ColumnSchemaProperty(column_name=n, column_types=[t]) for n, t in COLUMNS]
    for i in range(count):
        table = f"events_{i}"
        role = _reader_role(stack, f"Dataset{i}Role", table)
        source = dataset.DataSourceProperty(
            glue_data_source=dataset.GlueDataSourceProperty(
                database_name=DATABASE, table_name=table
            )
        )
        resource = dataset(
            stack,
            f"Dataset{i}",
            name=f"dataset-{i}",
            role_arn=role.role_arn,
            training_data=[
                dataset.DatasetProperty(
                    type="INTERACTIONS",
                    input_config=dataset.DatasetInputConfigProperty(
                        schema=schema, data_source=source
                    ),
                )
            ],
        )
        # CreateTrainingDataset passes the role: it must hold its policy by then.
        resource.node.add_dependency(role)
