"""The CloudFormation resource types this library declares (standard library only).

Here, not in the construct module, so the offline harness can name them without aws-cdk-lib.
:data:`SERVED` is the one list of the types users declare; the provider's descriptions are
derived from it, so a new resource type is named there by adding it here.
"""

from __future__ import annotations

from typing import Final

from cdk_cleanrooms_ml._handler.fields.audience_export import EXPORT_RESOURCE_TYPE
from cdk_cleanrooms_ml._handler.fields.audience_generation_job import GENERATION_JOB_RESOURCE_TYPE
from cdk_cleanrooms_ml._handler.fields.audience_model import AUDIENCE_MODEL_RESOURCE_TYPE
from cdk_cleanrooms_ml._handler.fields.configured_audience_model import (
    CONFIGURED_MODEL_RESOURCE_TYPE,
)
from cdk_cleanrooms_ml._handler.fields.configured_audience_model_association import (
    ASSOCIATION_RESOURCE_TYPE,
)
from cdk_cleanrooms_ml._handler.fields.configured_audience_model_policy import (
    POLICY_RESOURCE_TYPE,
)

RESOURCE_TYPE: Final = EXPORT_RESOURCE_TYPE
# Each type users declare -> what it is, in words. (The provider's drain is its own resource,
# never declared by users: not listed.)
SERVED: Final[dict[str, str]] = {
    EXPORT_RESOURCE_TYPE: "audience exports",
    GENERATION_JOB_RESOURCE_TYPE: "audience generation jobs",
    AUDIENCE_MODEL_RESOURCE_TYPE: "audience models",
    CONFIGURED_MODEL_RESOURCE_TYPE: "configured audience models",
    POLICY_RESOURCE_TYPE: "their resource policies",
    ASSOCIATION_RESOURCE_TYPE: "their collaboration associations",
}
# Lambda's limit on a function's description.
FUNCTION_DESCRIPTION_MAX: Final = 256


def role_description() -> str:
    """The provider role's description: every resource type it serves, by name."""
    return f"Runs the handler of {', '.join(SERVED)}"


def function_description() -> str:
    """The provider function's description: every kind of resource it serves, in words (the
    type names of all of them would not fit Lambda's 256 characters for long)."""
    return f"AWS Clean Rooms ML provider: {', '.join(SERVED.values())}"


__all__ = [
    "ASSOCIATION_RESOURCE_TYPE",
    "AUDIENCE_MODEL_RESOURCE_TYPE",
    "CONFIGURED_MODEL_RESOURCE_TYPE",
    "GENERATION_JOB_RESOURCE_TYPE",
    "POLICY_RESOURCE_TYPE",
    "RESOURCE_TYPE",
    "SERVED",
    "function_description",
    "role_description",
]
