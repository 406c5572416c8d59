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
from ..fields import provider_drain as drain_fields
from . import audience_export, audience_generation_job, audience_model, provider_drain
from .base import ResourceHandler

HANDLERS: Final[Mapping[str, ResourceHandler]] = {
    export_fields.EXPORT_RESOURCE_TYPE: audience_export,
    job_fields.GENERATION_JOB_RESOURCE_TYPE: audience_generation_job,
    model_fields.AUDIENCE_MODEL_RESOURCE_TYPE: audience_model,
    drain_fields.DRAIN_RESOURCE_TYPE: provider_drain,
}


def handler_for(event: Mapping[str, Any]) -> ResourceHandler:
    """The handler of the event's resource type. A template may name its own ``Custom::`` type:
    a generation job's required property then tells it apart from an export."""
    found = HANDLERS.get(str(event.get("ResourceType", "")))
    if found is not None:
        return found
    properties = event.get("ResourceProperties")
    if isinstance(properties, Mapping) and job_fields.KEY_MODEL_ARN in properties:
        return audience_generation_job
    return audience_export
