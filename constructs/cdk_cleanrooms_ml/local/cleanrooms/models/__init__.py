"""The Clean Rooms state: one model file per resource type, one backend method per operation.

``configured_audience_model_associations`` holds the associations and their operations,
``tags`` the tag operations, ``memberships`` the seeded memberships they are made in, ``state``
what they share with the Clean Rooms ML backend (lock, clock, state file).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ...cleanroomsml.models.state import BackendState
from ...errors import StateError
from .configured_audience_model_associations import (
    ConfiguredAudienceModelAssociation,
    ConfiguredAudienceModelAssociations,
)
from .memberships import Membership
from .state import ASSOCIATIONS_KEY
from .tags import AssociationTags

__all__ = [
    "ASSOCIATIONS_KEY",
    "CleanRoomsBackend",
    "ConfiguredAudienceModelAssociation",
    "Membership",
]


class CleanRoomsBackend(ConfiguredAudienceModelAssociations, AssociationTags):
    """Configured audience model associations in seeded memberships, kept with ``ml``'s
    resources (its state file, its lock)."""

    def __init__(self, ml: BackendState, memberships: list[Membership]) -> None:
        self.ml = ml
        self.memberships = {m.id: m for m in memberships}
        with ml.lock:
            self.associations = _restore(ml.saved_sections.get(ASSOCIATIONS_KEY, []), ml)
            ml.sections[ASSOCIATIONS_KEY] = self._saved

    def _saved(self) -> list[dict[str, object]]:
        return [asdict(association) for association in self.associations.values()]


def _restore(saved: Any, ml: BackendState) -> dict[str, ConfiguredAudienceModelAssociation]:
    """The associations an earlier run kept in the state file."""
    try:
        if not isinstance(saved, list):
            raise TypeError(f"expected a list, not {type(saved).__name__}")
        found = [ConfiguredAudienceModelAssociation.from_state(item) for item in saved]
    except (TypeError, ValueError) as error:
        raise StateError(
            f"state file {ml.state_file}: {ASSOCIATIONS_KEY} cannot be read ({error}); fix it, "
            "or remove the file to forget what it holds"
        ) from error
    return {association.arn: association for association in found}
