"""The generation job's ``SeedAudience`` fields: its role, and an S3 file or a SQL query.

The SQL parameters are sensitive in the service model: their fields are secret (no rule echoes
them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ..arns import JAVA_DOT, check_analysis_template_arn, check_role_arn
from ..rules import (
    RuleError,
    check_length,
    check_pattern,
    object_of,
    parse_int,
    required,
    string_map,
)
from .table import Field, Table, keys_of, read_table

KEY_ROLE_ARN: Final = "RoleArn"
KEY_DATA_SOURCE: Final = "DataSource"
KEY_S3_URI: Final = "S3Uri"
KEY_SQL: Final = "SqlParameters"
KEY_QUERY: Final = "QueryString"
KEY_TEMPLATE_ARN: Final = "AnalysisTemplateArn"
KEY_PARAMETERS: Final = "Parameters"
KEY_COMPUTE: Final = "SqlComputeConfiguration"
KEY_WORKER: Final = "Worker"
KEY_WORKER_TYPE: Final = "Type"
KEY_WORKER_NUMBER: Final = "Number"
KEY_WORKER_PROPERTIES: Final = "Properties"
KEY_SPARK: Final = "Spark"
SEED_KEYS: Final = (KEY_ROLE_ARN, KEY_DATA_SOURCE, KEY_SQL, KEY_COMPUTE)

S3_URI_MAX: Final = 1285
QUERY_MAX: Final = 500_000
PARAMETER_NAME_MAX: Final = 100
PARAMETER_VALUE_MAX: Final = 1000
WORKER_TYPES: Final = ("CR.1X", "CR.4X", "CR.8X")
WORKERS_MIN: Final = 2
WORKERS_MAX: Final = 1024
SPARK_PROPERTIES_MAX: Final = 50
SPARK_KEY_MAX: Final = 200
SPARK_VALUE_MAX: Final = 500

_S3_URI: Final = re.compile(f"s3://{JAVA_DOT}+")
_PARAMETER_NAME: Final = re.compile(r"[0-9a-zA-Z_]+")


def check_s3_uri(value: str, field: str = "uri") -> str:
    """1-1285 characters, s3://<bucket>/<key> on one line."""
    check_length(field, value, 1, S3_URI_MAX)
    check_pattern(field, value, _S3_URI, "an S3 URI (s3://<bucket>/<key>, one line)")
    return value


def check_query_string(value: str, field: str = "query") -> str:
    """1-500,000 characters (the model allows 0, but an empty query selects no seed)."""
    check_length(field, value, 1, QUERY_MAX)
    return value


def check_parameters(parameters: Mapping[str, str], field: str = "parameters") -> dict[str, str]:
    """Names 1-100 of [0-9a-zA-Z_]; values at most 1,000 characters."""
    for key, value in parameters.items():
        if not 1 <= len(key) <= PARAMETER_NAME_MAX or not _PARAMETER_NAME.fullmatch(key):
            raise RuleError(
                field,
                f"parameter name {key[:40]!r} must be 1-{PARAMETER_NAME_MAX} characters "
                "of 0-9, a-z, A-Z and _",
            )
        if len(value) > PARAMETER_VALUE_MAX:
            raise RuleError(
                f"{field}.{key}",
                f"{len(value)} characters, at most {PARAMETER_VALUE_MAX} allowed",
            )
    return dict(parameters)


def check_sql_combination(
    *,
    has_query: bool,
    has_template: bool,
    has_parameters: bool,
    field: str = "seed_audience",
    query_field: str = "query",
    template_field: str = "analysis_template_arn",
    parameters_field: str = "parameters",
) -> None:
    """A SQL seed runs either a query or an analysis template; parameters fill a template."""
    if has_query == has_template:
        raise RuleError(
            field, f"exactly one of {query_field} and {template_field} is required for a SQL seed"
        )
    if has_parameters and not has_template:
        raise RuleError(parameters_field, f"applies only with {template_field}")


def check_seed_source(
    *,
    has_data_source: bool,
    has_sql: bool,
    has_compute: bool,
    field: str = "seed_audience",
    compute_field: str = "compute",
) -> None:
    """Exactly one of an S3 data source and SQL parameters; compute sizes the SQL workers."""
    if has_data_source == has_sql:
        raise RuleError(field, "exactly one of an S3 data source and SQL parameters is required")
    if has_compute and not has_sql:
        raise RuleError(compute_field, "applies only to a SQL seed (SQL parameters)")


def check_worker_type(value: str, field: str = "compute.type") -> str:
    """One of the service's worker types."""
    if value not in WORKER_TYPES:
        raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(WORKER_TYPES)}")
    return value


def check_worker_number(value: int, field: str = "compute.number") -> int:
    """2 to 1,024 workers."""
    if not WORKERS_MIN <= value <= WORKERS_MAX:
        raise RuleError(field, f"{value} workers is out of range ({WORKERS_MIN} to {WORKERS_MAX})")
    return value


def check_spark_properties(
    properties: Mapping[str, str], field: str = "compute.spark_properties"
) -> dict[str, str]:
    """At most 50 entries; keys 1-200 characters, values at most 500."""
    if len(properties) > SPARK_PROPERTIES_MAX:
        raise RuleError(field, f"{len(properties)} entries, at most {SPARK_PROPERTIES_MAX} allowed")
    for key, value in properties.items():
        check_length(f"{field}.{key[:40]}", key, 1, SPARK_KEY_MAX)
        check_length(f"{field}.{key[:40]}", value, 0, SPARK_VALUE_MAX)
    return dict(properties)


def _secret_map(raw: object, field: str) -> dict[str, str]:
    return string_map(raw, field, secret=True)


# The seed's leaves, each under its template object (SeedAudience, DataSource, SqlParameters,
# SqlComputeConfiguration.Worker); the Python props are those of SeedAudience and SeedCompute.
ROLE: Final = Field(KEY_ROLE_ARN, "role", check=check_role_arn, required=True)
S3_URI: Final = Field(KEY_S3_URI, "uri", check=check_s3_uri, required=True)
QUERY: Final = Field(KEY_QUERY, "query", check=check_query_string, secret=True)
TEMPLATE_ARN: Final = Field(
    KEY_TEMPLATE_ARN, "analysis_template_arn", check=check_analysis_template_arn, secret=True
)
PARAMETERS: Final = Field(KEY_PARAMETERS, "parameters", _secret_map, check_parameters, secret=True)
SQL_TABLE: Final[Table] = (QUERY, TEMPLATE_ARN, PARAMETERS)
WORKER_TYPE: Final = Field(KEY_WORKER_TYPE, "worker_type", check=check_worker_type)
WORKER_NUMBER: Final = Field(KEY_WORKER_NUMBER, "workers", parse_int, check_worker_number)
SPARK: Final = Field(
    KEY_SPARK, "spark_properties", string_map, check_spark_properties, required=True
)


@dataclass(frozen=True)
class WorkerCompute:
    """The SQL seed's workers; None leaves the service's default."""

    type: str | None = None
    number: int | None = None
    spark_properties: tuple[tuple[str, str], ...] | None = None

    def to_request(self) -> dict[str, object]:
        worker: dict[str, object] = {}
        if self.type is not None:
            worker["type"] = self.type
        if self.number is not None:
            worker["number"] = self.number
        if self.spark_properties is not None:
            worker["properties"] = {"spark": dict(self.spark_properties)}
        return {"worker": worker}


@dataclass(frozen=True)
class SqlSeed:
    """A seed selected by a protected query: a query string or an analysis template."""

    query_string: str | None = None
    analysis_template_arn: str | None = None
    parameters: tuple[tuple[str, str], ...] | None = None

    def to_request(self) -> dict[str, object]:
        request: dict[str, object] = {}
        if self.query_string is not None:
            request["queryString"] = self.query_string
        if self.analysis_template_arn is not None:
            request["analysisTemplateArn"] = self.analysis_template_arn
        if self.parameters is not None:
            request["parameters"] = dict(self.parameters)
        return request


@dataclass(frozen=True)
class Seed:
    """The seed's template object, parsed: its role and one source."""

    role_arn: str
    s3_uri: str | None
    sql: SqlSeed | None
    compute: WorkerCompute | None


def parse_seed(
    raw: object, field: str, *, check_role: Callable[[str, str], None] | None = None
) -> Seed:
    """The template's ``SeedAudience``; ``check_role(role_arn, field)`` runs before the source
    is read (the partition rule, which needs the job's other fields)."""
    seed = object_of(raw, field, SEED_KEYS)
    role_arn = ROLE.read(seed, f"{field}.")
    if check_role is not None:
        check_role(role_arn, f"{field}.{ROLE.key}")
    data_source_raw, sql_raw = seed.get(KEY_DATA_SOURCE), seed.get(KEY_SQL)
    compute_raw = seed.get(KEY_COMPUTE)
    check_seed_source(
        has_data_source=data_source_raw is not None,
        has_sql=sql_raw is not None,
        has_compute=compute_raw is not None,
        field=field,
        compute_field=f"{field}.{KEY_COMPUTE}",
    )
    s3_uri = None
    if data_source_raw is not None:
        source_field = f"{field}.{KEY_DATA_SOURCE}"
        source = object_of(data_source_raw, source_field, (KEY_S3_URI,))
        s3_uri = S3_URI.read(source, f"{source_field}.")
    sql = None if sql_raw is None else _parse_sql(sql_raw, f"{field}.{KEY_SQL}")
    compute = None if compute_raw is None else _parse_compute(compute_raw, f"{field}.{KEY_COMPUTE}")
    return Seed(role_arn, s3_uri, sql, compute)


def _parse_sql(raw: object, field: str) -> SqlSeed:
    sql = object_of(raw, field, keys_of(SQL_TABLE), secret=True)
    check_sql_combination(
        has_query=sql.get(KEY_QUERY) is not None,
        has_template=sql.get(KEY_TEMPLATE_ARN) is not None,
        has_parameters=sql.get(KEY_PARAMETERS) is not None,
        field=field,
        query_field=f"{field}.{KEY_QUERY}",
        template_field=f"{field}.{KEY_TEMPLATE_ARN}",
        parameters_field=f"{field}.{KEY_PARAMETERS}",
    )
    values = read_table(SQL_TABLE, sql, f"{field}.")
    parameters = values[PARAMETERS.prop]
    return SqlSeed(
        values[QUERY.prop],
        values[TEMPLATE_ARN.prop],
        None if parameters is None else tuple(parameters.items()),
    )


def _parse_compute(raw: object, field: str) -> WorkerCompute:
    compute = object_of(raw, field, (KEY_WORKER,))
    worker_field = f"{field}.{KEY_WORKER}"
    worker = object_of(
        required(compute, KEY_WORKER, worker_field),
        worker_field,
        (KEY_WORKER_TYPE, KEY_WORKER_NUMBER, KEY_WORKER_PROPERTIES),
    )
    worker_type = WORKER_TYPE.read(worker, f"{worker_field}.")
    number = WORKER_NUMBER.read(worker, f"{worker_field}.")
    spark = None
    properties_raw = worker.get(KEY_WORKER_PROPERTIES)
    if properties_raw is not None:
        properties_field = f"{worker_field}.{KEY_WORKER_PROPERTIES}"
        properties = object_of(properties_raw, properties_field, (KEY_SPARK,))
        spark = tuple(SPARK.read(properties, f"{properties_field}.").items())
    return WorkerCompute(worker_type, number, spark)
