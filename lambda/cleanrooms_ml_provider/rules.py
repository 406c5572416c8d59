"""Property rules of an audience export, written once.

Stdlib only: the construct imports this module at synth time (as
``cdk_cleanrooms_ml._handler.rules``) and the Lambda handler at deploy time (as
``cleanrooms_ml_provider.rules``). The limits are those of the botocore service model
``cleanroomsml/2023-09-06``; botocore itself checks only the minimums.

Every check raises :class:`RuleError` naming the field (as the caller spells it:
``name`` in Python, ``Name`` in a template) and the rule that was broken.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Final, NoReturn
from urllib.parse import urlsplit

NAME_MAX: Final = 63
DESCRIPTION_MAX: Final = 255
JOB_ARN_MIN: Final = 20
JOB_ARN_MAX: Final = 2048
ABSOLUTE_MAX: Final = 20_000_000
PERCENTAGE_MAX: Final = 100
SIZE_TYPES: Final = ("ABSOLUTE", "PERCENTAGE")
TIMEOUT_MIN_SECONDS: Final = 1
TIMEOUT_MAX_SECONDS: Final = 3600
PHYSICAL_ID_MAX_BYTES: Final = 1024
# Far beyond every range here; longer numbers are refused before Python converts them.
INT_MAX_DIGITS: Final = 18

# The model's class is [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\t]. The service
# matches it Java-style on UTF-16, where the surrogate escapes never pair up, so characters above
# U+FFFF (emoji) are outside it; lone surrogates cannot be sent as UTF-8 at all.
_NAME_CHARS: Final = re.compile("[\t\u0020-\ud7ff\ue000-\ufffd]*")
_DESCRIPTION_CHARS: Final = re.compile("[\t\r\n\u0020-\ud7ff\ue000-\ufffd]*")
# Java's \s (in the model's "(?!\s*$)") is ASCII-only, and Java's $ also matches before one
# final line terminator (so "  \u2028" is blank to the service).
_JAVA_BLANK: Final = re.compile("[ \t\n\x0b\f\r]*(?:\r\n|[\n\r\u0085\u2028\u2029])?")
_JOB_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-generation-job/[-a-zA-Z0-9_/.]+"
)
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_BOOLEANS: Final = {"true": True, "false": False}


class ValidationError(ValueError):
    """A property value that breaks a rule of the service model."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


RuleError = ValidationError


def _first_bad_char(value: str, allowed: re.Pattern[str]) -> str | None:
    for char in value:
        if not allowed.fullmatch(char):
            return char
    return None


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _check_length(field: str, value: str, low: int, high: int) -> None:
    if len(value) < low:
        raise RuleError(field, f"{len(value)} characters, at least {low} required")
    if len(value) > high:
        raise RuleError(field, f"{len(value)} characters, at most {high} allowed")


def check_name(value: str, field: str = "name") -> str:
    """1-63 characters of the model's class, not blank."""
    _check_length(field, value, 1, NAME_MAX)
    bad = _first_bad_char(value, _NAME_CHARS)
    if bad is not None:
        raise RuleError(
            field,
            f"character {_describe(bad)} is not allowed (tab and U+0020-U+D7FF, "
            "U+E000-U+FFFD only; no emoji or other characters above U+FFFF)",
        )
    if _JAVA_BLANK.fullmatch(value):
        raise RuleError(field, "must not be blank")
    return value


def check_description(value: str, field: str = "description") -> str:
    """0-255 characters of the model's class (which also allows CR and LF)."""
    _check_length(field, value, 0, DESCRIPTION_MAX)
    bad = _first_bad_char(value, _DESCRIPTION_CHARS)
    if bad is not None:
        raise RuleError(
            field,
            f"character {_describe(bad)} is not allowed (tab, CR, LF and U+0020-U+D7FF, "
            "U+E000-U+FFFD only; no emoji or other characters above U+FFFF)",
        )
    return value


def check_job_arn(value: str, field: str = "audience_generation_job_arn") -> str:
    """20-2048 characters, an audience generation job ARN."""
    _check_length(field, value, JOB_ARN_MIN, JOB_ARN_MAX)
    if not _JOB_ARN.fullmatch(value):
        raise RuleError(
            field,
            f"{value[:80]!r} is not an audience generation job ARN (arn:<partition>:"
            "cleanrooms-ml:<region>:<12-digit account>:audience-generation-job/<id>)",
        )
    return value


def check_size_type(value: str, field: str = "audience_size.type") -> str:
    if value not in SIZE_TYPES:
        raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(SIZE_TYPES)}")
    return value


def check_size_value(size_type: str, value: int, field: str = "audience_size.value") -> int:
    """ABSOLUTE 1-20,000,000 rows; PERCENTAGE 1-100."""
    high = PERCENTAGE_MAX if size_type == "PERCENTAGE" else ABSOLUTE_MAX
    if not 1 <= value <= high:
        raise RuleError(field, f"{value} is out of range for {size_type} (1 to {high:,})")
    return value


def check_timeout_seconds(value: int, field: str = "timeout") -> int:
    """CloudFormation's ServiceTimeout: 1-3600 seconds."""
    if not TIMEOUT_MIN_SECONDS <= value <= TIMEOUT_MAX_SECONDS:
        raise RuleError(
            field,
            f"{value} seconds is out of range "
            f"({TIMEOUT_MIN_SECONDS} to {TIMEOUT_MAX_SECONDS} seconds)",
        )
    return value


def _too_many_digits(field: str, digits: int) -> NoReturn:
    raise RuleError(
        field, f"a {digits:,}-digit number is out of range (at most {INT_MAX_DIGITS} digits)"
    )


def parse_int(raw: object, field: str) -> int:
    """A whole number, from an int or a decimal string (CloudFormation stringifies numbers)."""
    if isinstance(raw, bool):
        raise RuleError(field, f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        # Python refuses to print ints past 4,300 digits: measure without converting.
        if abs(raw) >= 10**INT_MAX_DIGITS:
            _too_many_digits(field, raw.bit_length() * 30103 // 100000 + 1)
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return parse_int(int(raw), field)
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        digits = raw.strip().lstrip("+-").lstrip("0")
        if len(digits) > INT_MAX_DIGITS:
            _too_many_digits(field, len(digits))
        return int(raw.strip())
    return _reject(field, raw, "a whole number")


def parse_bool(raw: object, field: str) -> bool:
    """A boolean, from a bool or CloudFormation's "true"/"false"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOLEANS:
        return _BOOLEANS[raw.strip().lower()]
    return _reject(field, raw, "true or false")


def parse_str(raw: object, field: str) -> str:
    if isinstance(raw, str):
        return raw
    return _reject(field, raw, "a string")


def _reject(field: str, raw: object, wanted: str) -> NoReturn:
    shown = json.dumps(raw, default=str)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    raise RuleError(field, f"{shown} is not {wanted}")


@dataclass(frozen=True)
class CompletionSignal:
    """Where to signal the end of a long wait: a WaitConditionHandle's presigned URL (a secret,
    like ResponseURL) and how long the WaitCondition waits from the resource's creation."""

    url: str = dataclass_field(repr=False)
    timeout_seconds: int


@dataclass(frozen=True)
class ExportProperties:
    """The validated properties of one audience export resource."""

    job_arn: str
    size_type: str
    size_value: int
    name: str | None
    description: str | None
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None


# CloudFormation property keys, as a template spells them.
KEY_JOB_ARN: Final = "AudienceGenerationJobArn"
KEY_SIZE: Final = "AudienceSize"
KEY_SIZE_TYPE: Final = "Type"
KEY_SIZE_VALUE: Final = "Value"
KEY_NAME: Final = "Name"
KEY_DESCRIPTION: Final = "Description"
KEY_WAIT: Final = "WaitForCompletion"
KEY_TIMEOUT: Final = "ServiceTimeout"
KEY_SERVICE_TOKEN: Final = "ServiceToken"
KEY_SIGNAL_URL: Final = "CompletionSignalUrl"
KEY_SIGNAL_TIMEOUT: Final = "CompletionSignalTimeout"
# CloudFormation's ceiling for an AWS::CloudFormation::WaitCondition's Timeout.
SIGNAL_TIMEOUT_MAX_SECONDS: Final = 43_200
SIGNAL_URL_MAX: Final = 4096
ALLOWED_KEYS: Final = (
    KEY_JOB_ARN,
    KEY_SIZE,
    KEY_NAME,
    KEY_DESCRIPTION,
    KEY_WAIT,
    KEY_TIMEOUT,
    KEY_SIGNAL_URL,
    KEY_SIGNAL_TIMEOUT,
    KEY_SERVICE_TOKEN,
)
ALLOWED_SIZE_KEYS: Final = (KEY_SIZE_TYPE, KEY_SIZE_VALUE)


def _check_keys(raw: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise RuleError(
            f"{where}{unknown[0]}",
            f"unknown property; allowed: {', '.join(allowed)}",
        )


def _required(raw: Mapping[str, object], key: str, field: str) -> object:
    if key not in raw or raw[key] is None:
        raise RuleError(field, "is required")
    return raw[key]


def check_signal_url(value: str, field: str = KEY_SIGNAL_URL) -> str:
    """An https URL with a host, on one line; never echoed (it is a presigned secret)."""
    if len(value) > SIGNAL_URL_MAX:
        raise RuleError(field, f"{len(value)} characters, at most {SIGNAL_URL_MAX} allowed")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or not value.isprintable():
        raise RuleError(
            field, "is not an https URL (the Ref of an AWS::CloudFormation::WaitConditionHandle)"
        )
    if " " in value:
        raise RuleError(field, "is not an https URL: it holds a space")
    return value


def parse_signal(
    raw: Mapping[str, object], *, wait_for_completion: bool
) -> CompletionSignal | None:
    """The completion signal of a resource that waits beyond its own timeout, or None."""
    url_raw, timeout_raw = raw.get(KEY_SIGNAL_URL), raw.get(KEY_SIGNAL_TIMEOUT)
    if url_raw is None and timeout_raw is None:
        return None
    if url_raw is None or timeout_raw is None:
        missing = KEY_SIGNAL_URL if url_raw is None else KEY_SIGNAL_TIMEOUT
        present = KEY_SIGNAL_TIMEOUT if url_raw is None else KEY_SIGNAL_URL
        raise RuleError(missing, f"is required with {present}")
    if not wait_for_completion:
        raise RuleError(
            KEY_WAIT, f"false contradicts {KEY_SIGNAL_URL}: the signal is sent on completion"
        )
    url = check_signal_url(_secret_str(url_raw, KEY_SIGNAL_URL))
    seconds = parse_int(timeout_raw, KEY_SIGNAL_TIMEOUT)
    if not TIMEOUT_MIN_SECONDS <= seconds <= SIGNAL_TIMEOUT_MAX_SECONDS:
        raise RuleError(
            KEY_SIGNAL_TIMEOUT,
            f"{seconds} seconds is out of range ({TIMEOUT_MIN_SECONDS} to "
            f"{SIGNAL_TIMEOUT_MAX_SECONDS}, a WaitCondition's Timeout)",
        )
    return CompletionSignal(url, seconds)


def parse_properties(raw: object) -> ExportProperties:
    """Validate a custom resource's ResourceProperties, as CloudFormation sends them (strings)."""
    if not isinstance(raw, Mapping):
        _reject("ResourceProperties", raw, "an object")
    _check_keys(raw, ALLOWED_KEYS, "")
    job_arn = check_job_arn(
        parse_str(_required(raw, KEY_JOB_ARN, KEY_JOB_ARN), KEY_JOB_ARN), KEY_JOB_ARN
    )
    size = _required(raw, KEY_SIZE, KEY_SIZE)
    if not isinstance(size, Mapping):
        _reject(KEY_SIZE, size, "an object with Type and Value")
    _check_keys(size, ALLOWED_SIZE_KEYS, f"{KEY_SIZE}.")
    type_field = f"{KEY_SIZE}.{KEY_SIZE_TYPE}"
    value_field = f"{KEY_SIZE}.{KEY_SIZE_VALUE}"
    size_type = check_size_type(
        parse_str(_required(size, KEY_SIZE_TYPE, type_field), type_field), type_field
    )
    size_value = check_size_value(
        size_type, parse_int(_required(size, KEY_SIZE_VALUE, value_field), value_field), value_field
    )
    name = raw.get(KEY_NAME)
    if name is not None:
        name = check_name(parse_str(name, KEY_NAME), KEY_NAME)
    description = raw.get(KEY_DESCRIPTION)
    if description is not None:
        description = check_description(parse_str(description, KEY_DESCRIPTION), KEY_DESCRIPTION)
    wait_raw = raw.get(KEY_WAIT)
    wait = True if wait_raw is None else parse_bool(wait_raw, KEY_WAIT)
    timeout_raw = raw.get(KEY_TIMEOUT)
    timeout = (
        TIMEOUT_MAX_SECONDS
        if timeout_raw is None
        else check_timeout_seconds(parse_int(timeout_raw, KEY_TIMEOUT), KEY_TIMEOUT)
    )
    return ExportProperties(
        job_arn=job_arn,
        size_type=size_type,
        size_value=size_value,
        name=name,
        description=description,
        wait_for_completion=wait,
        timeout_seconds=timeout,
        signal=parse_signal(raw, wait_for_completion=wait),
    )


_NAME_SAFE: Final = re.compile(r"[^A-Za-z0-9]+")
_HASH_CHARS: Final = 8


def default_name(
    seed: str, *, job_arn: str, size_type: str, size_value: object, description: str | None
) -> str:
    """A deterministic, valid export name for a resource that has none.

    ``seed`` says where the resource lives (its stack name and logical id: unique per stack);
    the hash also covers the export's properties, so changing the size or the description
    yields a new name, hence a new export, on update.
    """
    return derived_name(
        seed, [seed, job_arn, size_type, size_value, description or ""], fallback="export"
    )


def derived_name(seed: str, fingerprint: object, *, fallback: str) -> str:
    """``<seed, made name-safe and cut>-<8 hex digits of the fingerprint>``, at most 63 chars."""
    encoded = json.dumps(fingerprint, sort_keys=True, default=str)
    digest = hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    readable = _NAME_SAFE.sub("-", seed).strip("-")
    readable = readable[-(NAME_MAX - _HASH_CHARS - 1) :].lstrip("-")
    return f"{readable}-{digest}" if readable else f"{fallback}-{digest}"


def physical_id(job_arn: str, name: str) -> str:
    """A stable physical id for the export (job ARN, name), at most 1 KB."""
    readable = f"{job_arn}/export/{name}"
    if len(readable.encode("utf-8")) <= PHYSICAL_ID_MAX_BYTES:
        return readable
    digest = hashlib.sha256(f"{job_arn}\n{name}".encode()).hexdigest()
    return f"{job_arn[: PHYSICAL_ID_MAX_BYTES - 200]}/export-sha256/{digest}"


# --- Audience generation jobs (StartAudienceGenerationJob) ---------------------------------------

# Here, in the module both sides import, so the handler and the construct name them once.
EXPORT_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceExport"
GENERATION_JOB_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceGenerationJob"
# The provider's drain (provider_drain.py) and its one property.
DRAIN_RESOURCE_TYPE: Final = "Custom::CleanRoomsMlProviderDrain"
KEY_BACKGROUND_DELETIONS: Final = "BackgroundDeletions"

MODEL_ARN_MIN: Final = 20
MODEL_ARN_MAX: Final = 2048
ROLE_ARN_MIN: Final = 20
ROLE_ARN_MAX: Final = 2048
S3_URI_MAX: Final = 1285
QUERY_MAX: Final = 500_000
TEMPLATE_ARN_MAX: Final = 200
PARAMETER_NAME_MAX: Final = 100
PARAMETER_VALUE_MAX: Final = 1000
WORKER_TYPES: Final = ("CR.1X", "CR.4X", "CR.8X")
WORKERS_MIN: Final = 2
WORKERS_MAX: Final = 1024
SPARK_PROPERTIES_MAX: Final = 50
SPARK_KEY_MAX: Final = 200
SPARK_VALUE_MAX: Final = 500
UUID_LENGTH: Final = 36
TAGS_MAX: Final = 200
TAG_KEY_MAX: Final = 128
TAG_VALUE_MAX: Final = 256
# The model's tag documentation reserves this prefix, in any case, for AWS.
RESERVED_TAG_PREFIX: Final = "aws:"
# The provider tags each job it starts with the resource that owns it (stack id and logical id),
# and adopts only jobs carrying its own: so one of the service's 200 tags is taken.
OWNER_TAG_KEY: Final = "cdk-cleanrooms-ml:resource"
JOB_TAGS_MAX: Final = TAGS_MAX - 1

# Java's "." matches any code point but its line terminators.
_JAVA_DOT: Final = "[^\n\r\u0085\u2028\u2029]"
_MODEL_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:configured-audience-model/[-a-zA-Z0-9_/.]+"
)
_ROLE_ARN: Final = re.compile(f"arn:aws[-a-z]*:iam::[0-9]{{12}}:role/{_JAVA_DOT}+")
_S3_URI: Final = re.compile(f"s3://{_JAVA_DOT}+")
# The model's \w and \d, ASCII-only as in Java.
_TEMPLATE_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms:[A-Za-z0-9_]{2}-[A-Za-z0-9_]{4,9}-[0-9]:[0-9]{12}:"
    r"membership/[A-Za-z0-9_-]+/analysistemplate/[A-Za-z0-9_-]+"
)
_PARAMETER_NAME: Final = re.compile(r"[0-9a-zA-Z_]+")
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _check_pattern(field: str, value: str, pattern: re.Pattern[str], what: str) -> None:
    if not pattern.fullmatch(value):
        raise RuleError(field, f"{value[:80]!r} is not {what}")


def check_configured_audience_model_arn(
    value: str, field: str = "configured_audience_model_arn"
) -> str:
    """20-2048 characters, a configured audience model ARN."""
    _check_length(field, value, MODEL_ARN_MIN, MODEL_ARN_MAX)
    _check_pattern(
        field,
        value,
        _MODEL_ARN,
        "a configured audience model ARN (arn:<partition>:cleanrooms-ml:<region>:"
        "<12-digit account>:configured-audience-model/<id>)",
    )
    return value


def check_role_arn(value: str, field: str = "role") -> str:
    """20-2048 characters, an IAM role ARN (the seed audience's role)."""
    _check_length(field, value, ROLE_ARN_MIN, ROLE_ARN_MAX)
    _check_pattern(
        field,
        value,
        _ROLE_ARN,
        "an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>, one line)",
    )
    return value


_ARN_PARTITION: Final = re.compile(r"arn:(aws[-a-z]*):")


def arn_partition(arn: str) -> str | None:
    """The partition an ARN names (``arn:<partition>:...``); None for anything else."""
    found = _ARN_PARTITION.match(arn)
    return found[1] if found else None


def check_role_partition(
    role_arn: str, partition: str | None, field: str = "role", *, of: str = "the model"
) -> str:
    """The seed role is in ``partition`` (that of ``of``): a partition's service cannot assume
    a role of another. A ``partition`` or role ARN that names none is not compared."""
    role_partition = arn_partition(role_arn)
    if partition is not None and role_partition is not None and role_partition != partition:
        raise RuleError(
            field,
            f"the role is in partition {role_partition} but {of} is in {partition}: the seed "
            "role must be in the partition of the configured audience model and of the stack",
        )
    return role_arn


def check_s3_uri(value: str, field: str = "uri") -> str:
    """1-1285 characters, s3://<bucket>/<key> on one line."""
    _check_length(field, value, 1, S3_URI_MAX)
    _check_pattern(field, value, _S3_URI, "an S3 URI (s3://<bucket>/<key>, one line)")
    return value


# The SQL parameters are sensitive in the model: their rules never echo the values.
def check_query_string(value: str, field: str = "query") -> str:
    """1-500,000 characters (the model allows 0, but an empty query selects no seed)."""
    _check_length(field, value, 1, QUERY_MAX)
    return value


def check_analysis_template_arn(value: str, field: str = "analysis_template_arn") -> str:
    """At most 200 characters, an analysis template ARN."""
    _check_length(field, value, 1, TEMPLATE_ARN_MAX)
    if not _TEMPLATE_ARN.fullmatch(value):
        raise RuleError(
            field,
            "is not an analysis template ARN (arn:<partition>:cleanrooms:<region>:"
            "<12-digit account>:membership/<id>/analysistemplate/<id>)",
        )
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
    if value not in WORKER_TYPES:
        raise RuleError(field, f"{value[:40]!r} is not one of {', '.join(WORKER_TYPES)}")
    return value


def check_worker_number(value: int, field: str = "compute.number") -> int:
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
        _check_length(f"{field}.{key[:40]}", key, 1, SPARK_KEY_MAX)
        _check_length(f"{field}.{key[:40]}", value, 0, SPARK_VALUE_MAX)
    return dict(properties)


def check_collaboration_id(value: str, field: str = "collaboration_id") -> str:
    """A collaboration UUID, lower-case hex as the model spells it."""
    _check_length(field, value, UUID_LENGTH, UUID_LENGTH)
    _check_pattern(field, value, _UUID, "a lower-case collaboration UUID (8-4-4-4-12 hex digits)")
    return value


def check_tags(tags: Mapping[str, str], field: str = "tags") -> dict[str, str]:
    """At most 199 tags (the service's 200 less the provider's ownership tag); keys 1-128
    characters, not aws:-prefixed nor the ownership tag's; values at most 256."""
    if len(tags) > JOB_TAGS_MAX:
        raise RuleError(
            field,
            f"{len(tags)} tags, at most {JOB_TAGS_MAX} allowed (the service allows {TAGS_MAX}; "
            f"one is the provider's {OWNER_TAG_KEY} tag)",
        )
    for key, value in tags.items():
        _check_length(f"{field}.key", key, 1, TAG_KEY_MAX)
        if key[: len(RESERVED_TAG_PREFIX)].lower() == RESERVED_TAG_PREFIX:
            raise RuleError(f"{field}.{key[:40]}", "keys starting with aws: are reserved for AWS")
        if key == OWNER_TAG_KEY:
            raise RuleError(
                f"{field}.{key}", "is reserved: the provider marks the jobs it starts with it"
            )
        _check_length(f"{field}.{key[:40]}", value, 0, TAG_VALUE_MAX)
    return dict(tags)


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
class GenerationJobProperties:
    """The validated properties of one audience generation job resource."""

    configured_audience_model_arn: str
    role_arn: str
    s3_uri: str | None
    sql: SqlSeed | None
    compute: WorkerCompute | None
    include_seed_in_output: bool
    collaboration_id: str | None
    name: str | None
    description: str | None
    tags: tuple[tuple[str, str], ...]
    wait_for_completion: bool
    timeout_seconds: int
    signal: CompletionSignal | None = None

    def start_request(self, name: str) -> dict[str, object]:
        """StartAudienceGenerationJob's arguments, under ``name`` (given or derived)."""
        seed: dict[str, object] = {"roleArn": self.role_arn}
        if self.s3_uri is not None:
            seed["dataSource"] = {"s3Uri": self.s3_uri}
        if self.sql is not None:
            seed["sqlParameters"] = self.sql.to_request()
        if self.compute is not None:
            seed["sqlComputeConfiguration"] = self.compute.to_request()
        request: dict[str, object] = {
            "name": name,
            "configuredAudienceModelArn": self.configured_audience_model_arn,
            "seedAudience": seed,
            "includeSeedInOutput": self.include_seed_in_output,
        }
        if self.collaboration_id is not None:
            request["collaborationId"] = self.collaboration_id
        if self.description is not None:
            request["description"] = self.description
        if self.tags:
            request["tags"] = dict(self.tags)
        return request

    def job_name(self, seed: str) -> str:
        """The given name, or one derived from ``seed`` (stack name and logical id) and every
        setting that cannot change in place, so changing one names (and starts) a new job."""
        if self.name is not None:
            return self.name
        settings = self.start_request("")
        settings.pop("tags", None)
        return derived_name(seed, [seed, settings], fallback="job")


KEY_MODEL_ARN: Final = "ConfiguredAudienceModelArn"
KEY_SEED: Final = "SeedAudience"
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
KEY_INCLUDE_SEED: Final = "IncludeSeedInOutput"
KEY_COLLABORATION_ID: Final = "CollaborationId"
KEY_TAGS: Final = "Tags"
KEY_TAG_KEY: Final = "Key"
KEY_TAG_VALUE: Final = "Value"
GENERATION_JOB_KEYS: Final = (
    KEY_MODEL_ARN,
    KEY_SEED,
    KEY_INCLUDE_SEED,
    KEY_COLLABORATION_ID,
    KEY_NAME,
    KEY_DESCRIPTION,
    KEY_TAGS,
    KEY_WAIT,
    KEY_TIMEOUT,
    KEY_SIGNAL_URL,
    KEY_SIGNAL_TIMEOUT,
    KEY_SERVICE_TOKEN,
)
SEED_KEYS: Final = (KEY_ROLE_ARN, KEY_DATA_SOURCE, KEY_SQL, KEY_COMPUTE)


def _object(
    raw: object, field: str, keys: tuple[str, ...], *, secret: bool = False
) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        if secret:
            raise RuleError(field, f"a {type(raw).__name__} is not an object")
        _reject(field, raw, f"an object with {', '.join(keys)}")
    _check_keys(raw, keys, f"{field}.")
    return raw


def _secret_str(raw: object, field: str) -> str:
    # Like parse_str, without echoing a sensitive value.
    if not isinstance(raw, str):
        raise RuleError(field, f"a {type(raw).__name__} is not a string")
    return raw


def _string_map(raw: object, field: str, *, secret: bool = False) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        if secret:
            raise RuleError(field, f"a {type(raw).__name__} is not an object")
        _reject(field, raw, "an object of names to strings")
    parse = _secret_str if secret else parse_str
    return {str(key): parse(value, f"{field}.{str(key)[:40]}") for key, value in raw.items()}


def _parse_sql(raw: object, field: str) -> SqlSeed:
    sql = _object(raw, field, (KEY_QUERY, KEY_TEMPLATE_ARN, KEY_PARAMETERS), secret=True)
    query_field = f"{field}.{KEY_QUERY}"
    template_field = f"{field}.{KEY_TEMPLATE_ARN}"
    parameters_field = f"{field}.{KEY_PARAMETERS}"
    query_raw, template_raw = sql.get(KEY_QUERY), sql.get(KEY_TEMPLATE_ARN)
    parameters_raw = sql.get(KEY_PARAMETERS)
    check_sql_combination(
        has_query=query_raw is not None,
        has_template=template_raw is not None,
        has_parameters=parameters_raw is not None,
        field=field,
        query_field=query_field,
        template_field=template_field,
        parameters_field=parameters_field,
    )
    query = None
    if query_raw is not None:
        query = check_query_string(_secret_str(query_raw, query_field), query_field)
    template = None
    if template_raw is not None:
        template = check_analysis_template_arn(
            _secret_str(template_raw, template_field), template_field
        )
    parameters = None
    if parameters_raw is not None:
        checked = check_parameters(
            _string_map(parameters_raw, parameters_field, secret=True), parameters_field
        )
        parameters = tuple(checked.items())
    return SqlSeed(query, template, parameters)


def _parse_compute(raw: object, field: str) -> WorkerCompute:
    compute = _object(raw, field, (KEY_WORKER,))
    worker_field = f"{field}.{KEY_WORKER}"
    worker = _object(
        _required(compute, KEY_WORKER, worker_field),
        worker_field,
        (KEY_WORKER_TYPE, KEY_WORKER_NUMBER, KEY_WORKER_PROPERTIES),
    )
    type_field = f"{worker_field}.{KEY_WORKER_TYPE}"
    number_field = f"{worker_field}.{KEY_WORKER_NUMBER}"
    properties_field = f"{worker_field}.{KEY_WORKER_PROPERTIES}"
    type_raw, number_raw = worker.get(KEY_WORKER_TYPE), worker.get(KEY_WORKER_NUMBER)
    worker_type = (
        None if type_raw is None else check_worker_type(parse_str(type_raw, type_field), type_field)
    )
    number = (
        None
        if number_raw is None
        else check_worker_number(parse_int(number_raw, number_field), number_field)
    )
    spark = None
    properties_raw = worker.get(KEY_WORKER_PROPERTIES)
    if properties_raw is not None:
        properties = _object(properties_raw, properties_field, (KEY_SPARK,))
        spark_field = f"{properties_field}.{KEY_SPARK}"
        spark_map = _string_map(_required(properties, KEY_SPARK, spark_field), spark_field)
        spark = tuple(check_spark_properties(spark_map, spark_field).items())
    return WorkerCompute(worker_type, number, spark)


def _parse_tags(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        _reject(KEY_TAGS, raw, "a list of {Key, Value} objects")
    tags: dict[str, str] = {}
    for index, item in enumerate(raw):
        field = f"{KEY_TAGS}[{index}]"
        tag = _object(item, field, (KEY_TAG_KEY, KEY_TAG_VALUE))
        key_field, value_field = f"{field}.{KEY_TAG_KEY}", f"{field}.{KEY_TAG_VALUE}"
        key = parse_str(_required(tag, KEY_TAG_KEY, key_field), key_field)
        value = parse_str(_required(tag, KEY_TAG_VALUE, value_field), value_field)
        if key in tags:
            raise RuleError(key_field, f"duplicate tag key {key[:40]!r}")
        tags[key] = value
    return tuple(check_tags(tags, KEY_TAGS).items())


def parse_generation_job_properties(raw: object) -> GenerationJobProperties:
    """Validate a generation job's ResourceProperties, as CloudFormation sends them (strings)."""
    if not isinstance(raw, Mapping):
        _reject("ResourceProperties", raw, "an object")
    _check_keys(raw, GENERATION_JOB_KEYS, "")
    model_arn = check_configured_audience_model_arn(
        parse_str(_required(raw, KEY_MODEL_ARN, KEY_MODEL_ARN), KEY_MODEL_ARN), KEY_MODEL_ARN
    )
    seed = _object(_required(raw, KEY_SEED, KEY_SEED), KEY_SEED, SEED_KEYS)
    role_field = f"{KEY_SEED}.{KEY_ROLE_ARN}"
    role_arn = check_role_arn(
        parse_str(_required(seed, KEY_ROLE_ARN, role_field), role_field), role_field
    )
    check_role_partition(
        role_arn, arn_partition(model_arn), role_field, of="the configured audience model"
    )
    data_source_raw, sql_raw = seed.get(KEY_DATA_SOURCE), seed.get(KEY_SQL)
    compute_raw = seed.get(KEY_COMPUTE)
    check_seed_source(
        has_data_source=data_source_raw is not None,
        has_sql=sql_raw is not None,
        has_compute=compute_raw is not None,
        field=KEY_SEED,
        compute_field=f"{KEY_SEED}.{KEY_COMPUTE}",
    )
    s3_uri = None
    if data_source_raw is not None:
        source_field = f"{KEY_SEED}.{KEY_DATA_SOURCE}"
        source = _object(data_source_raw, source_field, (KEY_S3_URI,))
        uri_field = f"{source_field}.{KEY_S3_URI}"
        s3_uri = check_s3_uri(
            parse_str(_required(source, KEY_S3_URI, uri_field), uri_field), uri_field
        )
    sql = None if sql_raw is None else _parse_sql(sql_raw, f"{KEY_SEED}.{KEY_SQL}")
    compute = (
        None if compute_raw is None else _parse_compute(compute_raw, f"{KEY_SEED}.{KEY_COMPUTE}")
    )
    include_raw = raw.get(KEY_INCLUDE_SEED)
    include_seed = False if include_raw is None else parse_bool(include_raw, KEY_INCLUDE_SEED)
    collaboration_raw = raw.get(KEY_COLLABORATION_ID)
    collaboration_id = (
        None
        if collaboration_raw is None
        else check_collaboration_id(
            parse_str(collaboration_raw, KEY_COLLABORATION_ID), KEY_COLLABORATION_ID
        )
    )
    name = raw.get(KEY_NAME)
    if name is not None:
        name = check_name(parse_str(name, KEY_NAME), KEY_NAME)
    description = raw.get(KEY_DESCRIPTION)
    if description is not None:
        description = check_description(parse_str(description, KEY_DESCRIPTION), KEY_DESCRIPTION)
    tags_raw = raw.get(KEY_TAGS)
    tags = () if tags_raw is None else _parse_tags(tags_raw)
    wait_raw = raw.get(KEY_WAIT)
    wait = True if wait_raw is None else parse_bool(wait_raw, KEY_WAIT)
    timeout_raw = raw.get(KEY_TIMEOUT)
    return GenerationJobProperties(
        configured_audience_model_arn=model_arn,
        role_arn=role_arn,
        s3_uri=s3_uri,
        sql=sql,
        compute=compute,
        include_seed_in_output=include_seed,
        collaboration_id=collaboration_id,
        name=name,
        description=description,
        tags=tags,
        wait_for_completion=wait,
        timeout_seconds=(
            TIMEOUT_MAX_SECONDS
            if timeout_raw is None
            else check_timeout_seconds(parse_int(timeout_raw, KEY_TIMEOUT), KEY_TIMEOUT)
        ),
        signal=parse_signal(raw, wait_for_completion=wait),
    )
