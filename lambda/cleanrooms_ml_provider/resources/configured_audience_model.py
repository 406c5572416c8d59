"""``Custom::CleanRoomsMlConfiguredAudienceModel``: what each request means for a configured
audience model (the model owner's offer of an audience model to seed owners).

Create and Update follow :mod:`engines.lifecycle`: adopt or create by name (it is ACTIVE at
once); what UpdateConfiguredAudienceModel takes (the audience model, the output, the shared
metrics, the minimum seed size, the size bins, the description) changes in place, as do tags;
the child-resource tag policy and the name replace it. Delete deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import continuation, waiting
from ..engines import ownership
from ..engines.kind import Kind
from ..fields import configured_audience_model as fields
from . import configured_audience_model_calls as models
from .base import KindHandler, check_signal, stack_name
from .configured_audience_model_calls import (
    ConfiguredModel,
    ConfiguredModelTarget,
    is_model_arn,
)

RESOURCE_TYPE: Final = fields.CONFIGURED_MODEL_RESOURCE_TYPE


def parse(properties: object, event: Mapping[str, Any]) -> ConfiguredModelTarget:
    """The configured model the properties ask for (``rules.RuleError`` when not valid)."""
    props = fields.parse_properties(properties)
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    check_signal(props.signal, stack_id)
    return ConfiguredModelTarget(
        props,
        props.model_name(f"{stack_name(stack_id)}/{logical_id}"),
        ownership.owner(stack_id, logical_id),
    )


def _find(
    target: ConfiguredModelTarget, budget: waiting.Budget, attempts: int | None
) -> str | None:
    return models.find_model(target.name, budget, attempts)


def _create(target: ConfiguredModelTarget, budget: waiting.Budget) -> str:
    return models.create_model(target.request, budget)


KIND: Final[Kind[ConfiguredModelTarget, ConfiguredModel]] = Kind(
    what=models.WHAT,
    noun="configured-model",
    phase=continuation.PHASE_MODEL,
    start_action=models.CREATE,
    slot="configured audience model",
    listed_where=" in the account",
    words=models.WORDS,
    is_id=is_model_arn,
    parse=parse,
    get=models.get_model,
    find=_find,
    start=_create,
    differences=models.differences,
    ask_deletion=models.delete_model,
    updatable=tuple(key for keys in fields.UPDATABLE.values() for key in keys),
    apply_update=models.update_model,
)
HANDLER: Final = KindHandler(KIND)
