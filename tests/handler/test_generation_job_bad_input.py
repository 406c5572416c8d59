"""Every bad generation job property is refused by the shared rules, naming the field and rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from tests.handler.bad_input import Case, assert_handler_refuses, assert_refused, assert_wide
from tests.handler.generation_support import job_event
from tests.handler.services import Services

MODEL_ARN = (
    "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/"
    "c0ffee00-1111-2222-3333-444455556666"
)
ROLE_ARN = "arn:aws:iam::111122223333:role/seed-reader"
TEMPLATE_ARN = (
    "arn:aws:cleanrooms:us-east-1:111122223333:membership/"
    "0a1b2c3d-aaaa-bbbb-cccc-111122223333/analysistemplate/seed-template"
)
COLLABORATION = "0a1b2c3d-aaaa-bbbb-cccc-111122223333"
SECRET = "super-secret-seed-value"


def s3_props() -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "ConfiguredAudienceModelArn": MODEL_ARN,
        "SeedAudience": {"RoleArn": ROLE_ARN, "DataSource": {"S3Uri": "s3://bucket/seed.jsonl"}},
    }


def sql_props() -> dict[str, Any]:
    props = s3_props()
    props["SeedAudience"] = {
        "RoleArn": ROLE_ARN,
        "SqlParameters": {"AnalysisTemplateArn": TEMPLATE_ARN, "Parameters": {"min_age": "18"}},
        "SqlComputeConfiguration": {"Worker": {"Type": "CR.1X", "Number": "16"}},
    }
    return props


def edit(base: dict[str, Any], path: str, value: Any = ...) -> dict[str, Any]:
    """A copy of ``base`` with the key at the dotted ``path`` set, or removed (no value)."""
    props = copy.deepcopy(base)
    *parents, last = path.split(".")
    target = props
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return props


SEED = "SeedAudience"
SQL = "SeedAudience.SqlParameters"
WORKER = "SeedAudience.SqlComputeConfiguration.Worker"

CASES = [
    Case("not-an-object", ["ConfiguredAudienceModelArn"], "ResourceProperties", "not an object"),
    Case("unknown-key", edit(s3_props(), "Seed", "x"), "Seed", "unknown property"),
    # ConfiguredAudienceModelArn
    Case(
        "model-missing",
        edit(s3_props(), "ConfiguredAudienceModelArn"),
        "ConfiguredAudienceModelArn",
        "required",
    ),
    Case(
        "model-number",
        edit(s3_props(), "ConfiguredAudienceModelArn", 7),
        "ConfiguredAudienceModelArn",
        "not a string",
    ),
    Case(
        "model-short",
        edit(s3_props(), "ConfiguredAudienceModelArn", "arn:aws:x"),
        "ConfiguredAudienceModelArn",
        "at least 20",
    ),
    Case(
        "model-long",
        edit(s3_props(), "ConfiguredAudienceModelArn", MODEL_ARN + "a" * 2000),
        "ConfiguredAudienceModelArn",
        "at most 2048",
    ),
    Case(
        "model-is-a-job-arn",
        edit(
            s3_props(),
            "ConfiguredAudienceModelArn",
            MODEL_ARN.replace("configured-audience-model", "audience-generation-job"),
        ),
        "ConfiguredAudienceModelArn",
        "not a configured audience model ARN",
    ),
    Case(
        "model-short-account",
        edit(
            s3_props(),
            "ConfiguredAudienceModelArn",
            MODEL_ARN.replace("111122223333", "11112222333"),
        ),
        "ConfiguredAudienceModelArn",
        "12-digit account",
    ),
    # SeedAudience
    Case("seed-missing", edit(s3_props(), SEED), SEED, "required"),
    Case("seed-string", edit(s3_props(), SEED, "s3://bucket/seed.jsonl"), SEED, "not an object"),
    Case(
        "seed-unknown-key",
        edit(s3_props(), f"{SEED}.S3Uri", "s3://b/k"),
        f"{SEED}.S3Uri",
        "unknown property",
    ),
    Case("seed-no-source", edit(s3_props(), f"{SEED}.DataSource"), SEED, "exactly one of"),
    Case(
        "seed-both-sources",
        edit(s3_props(), f"{SEED}.SqlParameters", {"QueryString": "select 1"}),
        SEED,
        "exactly one of",
    ),
    Case(
        "compute-with-s3-seed",
        edit(s3_props(), f"{SEED}.SqlComputeConfiguration", {"Worker": {"Number": "4"}}),
        f"{SEED}.SqlComputeConfiguration",
        "only to a SQL seed",
    ),
    # SeedAudience.RoleArn
    Case("role-missing", edit(s3_props(), f"{SEED}.RoleArn"), f"{SEED}.RoleArn", "required"),
    Case(
        "role-short",
        edit(s3_props(), f"{SEED}.RoleArn", "arn:aws:iam::1:role"),
        f"{SEED}.RoleArn",
        "at least 20",
    ),
    Case(
        "role-long",
        edit(s3_props(), f"{SEED}.RoleArn", ROLE_ARN + "r" * 2010),
        f"{SEED}.RoleArn",
        "at most 2048",
    ),
    Case(
        "role-is-a-user",
        edit(s3_props(), f"{SEED}.RoleArn", "arn:aws:iam::111122223333:user/seed-reader"),
        f"{SEED}.RoleArn",
        "not an IAM role ARN",
    ),
    Case(
        "role-no-name",
        edit(s3_props(), f"{SEED}.RoleArn", "arn:aws:iam::111122223333:role/"),
        f"{SEED}.RoleArn",
        "not an IAM role ARN",
    ),
    Case(
        "role-two-lines",
        edit(s3_props(), f"{SEED}.RoleArn", ROLE_ARN + "\nextra"),
        f"{SEED}.RoleArn",
        "one line",
    ),
    # SeedAudience.DataSource
    Case(
        "source-string",
        edit(s3_props(), f"{SEED}.DataSource", "s3://b/k"),
        f"{SEED}.DataSource",
        "not an object",
    ),
    Case(
        "uri-missing",
        edit(s3_props(), f"{SEED}.DataSource.S3Uri"),
        f"{SEED}.DataSource.S3Uri",
        "required",
    ),
    Case(
        "uri-empty",
        edit(s3_props(), f"{SEED}.DataSource.S3Uri", ""),
        f"{SEED}.DataSource.S3Uri",
        "at least 1",
    ),
    Case(
        "uri-https",
        edit(s3_props(), f"{SEED}.DataSource.S3Uri", "https://bucket.s3.amazonaws.com/seed"),
        f"{SEED}.DataSource.S3Uri",
        "not an S3 URI",
    ),
    Case(
        "uri-bare-scheme",
        edit(s3_props(), f"{SEED}.DataSource.S3Uri", "s3://"),
        f"{SEED}.DataSource.S3Uri",
        "not an S3 URI",
    ),
    Case(
        "uri-long",
        edit(s3_props(), f"{SEED}.DataSource.S3Uri", "s3://b/" + "k" * 1279),
        f"{SEED}.DataSource.S3Uri",
        "at most 1285",
    ),
    # SeedAudience.SqlParameters
    Case("sql-empty", edit(sql_props(), SQL, {}), SQL, "exactly one of"),
    Case(
        "sql-query-and-template",
        edit(sql_props(), f"{SQL}.QueryString", "select id from seed"),
        SQL,
        "exactly one of",
    ),
    Case(
        "sql-parameters-without-template",
        edit(sql_props(), SQL, {"QueryString": "select 1", "Parameters": {"a": "1"}}),
        f"{SQL}.Parameters",
        "only with",
    ),
    Case(
        "sql-unknown-key",
        edit(sql_props(), f"{SQL}.Query", "select 1"),
        f"{SQL}.Query",
        "unknown property",
    ),
    Case(
        "query-empty",
        edit(sql_props(), SQL, {"QueryString": ""}),
        f"{SQL}.QueryString",
        "at least 1",
    ),
    Case(
        "query-too-long",
        edit(sql_props(), SQL, {"QueryString": "x" * 500_001}),
        f"{SQL}.QueryString",
        "at most 500000",
    ),
    Case(
        "template-not-an-arn",
        edit(sql_props(), f"{SQL}.AnalysisTemplateArn", "seed-template"),
        f"{SQL}.AnalysisTemplateArn",
        "not an analysis template ARN",
    ),
    Case(
        "template-too-long",
        edit(sql_props(), f"{SQL}.AnalysisTemplateArn", TEMPLATE_ARN + "x" * 100),
        f"{SQL}.AnalysisTemplateArn",
        "at most 200",
    ),
    Case(
        "template-bad-region",
        edit(
            sql_props(), f"{SQL}.AnalysisTemplateArn", TEMPLATE_ARN.replace("us-east-1", "useast1")
        ),
        f"{SQL}.AnalysisTemplateArn",
        "not an analysis template ARN",
    ),
    Case(
        "parameters-list",
        edit(sql_props(), f"{SQL}.Parameters", ["a"]),
        f"{SQL}.Parameters",
        "not an object",
    ),
    Case(
        "parameter-name-dash",
        edit(sql_props(), f"{SQL}.Parameters", {"min-age": "18"}),
        f"{SQL}.Parameters",
        "0-9, a-z, A-Z and _",
    ),
    Case(
        "parameter-name-empty",
        edit(sql_props(), f"{SQL}.Parameters", {"": "18"}),
        f"{SQL}.Parameters",
        "1-100",
    ),
    Case(
        "parameter-name-long",
        edit(sql_props(), f"{SQL}.Parameters", {"p" * 101: "18"}),
        f"{SQL}.Parameters",
        "1-100",
    ),
    Case(
        "parameter-value-long",
        edit(sql_props(), f"{SQL}.Parameters", {"min_age": "9" * 1001}),
        f"{SQL}.Parameters.min_age",
        "at most 1000",
    ),
    Case(
        "parameter-value-number",
        edit(sql_props(), f"{SQL}.Parameters", {"min_age": 18}),
        f"{SQL}.Parameters.min_age",
        "not a string",
    ),
    # SeedAudience.SqlComputeConfiguration
    Case(
        "compute-no-worker",
        edit(sql_props(), f"{SEED}.SqlComputeConfiguration", {}),
        f"{SEED}.SqlComputeConfiguration.Worker",
        "required",
    ),
    Case(
        "worker-type-lower",
        edit(sql_props(), f"{WORKER}.Type", "cr.1x"),
        f"{WORKER}.Type",
        "not one of CR.1X",
    ),
    Case(
        "worker-type-2x",
        edit(sql_props(), f"{WORKER}.Type", "CR.2X"),
        f"{WORKER}.Type",
        "not one of",
    ),
    Case(
        "workers-one", edit(sql_props(), f"{WORKER}.Number", "1"), f"{WORKER}.Number", "2 to 1024"
    ),
    Case(
        "workers-too-many",
        edit(sql_props(), f"{WORKER}.Number", "1025"),
        f"{WORKER}.Number",
        "2 to 1024",
    ),
    Case(
        "workers-not-a-number",
        edit(sql_props(), f"{WORKER}.Number", "sixteen"),
        f"{WORKER}.Number",
        "not a whole number",
    ),
    Case(
        "workers-fraction",
        edit(sql_props(), f"{WORKER}.Number", "2.5"),
        f"{WORKER}.Number",
        "not a whole number",
    ),
    Case(
        "worker-unknown-key",
        edit(sql_props(), f"{WORKER}.Count", "4"),
        f"{WORKER}.Count",
        "unknown property",
    ),
    Case(
        "spark-too-many",
        edit(sql_props(), f"{WORKER}.Properties", {"Spark": {f"k{i}": "v" for i in range(51)}}),
        f"{WORKER}.Properties.Spark",
        "at most 50",
    ),
    Case(
        "spark-value-long",
        edit(sql_props(), f"{WORKER}.Properties", {"Spark": {"spark.x": "v" * 501}}),
        f"{WORKER}.Properties.Spark.spark.x",
        "at most 500",
    ),
    # IncludeSeedInOutput
    Case(
        "include-yes",
        edit(s3_props(), "IncludeSeedInOutput", "yes"),
        "IncludeSeedInOutput",
        "true or false",
    ),
    Case(
        "include-one",
        edit(s3_props(), "IncludeSeedInOutput", "1"),
        "IncludeSeedInOutput",
        "true or false",
    ),
    # CollaborationId
    Case(
        "collaboration-upper",
        edit(s3_props(), "CollaborationId", COLLABORATION.upper()),
        "CollaborationId",
        "lower-case collaboration UUID",
    ),
    Case(
        "collaboration-no-dashes",
        edit(s3_props(), "CollaborationId", COLLABORATION.replace("-", "") + "abcd"),
        "CollaborationId",
        "lower-case collaboration UUID",
    ),
    Case(
        "collaboration-short",
        edit(s3_props(), "CollaborationId", COLLABORATION[:-1]),
        "CollaborationId",
        "at least 36",
    ),
    # Name and Description: the export's rules
    Case("name-empty", edit(s3_props(), "Name", ""), "Name", "at least 1"),
    Case("name-blank", edit(s3_props(), "Name", "   "), "Name", "blank"),
    Case("name-long", edit(s3_props(), "Name", "n" * 64), "Name", "at most 63"),
    Case("name-emoji", edit(s3_props(), "Name", "seed \U0001f600"), "Name", "U+1F600"),
    Case(
        "description-long", edit(s3_props(), "Description", "d" * 256), "Description", "at most 255"
    ),
    Case("description-nul", edit(s3_props(), "Description", "a\x00b"), "Description", "U+0000"),
    # Tags
    Case("tags-map", edit(s3_props(), "Tags", {"team": "ads"}), "Tags", "not a list"),
    Case("tag-no-value", edit(s3_props(), "Tags", [{"Key": "team"}]), "Tags[0].Value", "required"),
    Case(
        "tag-unknown-key",
        edit(s3_props(), "Tags", [{"Key": "a", "Value": "b", "Name": "c"}]),
        "Tags[0].Name",
        "unknown property",
    ),
    Case(
        "tag-duplicate",
        edit(s3_props(), "Tags", [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]),
        "Tags[1].Key",
        "duplicate tag key",
    ),
    Case(
        "tag-key-empty",
        edit(s3_props(), "Tags", [{"Key": "", "Value": "b"}]),
        "Tags.key",
        "at least 1",
    ),
    Case(
        "tag-key-long",
        edit(s3_props(), "Tags", [{"Key": "k" * 129, "Value": "b"}]),
        "Tags.key",
        "at most 128",
    ),
    Case(
        "tag-key-reserved",
        edit(s3_props(), "Tags", [{"Key": "AWS:cloudformation:stack", "Value": "b"}]),
        "Tags.AWS:cloudformation:stack",
        "reserved for AWS",
    ),
    Case(
        "tag-value-long",
        edit(s3_props(), "Tags", [{"Key": "team", "Value": "v" * 257}]),
        "Tags.team",
        "at most 256",
    ),
    Case(
        "tags-too-many",
        edit(s3_props(), "Tags", [{"Key": f"k{i}", "Value": ""} for i in range(50)]),
        "Tags",
        "at most 49",
    ),
    # The resource's own settings
    Case(
        "wait-maybe",
        edit(s3_props(), "WaitForCompletion", "maybe"),
        "WaitForCompletion",
        "true or false",
    ),
    Case("timeout-zero", edit(s3_props(), "ServiceTimeout", "0"), "ServiceTimeout", "1 to 3600"),
    Case("timeout-long", edit(s3_props(), "ServiceTimeout", "3601"), "ServiceTimeout", "1 to 3600"),
]


def test_the_matrix_is_wide_and_its_ids_unique() -> None:
    assert_wide(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_names_the_field_and_the_rule(case: Case) -> None:
    assert_refused(job_fields.parse_properties, case)


@pytest.mark.parametrize(
    "props",
    [
        edit(sql_props(), SQL, {"QueryString": 987654321}),
        edit(sql_props(), SQL, {"QueryString": "x" * 500_001}),
        edit(sql_props(), f"{SQL}.AnalysisTemplateArn", SECRET),
        edit(sql_props(), f"{SQL}.Parameters", {"min_age": SECRET * 50}),
        edit(sql_props(), f"{SQL}.Parameters", {"min_age": [SECRET]}),
        edit(sql_props(), f"{SQL}.Parameters", [SECRET]),
        edit(sql_props(), SQL, SECRET),
    ],
    ids=["query-number", "query-long", "template", "value-long", "value-list", "map", "sql"],
)
def test_sensitive_sql_parameters_are_never_echoed(props: dict[str, Any]) -> None:
    # The model marks the SQL parameters sensitive: a FAILED reason must not carry them.
    with pytest.raises(rules.ValidationError) as raised:
        job_fields.parse_properties(props)
    assert SECRET not in str(raised.value)
    assert "987654321" not in str(raised.value)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_handler_fails_naming_the_field_and_calls_nothing(
    case: Case, services: Services
) -> None:
    assert_handler_refuses(job_event("Create", case.props), services, case)
