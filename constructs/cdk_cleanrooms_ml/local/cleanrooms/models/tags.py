"""TagResource, UntagResource and ListTagsForResource on Clean Rooms' side: the resource is a
configured audience model association, named by its ARN (Clean Rooms ML's resources are tagged
through that service's own tag operations)."""

from __future__ import annotations

from collections.abc import Mapping

from ..exceptions import not_found
from .configured_audience_model_associations import ConfiguredAudienceModelAssociation
from .state import CleanRoomsState


class AssociationTags(CleanRoomsState):
    """The tag operations of the backend."""

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        with self.lock:
            self._tagged(arn).tags.update(tags)
            self.changed()

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            association = self._tagged(arn)
            for key in keys:
                association.tags.pop(key, None)
            self.changed()

    def list_tags_for_resource(self, arn: str) -> dict[str, object]:
        with self.lock:
            return {"tags": dict(self._tagged(arn).tags)}

    def _tagged(self, arn: str) -> ConfiguredAudienceModelAssociation:
        # Any ARN that names no association here is a resource not found.
        association = self.associations.get(arn)
        if association is None:
            raise not_found("Resource", arn)
        return association
