"""The seed of an audience generation job: an S3 file or a protected SQL query, and its role."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from constructs import IConstruct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import seed_audience as seed_fields
from cdk_cleanrooms_ml.tokens import concrete

_FIELD = "seed_audience"
_WHERE = f"{_FIELD}."  # a seed field is named seed_audience.<prop>


class WorkerType(enum.StrEnum):
    """The workers of a SQL seed's protected query (the service's ``WorkerComputeType``)."""

    CR_1X = "CR.1X"
    CR_4X = "CR.4X"
    CR_8X = "CR.8X"


@dataclass(frozen=True)
class SeedCompute:
    """The workers that run a SQL seed's query; a field left None is the service's default.

    ``worker_type`` is a :class:`WorkerType` (or its string, or a string token); ``workers``
    2 to 1,024 (or a number token); ``spark_properties`` the Spark settings of the workers (at
    most 50; keys 1-200 characters, values at most 500). Concrete values are checked here.
    """

    worker_type: WorkerType | str | None = None
    workers: int | float | None = None
    spark_properties: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        field = f"{_FIELD}.compute"
        worker_type = seed_fields.WORKER_TYPE.validate(
            self.worker_type, f"{field}.", concrete=concrete
        )
        if worker_type is not None and concrete(worker_type):
            object.__setattr__(self, "worker_type", WorkerType(worker_type))
        workers = seed_fields.WORKER_NUMBER.validate(self.workers, f"{field}.", concrete=concrete)
        object.__setattr__(self, "workers", workers)
        if self.spark_properties is not None:
            spark = _string_map(self.spark_properties, f"{field}.spark_properties")
            # A token value's length is known at deploy time only: checked as empty here.
            seed_fields.check_spark_properties(
                {key: value if concrete(value) else "" for key, value in spark.items()},
                f"{field}.spark_properties",
            )
            object.__setattr__(self, "spark_properties", dict(spark))

    def to_properties(self) -> dict[str, Any]:
        """The ``SqlComputeConfiguration`` property (``Worker``: ``Type``, ``Number``,
        ``Properties.Spark``), without what is left to the service."""
        worker: dict[str, Any] = {}
        if self.worker_type is not None:
            worker_type = self.worker_type
            worker[seed_fields.KEY_WORKER_TYPE] = (
                worker_type.value if isinstance(worker_type, WorkerType) else worker_type
            )
        if self.workers is not None:
            worker[seed_fields.KEY_WORKER_NUMBER] = self.workers
        if self.spark_properties is not None:
            worker[seed_fields.KEY_WORKER_PROPERTIES] = {
                seed_fields.KEY_SPARK: dict(self.spark_properties)
            }
        return {seed_fields.KEY_WORKER: worker}


@dataclass(frozen=True)
class SeedAudience:
    """Where a generation job's seed comes from, and the role Clean Rooms ML reads it with.

    Build it with :meth:`from_s3` or :meth:`from_sql`. ``role`` is an ``iam.IRole`` (the
    provider may then pass exactly that role) or a role ARN (a string or a token); the role
    must trust ``cleanrooms-ml.amazonaws.com`` and may read the seed. Concrete values are
    checked when the seed is made (``seed_audience.<field>`` errors); tokens by the handler.
    """

    role: iam.IRole | str
    s3_uri: str | None = None
    query: str | None = None
    analysis_template_arn: str | None = None
    parameters: Mapping[str, str] | None = None
    compute: SeedCompute | None = None

    def __post_init__(self) -> None:
        seed_fields.ROLE.validate(role_arn_of(self.role), _WHERE, concrete=concrete)
        # Without a URI it is a SQL seed, whose own rule says what it lacks.
        sql = self.s3_uri is None or any(
            value is not None for value in (self.query, self.analysis_template_arn, self.parameters)
        )
        seed_fields.check_seed_source(
            has_data_source=self.s3_uri is not None,
            has_sql=sql,
            has_compute=self.compute is not None,
            field=_FIELD,
            compute_field=f"{_FIELD}.compute",
        )
        if self.s3_uri is not None:
            seed_fields.S3_URI.validate(self.s3_uri, _WHERE, concrete=concrete)
            return
        self._check_sql()

    def _check_sql(self) -> None:
        query_field = f"{_FIELD}.query"
        template_field = f"{_FIELD}.analysis_template_arn"
        parameters_field = f"{_FIELD}.parameters"
        seed_fields.check_sql_combination(
            has_query=self.query is not None,
            has_template=self.analysis_template_arn is not None,
            has_parameters=self.parameters is not None,
            field=_FIELD,
            query_field=query_field,
            template_field=template_field,
            parameters_field=parameters_field,
        )
        # The SQL values are sensitive in the service model: secret fields, never echoed.
        seed_fields.QUERY.validate(self.query, _WHERE, concrete=concrete)
        seed_fields.TEMPLATE_ARN.validate(self.analysis_template_arn, _WHERE, concrete=concrete)
        if self.parameters is not None:
            parameters = _string_map(self.parameters, parameters_field, secret=True)
            seed_fields.check_parameters(
                {key: value if concrete(value) else "" for key, value in parameters.items()},
                parameters_field,
            )
            object.__setattr__(self, "parameters", dict(parameters))
        if self.compute is not None and not isinstance(self.compute, SeedCompute):
            raise TypeError(f"{_FIELD}.compute: use SeedCompute(...)")

    @staticmethod
    def from_s3(uri: str, *, role: iam.IRole | str) -> SeedAudience:
        """A seed in S3: JSON lines of user ids (25 to 500,000), at ``s3://<bucket>/<key>``."""
        return SeedAudience(role=role, s3_uri=uri)

    @staticmethod
    def from_sql(
        *,
        role: iam.IRole | str,
        query: str | None = None,
        analysis_template_arn: str | None = None,
        parameters: Mapping[str, str] | None = None,
        compute: SeedCompute | None = None,
    ) -> SeedAudience:
        """A seed selected by a protected query of the collaboration: exactly one of ``query``
        (1 to 500,000 characters) and ``analysis_template_arn``; ``parameters`` fill the
        template's parameters (names of 0-9, a-z, A-Z and _); ``compute`` sizes its workers."""
        return SeedAudience(
            role=role,
            query=query,
            analysis_template_arn=analysis_template_arn,
            parameters=parameters,
            compute=compute,
        )

    @property
    def role_arn(self) -> str:
        """The seed role's ARN (a token for a role of this app)."""
        return role_arn_of(self.role)

    @property
    def role_construct(self) -> IConstruct | None:
        """The role as a construct, when given one (a job waits for its policies)."""
        return None if isinstance(self.role, str) else self.role

    def to_properties(self) -> dict[str, Any]:
        """The ``SeedAudience`` property (``RoleArn`` and ``DataSource`` or ``SqlParameters``
        and maybe ``SqlComputeConfiguration``)."""
        seed: dict[str, Any] = {seed_fields.KEY_ROLE_ARN: self.role_arn}
        if self.s3_uri is not None:
            seed[seed_fields.KEY_DATA_SOURCE] = {seed_fields.KEY_S3_URI: self.s3_uri}
            return seed
        sql: dict[str, Any] = {}
        if self.query is not None:
            sql[seed_fields.KEY_QUERY] = self.query
        if self.analysis_template_arn is not None:
            sql[seed_fields.KEY_TEMPLATE_ARN] = self.analysis_template_arn
        if self.parameters is not None:
            sql[seed_fields.KEY_PARAMETERS] = dict(self.parameters)
        seed[seed_fields.KEY_SQL] = sql
        if self.compute is not None:
            seed[seed_fields.KEY_COMPUTE] = self.compute.to_properties()
        return seed


def role_arn_of(role: object, field: str = f"{_FIELD}.role") -> str:
    """The ARN of an ``iam.IRole`` or the string given; jsii interfaces take no isinstance."""
    if isinstance(role, str):
        return role
    arn = getattr(role, "role_arn", None)
    if not isinstance(arn, str) or not hasattr(role, "node"):
        raise TypeError(f"{field}: must be an iam.IRole or a role ARN string")
    return arn


def _string_map(raw: object, field: str, *, secret: bool = False) -> dict[str, str]:
    """A mapping of names to strings; a ``ValidationError`` names the first bad entry."""
    if not isinstance(raw, Mapping):
        raise rules.ValidationError(
            field, f"a {type(raw).__name__} is not a mapping of names to strings"
        )
    checked: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise rules.ValidationError(field, f"a {type(key).__name__} name is not a string")
        if not isinstance(value, str):
            shown = "" if secret else f" {value!r}"
            raise rules.ValidationError(f"{field}.{key[:40]}", f"the value{shown} is not a string")
        checked[key] = value
    return checked
