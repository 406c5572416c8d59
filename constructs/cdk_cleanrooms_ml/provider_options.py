"""Options of the provider's Lambda, named as ``custom_resources.Provider`` and
``lambda_.Function`` name them, and checked before anything is created."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypedDict

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from cdk_cleanrooms_ml._handler.rules import ValidationError, parse_int
from cdk_cleanrooms_ml.runtimes import (
    NEWEST_PYTHON,
    PYTHON_VERSIONS,
    RUNTIME_NAMES,
    constant_name,
)
from cdk_cleanrooms_ml.tokens import is_token

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2

DEFAULT_LOG_RETENTION: Final = logs.RetentionDays.ONE_YEAR
# Logs outlive the stack (until retention ends): they are the audit trail of exports.
DEFAULT_LOG_REMOVAL_POLICY: Final = RemovalPolicy.RETAIN
# What CloudFormation can do with a log group it removes: it has no snapshot of one.
LOG_REMOVAL_POLICIES: Final = (
    RemovalPolicy.RETAIN,
    RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    RemovalPolicy.DESTROY,
)
# Lambda's limits for a function's memory, in MB.
MEMORY_MIN_MB: Final = 128
MEMORY_MAX_MB: Final = 10_240


def _runtime_of(version: tuple[int, int]) -> lambda_.Runtime:
    runtime: lambda_.Runtime = getattr(lambda_.Runtime, constant_name(version))
    return runtime


def newest_runtime() -> lambda_.Runtime:
    """The default runtime: the newest allowed."""
    return _runtime_of(NEWEST_PYTHON)


class LogLevel(enum.StrEnum):
    """The handler's log level (its ``LOG_LEVEL``), in Python's names."""

    DEBUG = "DEBUG"
    """Also logs each request (its ResponseURL hidden) and the Clean Rooms ML calls."""
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


# Lambda's application log levels, in Python's names (Python has nothing below DEBUG).
_PYTHON_LEVEL: Final = {
    "TRACE": LogLevel.DEBUG,
    "DEBUG": LogLevel.DEBUG,
    "INFO": LogLevel.INFO,
    "WARN": LogLevel.WARNING,
    "ERROR": LogLevel.ERROR,
    "FATAL": LogLevel.CRITICAL,
}
_LAMBDA_LEVEL: Final = {
    LogLevel.DEBUG: lambda_.ApplicationLogLevel.DEBUG,
    LogLevel.INFO: lambda_.ApplicationLogLevel.INFO,
    LogLevel.WARNING: lambda_.ApplicationLogLevel.WARN,
    LogLevel.ERROR: lambda_.ApplicationLogLevel.ERROR,
    LogLevel.CRITICAL: lambda_.ApplicationLogLevel.FATAL,
}


class CleanRoomsMlProviderOptions(TypedDict, total=False):
    """Options of the provider's Lambda; each may be left out.

    - ``runtime``: the function's ``lambda_.Runtime``, one of the Python runtimes that neither
      aws-cdk-lib nor Lambda has deprecated (``runtimes.PYTHON_VERSIONS``: ``PYTHON_3_11`` to
      ``PYTHON_3_14`` in aws-cdk-lib 2.275, December 2026); default the newest. Changing it
      updates the deployed function in place (no replacement).
    - ``log_retention``: how long its log group keeps logs; default one year.
    - ``log_removal_policy``: what becomes of the log group when it leaves the stack (or is
      replaced): ``RemovalPolicy.RETAIN`` (the default: the logs are the audit trail of
      exports and expire with ``log_retention``), ``RETAIN_ON_UPDATE_OR_DELETE`` or
      ``DESTROY``; a log group has no ``SNAPSHOT``.
    - ``log_level``: the handler's ``LOG_LEVEL`` (a :class:`LogLevel` or its name); default
      ``INFO``, or the level of ``application_log_level_v2`` when only that is given.
    - ``memory_size``: MB, 128 to 10,240; default Lambda's (128).
    - ``vpc``, ``vpc_subnets``, ``security_groups``: run the function in a VPC (subnets and
      security groups need ``vpc``); its role then may manage the function's network
      interfaces. The subnets need a route to Clean Rooms ML, Lambda and S3 (NAT or VPC
      endpoints). Default: no VPC.
    - ``logging_format``: ``LoggingFormat.JSON`` for Lambda's structured logs; default text.
    - ``application_log_level_v2``: with JSON, the level Lambda keeps; it must agree with
      ``log_level`` (``WARN`` is ``WARNING``, ``FATAL`` is ``CRITICAL``, ``TRACE`` is
      ``DEBUG``). Default: ``log_level``'s.
    - ``system_log_level_v2``: with JSON, the level of Lambda's own platform logs; default
      Lambda's (``INFO``).
    """

    runtime: lambda_.Runtime
    log_retention: logs.RetentionDays
    log_removal_policy: RemovalPolicy
    log_level: LogLevel | str
    memory_size: int | float
    vpc: ec2.IVpc
    vpc_subnets: ec2.SubnetSelection
    security_groups: Sequence[ec2.ISecurityGroup]
    logging_format: lambda_.LoggingFormat
    application_log_level_v2: lambda_.ApplicationLogLevel
    system_log_level_v2: lambda_.SystemLogLevel


OPTION_NAMES: Final = tuple(CleanRoomsMlProviderOptions.__annotations__)


@dataclass(frozen=True)
class ProviderSettings:
    """Provider options, checked, with their defaults applied."""

    runtime: lambda_.Runtime = field(default_factory=newest_runtime)
    log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION
    log_removal_policy: RemovalPolicy = DEFAULT_LOG_REMOVAL_POLICY
    log_level: LogLevel = LogLevel.INFO
    memory_size: int | float | None = None
    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None
    security_groups: tuple[ec2.ISecurityGroup, ...] | None = None
    logging_format: lambda_.LoggingFormat | None = None
    application_log_level: lambda_.ApplicationLogLevel | None = None
    system_log_level: lambda_.SystemLogLevel | None = None

    @staticmethod
    def of(options: Mapping[str, Any]) -> ProviderSettings:
        """The settings ``options`` ask for; a ``ValidationError`` names the first bad one."""
        unknown = [name for name in options if name not in OPTION_NAMES]
        if unknown:
            raise TypeError(
                f"unexpected provider option {unknown[0]!r} (options: {', '.join(OPTION_NAMES)})"
            )
        retention = options.get("log_retention", DEFAULT_LOG_RETENTION)
        if not isinstance(retention, logs.RetentionDays):
            raise ValidationError(
                "log_retention", "must be a logs.RetentionDays, e.g. RetentionDays.ONE_YEAR"
            )
        runtime = _runtime(options.get("runtime"))
        removal_policy = _log_removal_policy(options.get("log_removal_policy"))
        json_format = _logging_format(options.get("logging_format"))
        app_level = _json_only(options, "application_log_level_v2", json_format)
        system_level = _json_only(options, "system_log_level_v2", json_format)
        if app_level is not None and not isinstance(app_level, lambda_.ApplicationLogLevel):
            raise ValidationError(
                "application_log_level_v2", "must be a lambda_.ApplicationLogLevel"
            )
        if system_level is not None and not isinstance(system_level, lambda_.SystemLogLevel):
            raise ValidationError("system_log_level_v2", "must be a lambda_.SystemLogLevel")
        level = _log_level(options.get("log_level"), app_level)
        if json_format is lambda_.LoggingFormat.JSON and app_level is None:
            app_level = _LAMBDA_LEVEL[level]
        vpc = options.get("vpc")
        return ProviderSettings(
            runtime=runtime,
            log_retention=retention,
            log_removal_policy=removal_policy,
            log_level=level,
            memory_size=_memory_size(options.get("memory_size")),
            vpc=vpc,
            vpc_subnets=_needs_vpc(options, "vpc_subnets", vpc),
            security_groups=_security_groups(_needs_vpc(options, "security_groups", vpc)),
            logging_format=json_format,
            application_log_level=app_level,
            system_log_level=system_level,
        )

    def function_props(self) -> dict[str, Any]:
        """The ``lambda_.Function`` keyword arguments these settings set (none by default)."""
        props: dict[str, Any] = {}
        if self.memory_size is not None:
            props["memory_size"] = self.memory_size
        if self.vpc is not None:
            props["vpc"] = self.vpc
            if self.vpc_subnets is not None:
                props["vpc_subnets"] = self.vpc_subnets
            if self.security_groups is not None:
                props["security_groups"] = list(self.security_groups)
        if self.logging_format is not None:
            props["logging_format"] = self.logging_format
        if self.application_log_level is not None:
            props["application_log_level_v2"] = self.application_log_level
        if self.system_log_level is not None:
            props["system_log_level_v2"] = self.system_log_level
        return props


def python_runtime(name: object) -> lambda_.Runtime:
    """The allowed runtime named ``name`` (``python3.12``), as ``-c runtime=...`` gives it."""
    version = _VERSION_OF.get(name.strip().lower()) if isinstance(name, str) else None
    if version is None:
        raise ValidationError("runtime", f"{str(name)[:40]!r} is not {_RUNTIME_RULE}")
    return _runtime_of(version)


_VERSION_OF: Final = dict(zip(RUNTIME_NAMES, PYTHON_VERSIONS, strict=True))
_ALLOWED_RUNTIMES: Final = ", ".join(RUNTIME_NAMES)
_RUNTIME_RULE: Final = (
    f"one of the Python runtimes neither Lambda nor aws-cdk-lib deprecates: {_ALLOWED_RUNTIMES}"
)


def _runtime(value: object) -> lambda_.Runtime:
    if value is None:
        return newest_runtime()
    if not isinstance(value, lambda_.Runtime):
        raise ValidationError("runtime", f"must be a lambda_.Runtime, {_RUNTIME_RULE}")
    if value.name not in RUNTIME_NAMES:
        raise ValidationError("runtime", f"{value.name[:40]} is not {_RUNTIME_RULE}")
    return value


def _log_removal_policy(value: object) -> RemovalPolicy:
    if value is None:
        return DEFAULT_LOG_REMOVAL_POLICY
    if isinstance(value, RemovalPolicy) and value in LOG_REMOVAL_POLICIES:
        return value
    shown = f"RemovalPolicy.{value.name}" if isinstance(value, RemovalPolicy) else repr(value)
    allowed = ", ".join(f"RemovalPolicy.{policy.name}" for policy in LOG_REMOVAL_POLICIES)
    raise ValidationError(
        "log_removal_policy",
        f"{shown[:40]} is not one of {allowed} (a log group has no snapshot)",
    )


def _logging_format(value: object) -> lambda_.LoggingFormat | None:
    if value is None or isinstance(value, lambda_.LoggingFormat):
        return value
    raise ValidationError("logging_format", "must be lambda_.LoggingFormat.JSON or .TEXT")


def _json_only(
    options: Mapping[str, Any], field: str, logging_format: lambda_.LoggingFormat | None
) -> Any:
    value = options.get(field)
    if value is not None and logging_format is not lambda_.LoggingFormat.JSON:
        raise ValidationError(
            field, "needs logging_format=LoggingFormat.JSON (Lambda filters JSON logs only)"
        )
    return value


def _log_level(value: object, app_level: lambda_.ApplicationLogLevel | None) -> LogLevel:
    implied = None if app_level is None else _PYTHON_LEVEL[str(app_level.value)]
    if value is None:
        return implied or LogLevel.INFO
    if isinstance(value, LogLevel):
        level = value
    elif isinstance(value, str) and value.strip().upper() in LogLevel.__members__:
        level = LogLevel(value.strip().upper())
    else:
        raise ValidationError(
            "log_level", f"{str(value)[:40]!r} is not one of {', '.join(LogLevel.__members__)}"
        )
    if app_level is not None and implied is not level:
        raise ValidationError(
            "application_log_level_v2",
            f"{app_level.value} disagrees with log_level {level.value}: the handler logs at"
            " log_level and Lambda keeps records from application_log_level_v2 up; give one"
            " of them, or the same level",
        )
    return level


def _memory_size(value: object) -> int | float | None:
    if value is None or is_token(value):
        return value  # type: ignore[return-value]
    size = parse_int(value, "memory_size")
    if not MEMORY_MIN_MB <= size <= MEMORY_MAX_MB:
        raise ValidationError(
            "memory_size",
            f"{size} MB is out of range ({MEMORY_MIN_MB} to {MEMORY_MAX_MB:,} MB)",
        )
    return size


def _needs_vpc(options: Mapping[str, Any], field: str, vpc: object) -> Any:
    value = options.get(field)
    if value is not None and vpc is None:
        raise ValidationError(field, "needs vpc: the function runs in a VPC only when given one")
    return value


def _security_groups(value: object) -> tuple[ec2.ISecurityGroup, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError("security_groups", "must be a list of ec2.ISecurityGroup")
    if not value:
        raise ValidationError(
            "security_groups", "must name at least one (leave it out for a new one)"
        )
    return tuple(value)
