"""``Custom::CleanRoomsMlConfiguredAudienceModelAssociation``: what each request means for a
configured audience model's association with a collaboration (in the model owner's
membership), through the cleanrooms API.

Create and Update follow :mod:`engines.lifecycle`: adopt (by name, in the membership, with the
ownership tag) or create; it exists at once. The name and the description change in place
(UpdateConfiguredAudienceModelAssociation), as do tags; the membership, the configured model
and ``ManageResourcePolicies`` make a new one (under a new derived name; a given name must be
changed too). Delete deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import clients, continuation
from ..engines import ownership
from ..engines.kind import Kind
from ..fields import configured_audience_model_association as fields
from . import configured_audience_model_association_calls as calls
from .base import KindHandler, stack_name
from .configured_audience_model_association_calls import Association, AssociationTarget

RESOURCE_TYPE: Final = fields.ASSOCIATION_RESOURCE_TYPE


def parse(properties: object, event: Mapping[str, Any]) -> AssociationTarget:
    """The association the properties ask for (``rules.RuleError`` when not valid)."""
    props = fields.parse_properties(properties)
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    return AssociationTarget(
        props,
        props.association_name(f"{stack_name(stack_id)}/{logical_id}"),
        ownership.owner(stack_id, logical_id),
    )


KIND: Final[Kind[AssociationTarget, Association]] = Kind(
    what=calls.WHAT,
    noun="association",
    phase=continuation.PHASE_MODEL,
    start_action=calls.CREATE,
    slot="configured audience model association",
    listed_where=" in the membership",
    words=calls.WORDS,
    is_id=calls.is_association_arn,
    parse=parse,
    get=calls.get_association,
    find=calls.find_association,
    start=calls.create_association,
    differences=calls.differences,
    ask_deletion=calls.delete_association,
    updatable=tuple(key for keys in fields.UPDATABLE.values() for key in keys),
    apply_update=calls.update_association,
    renames_in_place=True,
    client=clients.cleanrooms,
)
HANDLER: Final = KindHandler(KIND)
