"""ARN rules: the job, model, dataset, key, role and analysis template ARNs, and partitions.

The patterns are the service model's (``cleanroomsml/2023-09-06``), matched as Java would.
"""

from __future__ import annotations

import re
from typing import Final

from .rules import RuleError, check_length, check_pattern

JOB_ARN_MIN: Final = 20
JOB_ARN_MAX: Final = 2048
MODEL_ARN_MIN: Final = 20
MODEL_ARN_MAX: Final = 2048
ROLE_ARN_MIN: Final = 20
ROLE_ARN_MAX: Final = 2048
TEMPLATE_ARN_MAX: Final = 200

# Java's "." matches any code point but its line terminators.
JAVA_DOT: Final = "[^\n\r\u0085\u2028\u2029]"
_JOB_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-generation-job/[-a-zA-Z0-9_/.]+"
)
_MODEL_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:configured-audience-model/[-a-zA-Z0-9_/.]+"
)
_AUDIENCE_MODEL_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-model/[-a-zA-Z0-9_/.]+"
)
_TRAINING_DATASET_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:training-dataset/[-a-zA-Z0-9_/.]+"
)
_KMS_KEY_ARN: Final = re.compile(f"arn:aws[-a-z]*:kms:[-a-z0-9]+:[0-9]{{12}}:key/{JAVA_DOT}+")
_ROLE_ARN: Final = re.compile(f"arn:aws[-a-z]*:iam::[0-9]{{12}}:role/{JAVA_DOT}+")
# The model's \w and \d, ASCII-only as in Java.
_TEMPLATE_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms:[A-Za-z0-9_]{2}-[A-Za-z0-9_]{4,9}-[0-9]:[0-9]{12}:"
    r"membership/[A-Za-z0-9_-]+/analysistemplate/[A-Za-z0-9_-]+"
)
_ARN_PARTITION: Final = re.compile(r"arn:(aws[-a-z]*):")


def check_job_arn(value: str, field: str = "audience_generation_job_arn") -> str:
    """20-2048 characters, an audience generation job ARN."""
    check_length(field, value, JOB_ARN_MIN, JOB_ARN_MAX)
    if not _JOB_ARN.fullmatch(value):
        raise RuleError(
            field,
            f"{value[:80]!r} is not an audience generation job ARN (arn:<partition>:"
            "cleanrooms-ml:<region>:<12-digit account>:audience-generation-job/<id>)",
        )
    return value


def check_configured_audience_model_arn(
    value: str, field: str = "configured_audience_model_arn"
) -> str:
    """20-2048 characters, a configured audience model ARN."""
    check_length(field, value, MODEL_ARN_MIN, MODEL_ARN_MAX)
    check_pattern(
        field,
        value,
        _MODEL_ARN,
        "a configured audience model ARN (arn:<partition>:cleanrooms-ml:<region>:"
        "<12-digit account>:configured-audience-model/<id>)",
    )
    return value


def _check_ml_arn(value: str, field: str, pattern: re.Pattern[str], what: str, kind: str) -> str:
    check_length(field, value, MODEL_ARN_MIN, MODEL_ARN_MAX)
    check_pattern(
        field,
        value,
        pattern,
        f"{what} (arn:<partition>:cleanrooms-ml:<region>:<12-digit account>:{kind}/<id>)",
    )
    return value


def check_audience_model_arn(value: str, field: str = "audience_model_arn") -> str:
    """20-2048 characters, an audience model ARN."""
    return _check_ml_arn(
        value, field, _AUDIENCE_MODEL_ARN, "an audience model ARN", "audience-model"
    )


def check_training_dataset_arn(value: str, field: str = "training_dataset_arn") -> str:
    """20-2048 characters, a training dataset ARN."""
    return _check_ml_arn(
        value, field, _TRAINING_DATASET_ARN, "a training dataset ARN", "training-dataset"
    )


def check_kms_key_arn(value: str, field: str = "kms_key") -> str:
    """20-2048 characters, a KMS key ARN (an alias is not accepted)."""
    check_length(field, value, MODEL_ARN_MIN, MODEL_ARN_MAX)
    check_pattern(
        field,
        value,
        _KMS_KEY_ARN,
        "a KMS key ARN (arn:<partition>:kms:<region>:<12-digit account>:key/<key id>, one line)",
    )
    return value


def check_role_arn(value: str, field: str = "role") -> str:
    """20-2048 characters, an IAM role ARN (the seed audience's role)."""
    check_length(field, value, ROLE_ARN_MIN, ROLE_ARN_MAX)
    check_pattern(
        field,
        value,
        _ROLE_ARN,
        "an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>, one line)",
    )
    return value


def check_analysis_template_arn(value: str, field: str = "analysis_template_arn") -> str:
    """At most 200 characters, an analysis template ARN (sensitive: never echoed)."""
    check_length(field, value, 1, TEMPLATE_ARN_MAX)
    if not _TEMPLATE_ARN.fullmatch(value):
        raise RuleError(
            field,
            "is not an analysis template ARN (arn:<partition>:cleanrooms:<region>:"
            "<12-digit account>:membership/<id>/analysistemplate/<id>)",
        )
    return value


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
