"""Every resource type the provider serves, one module each, in one table.

Each module implements :class:`base.ResourceHandler`; ``index`` dispatches every event, the
polls after an answer included, through :data:`HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..fields import audience_export as export_fields
from ..fields import audience_generation_job as job_fields
from ..fields import audience_model as model_fields
from ..fields import configured_audience_model as configured_fields
from ..fields import configured_audience_model_association as association_fields
from ..fields import configured_audience_model_policy as policy_fields
from ..fields import final_attributes as reader_fields
from ..fields import provider_allow_lists as allow_fields
from ..fields import provider_drain as drain_fields
from . import (
    audience_export,
    audience_generation_job,
    audience_model,
    configured_audience_model,
    configured_audience_model_association,
    configured_audience_model_policy,
    final_attributes,
    provider_allow_lists,
    provider_drain,
)
from .base import ResourceHandler

HANDLERS: Final[Mapping[str, ResourceHandler]] = {
    export_fields.EXPORT_RESOURCE_TYPE: audience_export,
    job_fields.GENERATION_JOB_RESOURCE_TYPE: audience_generation_job.HANDLER,
    model_fields.AUDIENCE_MODEL_RESOURCE_TYPE: audience_model.HANDLER,
    configured_fields.CONFIGURED_MODEL_RESOURCE_TYPE: configured_audience_model.HANDLER,
    policy_fields.POLICY_RESOURCE_TYPE: configured_audience_model_policy,
    association_fields.ASSOCIATION_RESOURCE_TYPE: configured_audience_model_association.HANDLER,
    drain_fields.DRAIN_RESOURCE_TYPE: provider_drain,
    reader_fields.FINAL_ATTRIBUTES_RESOURCE_TYPE: final_attributes.HANDLER,
    allow_fields.ALLOW_LISTS_RESOURCE_TYPE: provider_allow_lists.HANDLER,
}


# A template may name its own ``Custom::`` type: a required property then tells the resource
# apart (none of these is an export's).
_BY_PROPERTY: Final[Mapping[str, ResourceHandler]] = {
    job_fields.KEY_MODEL_ARN: audience_generation_job.HANDLER,
    model_fields.KEY_TRAINING_DATASET_ARN: audience_model.HANDLER,
    configured_fields.KEY_OUTPUT_S3_URI: configured_audience_model.HANDLER,
    policy_fields.KEY_POLICY: configured_audience_model_policy,
    association_fields.KEY_MEMBERSHIP_ID: configured_audience_model_association.HANDLER,
    reader_fields.KEY_WAIT_CONDITION_DATA: final_attributes.HANDLER,
    allow_fields.KEY_ALLOWED_JOB_ARNS: provider_allow_lists.HANDLER,
}


def handler_for(event: Mapping[str, Any]) -> ResourceHandler:
    """The handler of the event's resource type (or of its properties, for a type of the
    template's own naming; an export's otherwise)."""
    found = HANDLERS.get(str(event.get("ResourceType", "")))
    if found is not None:
        return found
    properties = event.get("ResourceProperties")
    if isinstance(properties, Mapping):
        for key, handler in _BY_PROPERTY.items():
            if key in properties:
                return handler
    return audience_export
