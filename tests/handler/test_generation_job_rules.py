"""The generation job rules accept exactly what the service model allows, checked with hypothesis.

The oracle reads botocore's ``StartAudienceGenerationJob`` input shape the way the service reads
it: Java regular expressions, where ``.`` stops at Java's line terminators, ``\\w``, ``\\d`` and
``\\s`` are ASCII-only, and ``$`` may sit before one final line terminator. Where the rules are
stricter than the model (an empty query, an ``aws:`` tag key, the combinations of seed sources),
the test says so and why.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cdk_cleanrooms_ml._handler import arns, rules
from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from cdk_cleanrooms_ml._handler.fields import seed_audience as seed_fields
from tests.handler.model_patterns import accepts, java

MODEL = botocore.session.get_session().get_service_model("cleanroomsml")
START: Any = MODEL.operation_model("StartAudienceGenerationJob").input_shape
MEMBERS = START.members
SEED = MEMBERS["seedAudience"].members
SQL = SEED["sqlParameters"].members
WORKER = SEED["sqlComputeConfiguration"].members["worker"].members
SPARK = WORKER["properties"].members["spark"]
TAGS = MEMBERS["tags"]

MODEL_ARN = MEMBERS["configuredAudienceModelArn"].metadata
ROLE_ARN = SEED["roleArn"].metadata
S3_URI = SEED["dataSource"].members["s3Uri"].metadata
QUERY = SQL["queryString"].metadata
TEMPLATE_ARN = SQL["analysisTemplateArn"].metadata
PARAMETER_NAME = SQL["parameters"].key.metadata
PARAMETER_VALUE = SQL["parameters"].value.metadata
COLLABORATION_ID = MEMBERS["collaborationId"].metadata


def allowed(value: str, meta: dict[str, Any]) -> bool:
    if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
        return False
    return "pattern" not in meta or java(meta["pattern"]).fullmatch(value) is not None


EDGE_CHARS = [
    " ", "\t", "\n", "\r", "\x0b", "\x85", "\u2028", "\u2029", "\x00", "\ufffd",
    "\U0001f600", "a", "Z", "0", "9", "_", "-", "/", ".", ":", "é", "\u0663",
]  # fmt: skip
CHARS = st.one_of(st.sampled_from(EDGE_CHARS), st.characters(exclude_categories=["Cs"]))


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[str], pad_to: int) -> str:
    """A valid value with one character inserted, replaced or deleted, or padded past a limit."""
    value = draw(valid)
    position = draw(st.integers(0, len(value)))
    action = draw(st.sampled_from(["insert", "replace", "delete", "pad", "keep"]))
    char = draw(CHARS)
    if action == "insert":
        return value[:position] + char + value[position:]
    if action == "replace":
        return value[:position] + char + value[position + 1 :]
    if action == "delete":
        return value[:position] + value[position + 1 :]
    if action == "pad":
        return value + "a" * draw(st.integers(max(0, pad_to - len(value) - 5), pad_to))
    return value


def near(regex: str, pad_to: int) -> st.SearchStrategy[str]:
    valid = st.from_regex(regex, fullmatch=True)
    return st.one_of(valid, mutated(valid, pad_to), st.text(CHARS, max_size=40))


ACCOUNT = "[0-9]{12}"
MODEL_ARNS = near(
    rf"arn:aws[-a-z]{{0,6}}:cleanrooms-ml:[-a-z0-9]{{1,20}}:{ACCOUNT}:"
    r"configured-audience-model/[-a-zA-Z0-9_/.]{1,60}",
    2060,
)
ROLE_ARNS = near(rf"arn:aws[-a-z]{{0,6}}:iam::{ACCOUNT}:role/[-a-zA-Z0-9_/+=,.@]{{1,64}}", 2060)
S3_URIS = near(r"s3://[a-z0-9.-]{3,63}/[-a-zA-Z0-9_/.!*'()]{0,80}", 1290)
TEMPLATE_ARNS = near(
    rf"arn:aws[-a-z]{{0,6}}:cleanrooms:[a-z]{{2}}-[a-z]{{4,9}}-[0-9]:{ACCOUNT}:"
    r"membership/[-a-z0-9]{1,36}/analysistemplate/[-a-z0-9]{1,36}",
    205,
)
UUIDS = near(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 40)


def test_rules_constants_are_the_model_limits() -> None:
    assert (MODEL_ARN["min"], MODEL_ARN["max"]) == (arns.MODEL_ARN_MIN, arns.MODEL_ARN_MAX)
    assert (ROLE_ARN["min"], ROLE_ARN["max"]) == (arns.ROLE_ARN_MIN, arns.ROLE_ARN_MAX)
    assert S3_URI["max"] == seed_fields.S3_URI_MAX
    assert QUERY["max"] == seed_fields.QUERY_MAX
    assert TEMPLATE_ARN["max"] == arns.TEMPLATE_ARN_MAX
    assert (PARAMETER_NAME["min"], PARAMETER_NAME["max"]) == (1, seed_fields.PARAMETER_NAME_MAX)
    assert PARAMETER_VALUE["max"] == seed_fields.PARAMETER_VALUE_MAX
    assert tuple(WORKER["type"].enum) == seed_fields.WORKER_TYPES
    number = WORKER["number"].metadata
    assert (number["min"], number["max"]) == (seed_fields.WORKERS_MIN, seed_fields.WORKERS_MAX)
    assert SPARK.metadata["max"] == seed_fields.SPARK_PROPERTIES_MAX
    assert SPARK.key.metadata["max"] == seed_fields.SPARK_KEY_MAX
    assert SPARK.value.metadata["max"] == seed_fields.SPARK_VALUE_MAX
    assert COLLABORATION_ID["min"] == COLLABORATION_ID["max"] == job_fields.UUID_LENGTH
    assert TAGS.metadata["max"] == tag_rules.SHAPE_TAGS_MAX
    assert TAGS.key.metadata["max"] == tag_rules.TAG_KEY_MAX
    assert TAGS.value.metadata["max"] == tag_rules.TAG_VALUE_MAX
    # The reserved prefix comes from the model's own documentation of the tags.
    assert "Do not use aws:, AWS:" in TAGS.documentation
    # The name and description share the export's shapes, hence its rules.
    export = MODEL.operation_model("StartAudienceExportJob").input_shape.members  # type: ignore[union-attr]
    assert MEMBERS["name"].metadata == export["name"].metadata
    assert MEMBERS["description"].metadata == export["description"].metadata
    assert START.required_members == ["name", "configuredAudienceModelArn", "seedAudience"]
    assert MEMBERS["seedAudience"].required_members == ["roleArn"]


@settings(max_examples=300)
@given(MODEL_ARNS)
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m")
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/")
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m\n")
@example("arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/m")
def test_model_arn_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(arns.check_configured_audience_model_arn, value) == allowed(value, MODEL_ARN)


@settings(max_examples=300)
@given(ROLE_ARNS)
@example("arn:aws:iam::111122223333:role/r")
@example("arn:aws:iam::111122223333:role/")
@example("arn:aws:iam::111122223333:role/a\u2028b")  # a Java line terminator: "." stops
@example("arn:aws:iam::111122223333:role/a\x85")
@example("arn:aws:iam::111122223333:role/\U0001f600")  # "." takes any other code point
@example("arn:aws:iam::111122223333:user/r")
def test_role_arn_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(arns.check_role_arn, value) == allowed(value, ROLE_ARN)


@settings(max_examples=300)
@given(S3_URIS)
@example("s3://b")
@example("s3://")
@example("S3://bucket/key")
@example("s3://bucket/key\r\n")
@example("s3://" + "k" * 1280)
@example("s3://" + "k" * 1281)
def test_s3_uri_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(seed_fields.check_s3_uri, value) == allowed(value, S3_URI)


@settings(max_examples=300)
@given(TEMPLATE_ARNS)
@example("arn:aws:cleanrooms:us-east-1:111122223333:membership/m/analysistemplate/t")
@example("arn:aws:cleanrooms:us-gov-west-1:111122223333:membership/m/analysistemplate/t")
@example("arn:aws:cleanrooms:u٣-east-1:111122223333:membership/m/analysistemplate/t")
@example("arn:aws:cleanrooms:us-east-1:111122223333:membership/m_1/analysistemplate/t_2")
def test_analysis_template_arn_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    # The model's minimum is 0, but its pattern needs far more: "" is refused either way.
    assert accepts(arns.check_analysis_template_arn, value) == allowed(value, TEMPLATE_ARN)


@settings(max_examples=300)
@given(UUIDS)
@example("0a1b2c3d-aaaa-bbbb-cccc-111122223333")
@example("0A1B2C3D-AAAA-BBBB-CCCC-111122223333")
@example("0a1b2c3D-aaaa-bbbb-cccc-111122223333")
@example("0a1b2c3d-aaaa-bbbb-cccc-11112222333٣")
def test_collaboration_id_is_accepted_exactly_when_the_model_allows_it(value: str) -> None:
    assert accepts(job_fields.check_collaboration_id, value) == allowed(value, COLLABORATION_ID)


@given(st.one_of(st.from_regex(r"[0-9a-zA-Z_]{1,110}", fullmatch=True), st.text(CHARS, max_size=8)))
@example("p" * 100)
@example("p" * 101)
@example("\u0663")  # a digit, but not an ASCII one
@example("min_age\n")
def test_parameter_names_are_accepted_exactly_when_the_model_allows_them(name: str) -> None:
    assert accepts(seed_fields.check_parameters, {name: "v"}) == allowed(name, PARAMETER_NAME)


@given(st.integers(0, 1100), st.sampled_from(["v", "\U0001f600", "\n", "é"]))
def test_parameter_values_are_measured_in_characters(length: int, char: str) -> None:
    value = char * length
    assert accepts(seed_fields.check_parameters, {"p": value}) == allowed(value, PARAMETER_VALUE)


@given(st.integers(0, 600_000))
@example(500_000)
@example(500_001)
def test_query_string_length(length: int) -> None:
    # Stricter than the model at 0: an empty query selects no seed.
    query = "q" * length
    assert accepts(seed_fields.check_query_string, query) == (length > 0 and allowed(query, QUERY))


@given(st.text(max_size=8))
@example("CR.1X")
@example("CR.4X")
@example("CR.8X")
@example("cr.1x")
def test_worker_type_is_one_of_the_model_enum(value: str) -> None:
    assert accepts(seed_fields.check_worker_type, value) == (value in WORKER["type"].enum)


@given(st.integers(-5000, 5000))
@example(1)
@example(2)
@example(1024)
@example(1025)
def test_worker_number_range(value: int) -> None:
    number = WORKER["number"].metadata
    assert accepts(seed_fields.check_worker_number, value) == (
        number["min"] <= value <= number["max"]
    )


@given(st.dictionaries(st.text(CHARS, max_size=205), st.text(CHARS, max_size=505), max_size=55))
def test_spark_properties_follow_the_model_map(properties: dict[str, str]) -> None:
    ok = len(properties) <= SPARK.metadata["max"] and all(
        allowed(key, SPARK.key.metadata) and allowed(value, SPARK.value.metadata)
        for key, value in properties.items()
    )
    assert accepts(seed_fields.check_spark_properties, properties) == ok


TAG_KEYS = st.one_of(
    st.text(CHARS, max_size=130),
    st.builds(
        lambda p, k: p + k,
        st.sampled_from(["aws:", "AWS:", "Aws:", "aws", "aws-"]),
        st.text(max_size=5),
    ),
)


@given(st.dictionaries(TAG_KEYS, st.text(CHARS, max_size=260), max_size=8))
def test_tags_follow_the_model_map_and_its_reserved_prefix(tags: dict[str, str]) -> None:
    ok = all(
        allowed(key, TAGS.key.metadata)
        and allowed(value, TAGS.value.metadata)
        and not key.lower().startswith("aws:")
        for key, value in tags.items()
    )
    assert accepts(tag_rules.check_tags, tags) == ok


@pytest.mark.parametrize("count", [48, 49, 50, 51, 199])
def test_tag_count_limit(count: int) -> None:
    # The shape allows 200, the service documents 50 per resource; one is the ownership tag.
    tags = {f"k{i}": "" for i in range(count)}
    assert accepts(tag_rules.check_tags, tags) == (count <= tag_rules.TAGS_MAX - 1)


def test_the_ownership_tag_key_is_reserved() -> None:
    with pytest.raises(rules.ValidationError) as raised:
        tag_rules.check_tags({tag_rules.OWNER_TAG_KEY: "mine"})
    assert raised.value.field == f"tags.{tag_rules.OWNER_TAG_KEY}"
    assert "reserved" in raised.value.rule


@pytest.mark.parametrize(
    ("check", "value", "field"),
    [
        (arns.check_configured_audience_model_arn, "x", "configured_audience_model_arn"),
        (arns.check_role_arn, "x", "role"),
        (seed_fields.check_s3_uri, "x", "uri"),
        (seed_fields.check_query_string, "", "query"),
        (arns.check_analysis_template_arn, "x", "analysis_template_arn"),
        (job_fields.check_collaboration_id, "x", "collaboration_id"),
        (seed_fields.check_worker_type, "x", "compute.type"),
        (seed_fields.check_worker_number, 1, "compute.number"),
        (tag_rules.check_tags, {"aws:x": ""}, "tags.aws:x"),
        (seed_fields.check_parameters, {"a-b": ""}, "parameters"),
    ],
)
def test_synth_checks_name_the_python_property(check: Any, value: Any, field: str) -> None:
    with pytest.raises(rules.ValidationError) as raised:
        check(value)
    assert raised.value.field == field


def test_seed_combinations_name_the_python_properties() -> None:
    with pytest.raises(rules.ValidationError, match=r"^seed_audience: exactly one of"):
        seed_fields.check_seed_source(has_data_source=False, has_sql=False, has_compute=False)
    with pytest.raises(rules.ValidationError, match=r"^compute: applies only to a SQL seed"):
        seed_fields.check_seed_source(has_data_source=True, has_sql=False, has_compute=True)
    seed_fields.check_seed_source(has_data_source=False, has_sql=True, has_compute=True)
    with pytest.raises(rules.ValidationError, match=r"^parameters: applies only with"):
        seed_fields.check_sql_combination(has_query=True, has_template=False, has_parameters=True)
    seed_fields.check_sql_combination(has_query=False, has_template=True, has_parameters=True)
    seed_fields.check_sql_combination(has_query=False, has_template=True, has_parameters=False)


# --- Good inputs round-trip -----------------------------------------------------------------


def valid(regex: str) -> st.SearchStrategy[str]:
    return st.from_regex(regex, fullmatch=True)


# Not a Java line terminator: a name of one alone is blank to the model's "(?!\\s*$)".
NAMES = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0xD7FF, exclude_characters="\x85\u2028\u2029"),
    min_size=1,
    max_size=63,
)
DESCRIPTIONS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), max_size=255)
GOOD_MODEL_ARNS = valid(
    rf"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:configured-audience-model/[-a-zA-Z0-9_/.]{{1,40}}"
)
# In the models' partition: a seed role of another partition is refused (test_seed_partition).
GOOD_ROLE_ARNS = valid(rf"arn:aws:iam::{ACCOUNT}:role/[-a-zA-Z0-9_/+=,.@]{{1,64}}")
GOOD_TEMPLATE_ARNS = valid(
    rf"arn:aws:cleanrooms:eu-west-1:{ACCOUNT}:membership/[-a-z0-9]{{36}}/analysistemplate/[a-z]{{1,30}}"
)
SMALL_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=30)


@st.composite
def seeds(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid seed, as CloudFormation sends it and as StartAudienceGenerationJob takes it."""
    role = draw(GOOD_ROLE_ARNS)
    if draw(st.booleans()):
        uri = draw(valid(r"s3://[a-z0-9.-]{3,63}/[-a-zA-Z0-9_/.]{0,80}"))
        return (
            {"RoleArn": role, "DataSource": {"S3Uri": uri}},
            {"roleArn": role, "dataSource": {"s3Uri": uri}},
        )
    raw: dict[str, Any] = {"RoleArn": role}
    request: dict[str, Any] = {"roleArn": role}
    if draw(st.booleans()):
        query = draw(st.text(min_size=1, max_size=200).filter(lambda q: "\x00" not in q))
        raw["SqlParameters"] = {"QueryString": query}
        request["sqlParameters"] = {"queryString": query}
    else:
        template = draw(GOOD_TEMPLATE_ARNS)
        raw["SqlParameters"] = {"AnalysisTemplateArn": template}
        request["sqlParameters"] = {"analysisTemplateArn": template}
        parameters = draw(
            st.none() | st.dictionaries(valid(r"[0-9a-zA-Z_]{1,100}"), SMALL_TEXT, max_size=5)
        )
        if parameters is not None:
            raw["SqlParameters"]["Parameters"] = parameters
            request["sqlParameters"]["parameters"] = parameters
    if draw(st.booleans()):
        worker_type = draw(st.none() | st.sampled_from(seed_fields.WORKER_TYPES))
        number = draw(st.none() | st.integers(2, 1024))
        spark = draw(
            st.none() | st.dictionaries(st.text(min_size=1, max_size=20), SMALL_TEXT, max_size=3)
        )
        raw_worker: dict[str, Any] = {}
        worker: dict[str, Any] = {}
        if worker_type is not None:
            raw_worker["Type"] = worker["type"] = worker_type
        if number is not None:
            raw_worker["Number"] = str(number)
            worker["number"] = number
        if spark is not None:
            raw_worker["Properties"] = {"Spark": spark}
            worker["properties"] = {"spark": spark}
        raw["SqlComputeConfiguration"] = {"Worker": raw_worker}
        request["sqlComputeConfiguration"] = {"worker": worker}
    return raw, request


@st.composite
def jobs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str | None, bool, int]:
    model_arn = draw(GOOD_MODEL_ARNS)
    seed_raw, seed_request = draw(seeds())
    raw: dict[str, Any] = {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "ConfiguredAudienceModelArn": model_arn,
        "SeedAudience": seed_raw,
    }
    request: dict[str, Any] = {
        "configuredAudienceModelArn": model_arn,
        "seedAudience": seed_request,
        "includeSeedInOutput": False,
    }
    include = draw(st.none() | st.booleans())
    if include is not None:
        raw["IncludeSeedInOutput"] = draw(st.sampled_from([str(include).lower(), str(include)]))
        request["includeSeedInOutput"] = include
    collaboration = draw(
        st.none() | valid(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    )
    if collaboration is not None:
        raw["CollaborationId"] = request["collaborationId"] = collaboration
    name = draw(st.none() | NAMES)
    if name is not None:
        raw["Name"] = name
    description = draw(st.none() | DESCRIPTIONS)
    if description is not None:
        raw["Description"] = request["description"] = description
    tags = draw(
        st.dictionaries(
            st.text(min_size=1, max_size=128).filter(lambda k: not k.lower().startswith("aws:")),
            st.text(max_size=256),
            max_size=5,
        )
    )
    if tags:
        raw["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
        request["tags"] = tags
    wait = draw(st.booleans())
    raw["WaitForCompletion"] = str(wait).lower()
    timeout = draw(st.integers(1, 3600))
    raw["ServiceTimeout"] = str(timeout)
    return raw, request, name, wait, timeout


@settings(max_examples=200)
@given(jobs())
def test_good_properties_round_trip_to_a_request_the_model_accepts(
    job: tuple[dict[str, Any], dict[str, Any], str | None, bool, int],
) -> None:
    raw, request, name, wait, timeout = job
    parsed = job_fields.parse_properties(raw)
    assert parsed.name == name
    assert (parsed.wait_for_completion, parsed.timeout_seconds) == (wait, timeout)
    start = parsed.start_request(name or "derived-name")
    assert start == {**request, "name": name or "derived-name"}
    validate_parameters(start, START)  # raises on anything botocore itself would refuse
    assert job_fields.parse_properties(raw) == parsed  # deterministic, comparable


def test_defaults_of_a_minimal_job() -> None:
    parsed = job_fields.parse_properties(
        {
            "ConfiguredAudienceModelArn": (
                "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m"
            ),
            "SeedAudience": {
                "RoleArn": "arn:aws:iam::111122223333:role/seed",
                "DataSource": {"S3Uri": "s3://bucket/seed.jsonl"},
            },
        }
    )
    assert parsed.name is parsed.description is parsed.collaboration_id is None
    assert (parsed.include_seed_in_output, parsed.tags) == (False, ())
    assert (parsed.wait_for_completion, parsed.timeout_seconds) == (True, 3600)
    with pytest.raises(ParamValidationError):
        # The start request is checked against the real model: a broken one would be refused.
        validate_parameters({**parsed.start_request("n"), "seedAudience": {}}, START)
