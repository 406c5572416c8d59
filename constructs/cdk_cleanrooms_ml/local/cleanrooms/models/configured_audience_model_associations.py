"""Configured audience model associations: Create, Get, Update, List and Delete
ConfiguredAudienceModelAssociation.

An association brings a Clean Rooms ML configured audience model into a membership, under a
name. It is only a record (the shape has no status), so it exists as soon as it is made and is
gone as soon as it is deleted. The membership must be one the seed lists; the configured model
one the Clean Rooms ML backend of the same endpoint knows (made through its API, or seeded for
generation jobs). Within a membership, names are unique and a configured model is associated
once: either clash is a ConflictException. Update changes ``name`` and ``description`` only; a
name another association of the membership has is a ValidationException (the API lists no
ConflictException for Update, so Validation is the assumption, as for Put of a configured
model's policy). A ``description`` of "" is no description.

``manageResourcePolicies`` is recorded and answered, nothing more. The service says that with it
Clean Rooms manages the configured model's resource policy for the collaboration, but documents
neither the policy it writes nor when it writes or removes it; so the configured model's policy
(:mod:`...cleanroomsml.models.configured_audience_model_policies`) is left as it is rather than
changed in a way the real service may not.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...cleanroomsml.models.statuses import iso
from ..exceptions import conflict, invalid, not_found
from .state import CleanRoomsState


@dataclass
class ConfiguredAudienceModelAssociation:
    id: str
    arn: str
    membership_id: str
    membership_arn: str
    collaboration_id: str
    collaboration_arn: str
    name: str
    configured_audience_model_arn: str
    manage_resource_policies: bool
    created_at: float
    updated_at: float
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> ConfiguredAudienceModelAssociation:
        return cls(**item)

    def summary(self) -> dict[str, object]:
        """The ListConfiguredAudienceModelAssociations item."""
        item: dict[str, object] = {
            "id": self.id,
            "arn": self.arn,
            "membershipId": self.membership_id,
            "membershipArn": self.membership_arn,
            "collaborationId": self.collaboration_id,
            "collaborationArn": self.collaboration_arn,
            "name": self.name,
            "configuredAudienceModelArn": self.configured_audience_model_arn,
            "createTime": iso(self.created_at),
            "updateTime": iso(self.updated_at),
        }
        if self.description is not None:
            item["description"] = self.description
        return item

    def describe(self) -> dict[str, object]:
        """The ConfiguredAudienceModelAssociation that Create, Get and Update answer."""
        return {**self.summary(), "manageResourcePolicies": self.manage_resource_policies}


class ConfiguredAudienceModelAssociations(CleanRoomsState):
    """The association operations of the backend."""

    def create_configured_audience_model_association(
        self, params: Mapping[str, Any]
    ) -> dict[str, object]:
        """Make an association, or raise the error the service would answer."""
        with self.lock:
            membership = self.membership(str(params["membershipIdentifier"]))
            model_arn = str(params["configuredAudienceModelArn"])
            if model_arn not in self.ml.configured_models and (
                model_arn not in self.ml.configured_audience_models
            ):
                raise not_found("Configured audience model", model_arn)
            name = str(params["configuredAudienceModelAssociationName"])
            self._unclaimed(membership.id, name, model_arn)
            association_id = str(uuid.uuid4())
            now = self.clock()
            association = ConfiguredAudienceModelAssociation(
                id=association_id,
                arn=self.association_arn(membership, association_id),
                membership_id=membership.id,
                membership_arn=membership.arn(self.arn_prefix),
                collaboration_id=membership.collaboration_id,
                collaboration_arn=membership.collaboration_arn(self.arn_prefix),
                name=name,
                configured_audience_model_arn=model_arn,
                manage_resource_policies=bool(params["manageResourcePolicies"]),
                created_at=now,
                updated_at=now,
                description=params.get("description") or None,
                tags=dict(params.get("tags") or {}),
            )
            self.associations[association.arn] = association
            self.changed()
            return association.describe()

    def get_configured_audience_model_association(
        self, membership_id: str, association_id: str
    ) -> dict[str, object]:
        with self.lock:
            return self.association(membership_id, association_id).describe()

    def list_configured_audience_model_associations(
        self, membership_id: str
    ) -> list[dict[str, object]]:
        """The membership's associations (all pages), oldest first."""
        with self.lock:
            self.membership(membership_id)
            found = [a for a in self.associations.values() if a.membership_id == membership_id]
            return [a.summary() for a in sorted(found, key=lambda a: a.created_at)]

    def update_configured_audience_model_association(
        self, params: Mapping[str, Any]
    ) -> dict[str, object]:
        """Change the name and the description the request carries, and only those."""
        with self.lock:
            association = self.association(
                str(params["membershipIdentifier"]),
                str(params["configuredAudienceModelAssociationIdentifier"]),
            )
            name, description = params.get("name"), params.get("description")
            if name is not None and name != association.name:
                self._name_free(association.membership_id, str(name))
                association.name = str(name)
            if description is not None:
                association.description = str(description) or None
            if name is not None or description is not None:
                association.updated_at = self.clock()
                self.changed()
            return association.describe()

    def delete_configured_audience_model_association(
        self, membership_id: str, association_id: str
    ) -> None:
        with self.lock:
            association = self.association(membership_id, association_id)
            del self.associations[association.arn]
            self.changed()

    def _unclaimed(self, membership_id: str, name: str, model_arn: str) -> None:
        """Neither the name nor the configured model is taken in the membership."""
        for other in self.associations.values():
            if other.membership_id != membership_id:
                continue
            if other.name == name:
                raise conflict(
                    f"An association named {name} already exists in membership {membership_id}",
                    other.id,
                )
            if other.configured_audience_model_arn == model_arn:
                raise conflict(
                    f"Configured audience model {model_arn} is already associated with "
                    f"membership {membership_id} (association {other.id})",
                    other.id,
                )

    def _name_free(self, membership_id: str, name: str) -> None:
        """An Update's new name is not another association's in the membership."""
        for other in self.associations.values():
            if other.membership_id == membership_id and other.name == name:
                raise invalid(
                    [
                        f"name: association {other.id} of membership {membership_id} is "
                        f"already named {name}"
                    ]
                )
