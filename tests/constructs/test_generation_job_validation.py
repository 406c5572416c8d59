"""Concrete generation job values are checked at synth: each error names the prop and the rule,
and the stack gains nothing (no job, no provider, no policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, RemovalPolicy, Stack
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import SeedAudience, SeedCompute, ValidationError
from tests.constructs.generation_support import (
    MODEL_ARN,
    SEED_ROLE_ARN,
    SEED_URI,
    TEMPLATE_ARN,
    job_stack,
    only_job,
    s3_job,
)
from tests.constructs.support import ACCOUNT, REGION, template_of

JOB_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/job-1"
QUERY = "SELECT user_id FROM buyers"


def sql(**props: Any) -> Callable[[], SeedAudience]:
    return lambda: SeedAudience.from_sql(**{"role": SEED_ROLE_ARN, **props})


def compute(**props: Any) -> Callable[[], SeedAudience]:
    return lambda: SeedAudience.from_sql(
        role=SEED_ROLE_ARN, query=QUERY, compute=SeedCompute(**props)
    )


def s3(uri: str = SEED_URI, role: str = SEED_ROLE_ARN) -> Callable[[], SeedAudience]:
    return lambda: SeedAudience.from_s3(uri, role=role)


# (field, rule text, job props; a "seed" prop is called, inside the check, to make the seed)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # configured_audience_model_arn
    (
        "configured_audience_model_arn",
        "is not a configured audience model ARN",
        {"configured_audience_model_arn": JOB_ARN},
    ),
    (
        "configured_audience_model_arn",
        "4 characters, at least 20 required",
        {"configured_audience_model_arn": "arn:"},
    ),
    (
        "configured_audience_model_arn",
        "2049 characters, at most 2048 allowed",
        {"configured_audience_model_arn": MODEL_ARN + "m" * (2049 - len(MODEL_ARN))},
    ),
    (
        "configured_audience_model_arn",
        "is not a configured audience model ARN",
        {"configured_audience_model_arn": MODEL_ARN.replace("cleanrooms-ml", "cleanrooms")},
    ),
    ("configured_audience_model_arn", "42 is not a string", {"configured_audience_model_arn": 42}),
    # seed_audience.role
    (
        "seed_audience.role",
        "is not an IAM role ARN",
        {"seed": s3(role=f"arn:aws:iam::{ACCOUNT}:user/seed")},
    ),
    ("seed_audience.role", "8 characters, at least 20 required", {"seed": s3(role="arn:aws:")}),
    ("seed_audience.role", "is not an IAM role ARN", {"seed": s3(role=SEED_ROLE_ARN + "\nx")}),
    (
        "seed_audience.role",
        "is not an IAM role ARN",
        {"seed": s3(role=SEED_ROLE_ARN.replace(ACCOUNT, "1234"))},
    ),
    # seed_audience.uri
    ("seed_audience.uri", "is not an S3 URI", {"seed": s3(uri="https://bucket/seed.jsonl")}),
    ("seed_audience.uri", "0 characters, at least 1 required", {"seed": s3(uri="")}),
    (
        "seed_audience.uri",
        "1286 characters, at most 1285 allowed",
        {"seed": s3(uri="s3://b/" + "k" * 1279)},
    ),
    ("seed_audience.uri", "is not an S3 URI", {"seed": s3(uri="s3://b/two\nlines")}),
    # the SQL seed
    (
        "seed_audience",
        "exactly one of seed_audience.query and seed_audience.analysis_template_arn is required",
        {"seed": sql()},
    ),
    (
        "seed_audience",
        "exactly one of seed_audience.query and seed_audience.analysis_template_arn is required",
        {"seed": sql(query=QUERY, analysis_template_arn=TEMPLATE_ARN)},
    ),
    (
        "seed_audience.parameters",
        "applies only with seed_audience.analysis_template_arn",
        {"seed": sql(query=QUERY, parameters={"p": "1"})},
    ),
    ("seed_audience.query", "0 characters, at least 1 required", {"seed": sql(query="")}),
    (
        "seed_audience.query",
        "500001 characters, at most 500000 allowed",
        {"seed": sql(query="x" * 500_001)},
    ),
    (
        "seed_audience.analysis_template_arn",
        "is not an analysis template ARN",
        {"seed": sql(analysis_template_arn=MODEL_ARN)},
    ),
    (
        "seed_audience.analysis_template_arn",
        "201 characters, at most 200 allowed",
        {"seed": sql(analysis_template_arn=TEMPLATE_ARN + "t" * (201 - len(TEMPLATE_ARN)))},
    ),
    (
        "seed_audience.parameters",
        "parameter name 'bad-name' must be 1-100 characters of 0-9, a-z, A-Z and _",
        {"seed": sql(analysis_template_arn=TEMPLATE_ARN, parameters={"bad-name": "1"})},
    ),
    (
        "seed_audience.parameters.p",
        "1001 characters, at most 1000 allowed",
        {"seed": sql(analysis_template_arn=TEMPLATE_ARN, parameters={"p": "v" * 1001})},
    ),
    (
        "seed_audience.parameters.p",
        "the value is not a string",
        {"seed": sql(analysis_template_arn=TEMPLATE_ARN, parameters={"p": 7})},
    ),
    (
        "seed_audience.parameters",
        "a list is not a mapping of names to strings",
        {"seed": sql(analysis_template_arn=TEMPLATE_ARN, parameters=["p"])},
    ),
    # seed_audience.compute
    (
        "seed_audience.compute.worker_type",
        "'CR.2X' is not one of CR.1X, CR.4X, CR.8X",
        {"seed": compute(worker_type="CR.2X")},
    ),
    (
        "seed_audience.compute.workers",
        "1 workers is out of range (2 to 1024)",
        {"seed": compute(workers=1)},
    ),
    (
        "seed_audience.compute.workers",
        "1025 workers is out of range (2 to 1024)",
        {"seed": compute(workers=1025)},
    ),
    (
        "seed_audience.compute.workers",
        '"many" is not a whole number',
        {"seed": compute(workers="many")},
    ),
    ("seed_audience.compute.workers", "2.5 is not a whole number", {"seed": compute(workers=2.5)}),
    (
        "seed_audience.compute.spark_properties",
        "51 entries, at most 50 allowed",
        {"seed": compute(spark_properties={f"k{i}": "v" for i in range(51)})},
    ),
    (
        "seed_audience.compute.spark_properties.",
        "0 characters, at least 1 required",
        {"seed": compute(spark_properties={"": "v"})},
    ),
    (
        "seed_audience.compute.spark_properties.k",
        "501 characters, at most 500 allowed",
        {"seed": compute(spark_properties={"k": "v" * 501})},
    ),
    (
        "seed_audience.compute",
        "applies only to a SQL seed (SQL parameters)",
        {"seed": lambda: SeedAudience(role=SEED_ROLE_ARN, s3_uri=SEED_URI, compute=SeedCompute())},
    ),
    (
        "seed_audience",
        "exactly one of an S3 data source and SQL parameters is required",
        {"seed": lambda: SeedAudience(role=SEED_ROLE_ARN, s3_uri=SEED_URI, query=QUERY)},
    ),
    # name, description, collaboration_id
    ("name", "64 characters, at most 63 allowed", {"name": "n" * 64}),
    ("name", "must not be blank", {"name": " \t "}),
    ("name", "character U+1F680 is not allowed", {"name": "launch-\U0001f680"}),
    ("description", "256 characters, at most 255 allowed", {"description": "d" * 256}),
    ("description", "character U+1F600 is not allowed", {"description": "happy \U0001f600"}),
    (
        "collaboration_id",
        "is not a lower-case collaboration UUID",
        {"collaboration_id": "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"},
    ),
    (
        "collaboration_id",
        "35 characters, at least 36 required",
        {"collaboration_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4"},
    ),
    # flags, timeout, removal policy
    ("include_seed_in_output", '"yes" is not true or false', {"include_seed_in_output": "yes"}),
    ("wait_for_completion", '"maybe" is not true or false', {"wait_for_completion": "maybe"}),
    ("timeout", "0 seconds is out of range (1 to 3600 seconds)", {"timeout": Duration.seconds(0)}),
    ("timeout", "7200 seconds is out of range (1 to 3600 seconds)", {"timeout": Duration.hours(2)}),
    (
        "removal_policy",
        "is not supported: a generation job has no snapshot",
        {"removal_policy": RemovalPolicy.SNAPSHOT},
    ),
]


def case_id(case: tuple[str, str, dict[str, Any]]) -> str:
    field, rule, _ = case
    return f"{field}:{rule[:40]}"


def assert_stack_gained_nothing(stack: Stack) -> None:
    assert stack.node.try_find_child("Job") is None
    assert stack.node.try_find_child("CleanRoomsMlAudienceExportProvider") is None
    assert Template.from_stack(stack).to_json().get("Resources", {}) == {}


def test_the_matrix_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_bad_input_names_the_field_and_the_rule(case: tuple[str, str, dict[str, Any]]) -> None:
    field, rule, props = case
    stack = job_stack()
    props = dict(props)
    seed = props.pop("seed", None)
    with pytest.raises(ValidationError) as caught:
        if seed is not None:
            props["seed_audience"] = seed()
        s3_job(stack, **props)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert rule in caught.value.rule
    assert_stack_gained_nothing(stack)


@pytest.mark.parametrize(
    "seed",
    [
        sql(query="x" * 500_000),
        sql(analysis_template_arn=TEMPLATE_ARN, parameters={"p" * 100: "v" * 1000}),
        compute(workers=2, spark_properties={"k" * 200: "v" * 500}),
        compute(workers=1024, worker_type="CR.8X"),
        s3(uri="s3://b/" + "k" * 1278),
    ],
    ids=["longest-query", "longest-parameter", "longest-spark", "most-workers", "longest-uri"],
)
def test_values_at_the_limits_are_accepted(seed: Callable[[], SeedAudience]) -> None:
    stack = job_stack()
    s3_job(stack, seed_audience=seed(), name="n" * 63, description="d" * 255)
    only_job(template_of(stack))


def test_sensitive_sql_values_are_never_echoed() -> None:
    secret = "s3cr3t-value"
    for make in (
        sql(analysis_template_arn=f"not-a-template-{secret}"),
        sql(analysis_template_arn=TEMPLATE_ARN, parameters={"p": f"{secret}" * 200}),
        sql(analysis_template_arn=TEMPLATE_ARN, parameters={"p": 12345}),
    ):
        with pytest.raises(ValidationError) as caught:
            make()
        assert secret not in str(caught.value)
        assert "12345" not in str(caught.value)


def test_tokens_are_left_to_the_handler() -> None:
    stack = job_stack()
    token = CfnParameter(stack, "Value").value_as_string
    s3_job(
        stack,
        configured_audience_model_arn=token,
        seed_audience=SeedAudience.from_sql(
            role=token,
            analysis_template_arn=token,
            parameters={"p": token},
            compute=SeedCompute(worker_type=token, spark_properties={"k": token}),
        ),
        name=token,
        description=token,
        collaboration_id=token,
    )
    only_job(template_of(stack))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SeedAudience.from_s3(SEED_URI, role=42), r"^seed_audience.role: must be an iam"),  # type: ignore[arg-type]
        (lambda: "s3://not-a-seed", r"^seed_audience: use SeedAudience.from_s3"),
        (
            lambda: SeedAudience.from_sql(role=SEED_ROLE_ARN, query=QUERY, compute={"workers": 4}),  # type: ignore[arg-type]
            r"^seed_audience.compute: use SeedCompute",
        ),
    ],
)
def test_wrong_types_are_type_errors(make: Callable[[], Any], message: str) -> None:
    stack = job_stack()
    with pytest.raises(TypeError, match=message):
        s3_job(stack, seed_audience=make())
    assert_stack_gained_nothing(stack)


def test_a_provider_must_be_a_provider() -> None:
    stack = job_stack()
    with pytest.raises(TypeError, match=r"^provider: must be an ICleanRoomsMlProvider"):
        s3_job(stack, provider="arn:aws:lambda:x")
    assert_stack_gained_nothing(stack)


def test_a_token_timeout_must_be_in_seconds() -> None:
    stack = job_stack()
    minutes = CfnParameter(stack, "Minutes", type="Number").value_as_number
    with pytest.raises(
        ValidationError, match=r"^timeout: a token timeout must be Duration.seconds"
    ):
        s3_job(stack, timeout=Duration.minutes(minutes))
    assert stack.node.try_find_child("Job") is None
