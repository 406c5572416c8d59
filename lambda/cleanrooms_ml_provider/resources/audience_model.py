"""``Custom::CleanRoomsMlAudienceModel``: what each request means for an audience model.

Create and Update follow :mod:`engines.lifecycle` (adopt or create by name, wait until the model
is trained and ACTIVE, tags in place, a new name is a new model: there is no update API, so a
derived name changes with every setting). Delete: delete the model and wait until it is gone, in
the background while it is still being trained (:mod:`engines.deletion`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import continuation, waiting
from ..engines import ownership
from ..engines.kind import Kind
from ..fields import audience_model as model_fields
from . import audience_model_calls as models
from .audience_model_calls import Model, ModelTarget, is_model_arn
from .base import KindHandler, check_signal, stack_name

RESOURCE_TYPE: Final = model_fields.AUDIENCE_MODEL_RESOURCE_TYPE


def parse(properties: object, event: Mapping[str, Any]) -> ModelTarget:
    """The model the properties ask for (``rules.RuleError`` when they are not valid)."""
    props = model_fields.parse_properties(properties)
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    check_signal(props.signal, stack_id)
    return ModelTarget(
        props,
        props.model_name(f"{stack_name(stack_id)}/{logical_id}"),
        ownership.owner(stack_id, logical_id),
    )


def _find(target: ModelTarget, budget: waiting.Budget, attempts: int | None) -> str | None:
    return models.find_model(target.name, budget, attempts)


def _create(target: ModelTarget, budget: waiting.Budget) -> str:
    return models.create_model(target.request, budget)


KIND: Final[Kind[ModelTarget, Model]] = Kind(
    what=models.WHAT,
    noun="model",
    phase=continuation.PHASE_MODEL,
    start_action=models.CREATE_MODEL,
    slot="audience model",
    listed_where=" in the account",
    words=models.WORDS,
    is_id=is_model_arn,
    parse=parse,
    get=models.get_model,
    find=_find,
    start=_create,
    differences=models.differences,
    ask_deletion=models.delete_model,
)
HANDLER: Final = KindHandler(KIND)
