"""What the Clean Rooms resource models share, all of it borrowed from the Clean Rooms ML
backend of the same endpoint: its lock, clock, region, account and state file.

One endpoint, one state: associations are kept in the Clean Rooms ML state file under
:data:`ASSOCIATIONS_KEY` (a section that backend writes with its own resources, see
:attr:`BackendState.sections`), and the configured audience models they name are that backend's.
Memberships come from the seed and are not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from ...cleanroomsml.models.state import BackendState
from ..exceptions import not_found
from .memberships import Membership

if TYPE_CHECKING:
    from .configured_audience_model_associations import ConfiguredAudienceModelAssociation

ASSOCIATIONS_KEY: Final = "configuredAudienceModelAssociations"


class CleanRoomsState:
    """The state the operations work on (call its methods under ``lock``)."""

    ml: BackendState
    memberships: dict[str, Membership]
    # By ARN (which names the membership and the id).
    associations: dict[str, ConfiguredAudienceModelAssociation]

    @property
    def lock(self) -> threading.RLock:
        return self.ml.lock

    @property
    def clock(self) -> Callable[[], float]:
        return self.ml.clock

    @property
    def arn_prefix(self) -> str:
        """What every ARN this endpoint makes starts with."""
        return f"arn:aws:cleanrooms:{self.ml.region}:{self.ml.account_id}:"

    def changed(self) -> None:
        """Write the state file: the associations, with the Clean Rooms ML resources."""
        self.ml.save()

    def membership(self, membership_id: str) -> Membership:
        """The seeded membership ``membership_id``, or the service's not-found error."""
        membership = self.memberships.get(membership_id)
        if membership is None:
            raise not_found("Membership", membership_id, "MEMBERSHIP")
        return membership

    def association_arn(self, membership: Membership, association_id: str) -> str:
        return (
            f"{membership.arn(self.arn_prefix)}/configuredaudiencemodelassociation/{association_id}"
        )

    def association(
        self, membership_id: str, association_id: str
    ) -> ConfiguredAudienceModelAssociation:
        """The association ``association_id`` of the membership, or the not-found error (one
        of another membership is not found here either)."""
        membership = self.membership(membership_id)
        found = self.associations.get(self.association_arn(membership, association_id))
        if found is None:
            raise not_found("Configured audience model association", association_id)
        return found
