"""``TrainingDataset`` at synth: the CloudFormation resource, its reader role, its rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Tags, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import (
    AudienceModel,
    Column,
    ColumnType,
    TrainingDataset,
    TrainingDataSource,
    ValidationError,
)
from tests.cfn_lint import assert_lint_clean
from tests.constructs.generation_support import ACCOUNT, REGION, job_stack
from tests.constructs.support import resources_of_type, template_of

KIND = "AWS::CleanRoomsML::TrainingDataset"
BASIC = [
    Column("user_id", ColumnType.USER_ID),
    Column("item_id", ColumnType.ITEM_ID),
    Column("event time", ColumnType.TIMESTAMP),
]


def dataset(stack: Stack, **props: Any) -> TrainingDataset:
    values: dict[str, Any] = {
        "source": TrainingDataSource.glue("ads", "clicks"),
        "columns": BASIC,
    }
    values.update(props)
    return TrainingDataset(stack, "Dataset", **values)


def only_dataset(template: dict[str, Any]) -> dict[str, Any]:
    [resource] = resources_of_type(template, KIND).values()
    return resource


def test_the_dataset_names_its_table_columns_and_role() -> None:
    stack = job_stack()
    built = dataset(
        stack,
        name="clicks-q4",
        description="clicks of q4",
        columns=[*BASIC, Column("event type", ColumnType.CATEGORICAL_FEATURE)],
    )
    Tags.of(built).add("team", "growth")
    template = template_of(stack)
    properties = only_dataset(template)["Properties"]
    assert properties["Name"] == "clicks-q4"
    assert properties["Description"] == "clicks of q4"
    assert properties["Tags"] == [{"Key": "team", "Value": "growth"}]
    [data] = properties["TrainingData"]
    assert data["Type"] == "INTERACTIONS"
    assert data["InputConfig"]["DataSource"] == {
        "GlueDataSource": {"DatabaseName": "ads", "TableName": "clicks"}
    }
    assert [c["ColumnTypes"] for c in data["InputConfig"]["Schema"]] == [
        ["USER_ID"],
        ["ITEM_ID"],
        ["TIMESTAMP"],
        ["CATEGORICAL_FEATURE"],
    ]
    [(role_id, role)] = resources_of_type(template, "AWS::IAM::Role").items()
    assert properties["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cleanrooms-ml.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert_lint_clean(template)


def test_the_reader_role_reads_exactly_the_table_in_glue() -> None:
    stack = job_stack()
    dataset(stack, source=TrainingDataSource.glue("ads", "clicks", catalog_id="444455556666"))
    template = template_of(stack)
    [policy] = resources_of_type(template, "AWS::IAM::Policy").values()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == [
        "glue:BatchGetPartition",
        "glue:GetDatabase",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:GetTable",
    ]
    resources = [json.dumps(stack.resolve(r)) for r in statement["Resource"]]
    assert all("444455556666" in r and REGION in r for r in resources)
    assert any(r.endswith(':table/ads/clicks"]]}') for r in resources)
    assert not any("*" in r for r in resources)


def test_a_given_role_is_used_and_none_is_created() -> None:
    stack = job_stack()
    role = iam.Role.from_role_arn(stack, "Given", f"arn:aws:iam::{ACCOUNT}:role/reader")
    dataset(stack, role=role)
    template = template_of(stack)
    assert only_dataset(template)["Properties"]["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/reader"
    assert resources_of_type(template, "AWS::IAM::Role") == {}


def test_a_model_trains_on_it_and_the_dataset_is_retained_if_asked() -> None:
    stack = job_stack()
    built = dataset(stack, removal_policy=RemovalPolicy.RETAIN)
    AudienceModel(stack, "Model", training_dataset_arn=built.training_dataset_arn)
    template = template_of(stack)
    assert only_dataset(template)["DeletionPolicy"] == "Retain"
    [model] = resources_of_type(template, "Custom::CleanRoomsMlAudienceModel").values()
    [(dataset_id, _)] = resources_of_type(template, KIND).items()
    assert model["Properties"]["TrainingDatasetArn"] == {
        "Fn::GetAtt": [dataset_id, "TrainingDatasetArn"]
    }


def test_an_imported_dataset_is_checked_and_adds_nothing() -> None:
    stack = job_stack()
    arn = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:training-dataset/elsewhere"
    imported = TrainingDataset.from_training_dataset_arn(stack, "Imported", arn)
    assert imported.training_dataset_arn == arn
    with pytest.raises(ValidationError, match=r"^training_dataset_arn: "):
        TrainingDataset.from_training_dataset_arn(stack, "Bad", arn.replace("training-", ""))
    assert template_of(stack).get("Resources", {}) == {}


FEATURES = [Column(f"f{i}", ColumnType.NUMERICAL_FEATURE) for i in range(11)]


@pytest.mark.parametrize(
    ("make", "field", "rule"),
    [
        (lambda: {"columns": []}, "columns", "0 columns, 1 to 100"),
        (lambda: {"columns": BASIC[:2]}, "columns", "no TIMESTAMP column"),
        (lambda: {"columns": BASIC[1:]}, "columns", "no USER_ID column"),
        (lambda: {"columns": [*BASIC, BASIC[0]]}, "columns", "named more than once"),
        (lambda: {"columns": [*BASIC, *FEATURES]}, "columns", "11 feature columns, at most 10"),
        (lambda: {"columns": [*BASIC, "price"]}, "columns", "Column("),
        (lambda: {"columns": [Column("-x", ColumnType.USER_ID)]}, "columns.name", "column name"),
        (lambda: {"columns": [Column("", ColumnType.USER_ID)]}, "columns.name", "at least 1"),
        (lambda: {"columns": [Column("c" * 129, ColumnType.ITEM_ID)]}, "columns.name", "at most"),
        (lambda: {"columns": [Column("c", "USER_ID")]}, "columns.column_type", "ColumnType"),  # type: ignore[arg-type]
        (lambda: {"source": TrainingDataSource.glue("my db", "t")}, "source.database", "no spaces"),
        (lambda: {"source": TrainingDataSource.glue("", "t")}, "source.database", "at least 1"),
        (lambda: {"source": TrainingDataSource.glue("db", "t!")}, "source.table", "table name"),
        (lambda: {"source": TrainingDataSource.glue("db", "t" * 129)}, "source.table", "at most"),
        (
            lambda: {"source": TrainingDataSource.glue("db", "t", catalog_id="1234")},
            "source.catalog_id",
            "12-digit",
        ),
        (lambda: {"name": "n" * 64}, "name", "at most 63"),
        (lambda: {"name": "   "}, "name", ""),
        (lambda: {"description": "d" * 256}, "description", "at most 255"),
    ],
)
def test_bad_props_fail_naming_the_prop_before_anything_is_added(
    make: Any, field: str, rule: str
) -> None:
    stack = job_stack()
    with pytest.raises(ValidationError) as raised:
        dataset(stack, **make())
    assert raised.value.field == field
    assert rule in raised.value.rule
    assert stack.node.try_find_child("Dataset") is None


def test_the_app_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = job_stack(app)
    built = dataset(stack)
    AudienceModel(
        stack,
        "Model",
        training_dataset_arn=built.training_dataset_arn,
        wait_for_completion=Duration.hours(4),
    )
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []
