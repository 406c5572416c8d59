"""TagResource, UntagResource and ListTagsForResource, on whichever taggable resource the ARN
names: a generation job, a training dataset, an audience model or a configured audience model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ..exceptions import ServiceError
from .state import BackendState


class Taggable(Protocol):
    arn: str
    tags: dict[str, str]


class ResourceTags(BackendState):
    """The tag operations of the backend."""

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        with self.lock:
            resource = self._taggable(arn)
            resource.tags.update(tags)
            self.changed(resource)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            resource = self._taggable(arn)
            for key in keys:
                resource.tags.pop(key, None)
            self.changed(resource)

    def list_tags_for_resource(self, arn: str) -> dict[str, object]:
        with self.lock:
            return {"tags": dict(self._taggable(arn).tags)}

    def _taggable(self, arn: str) -> Taggable:
        self.purge()
        found: Taggable | None = (
            self.generation_jobs.get(arn)
            or self.training_datasets.get(arn)
            or self.audience_models.get(arn)
            or self.configured_models.get(arn)
        )
        # Any ARN that names no taggable resource here is a resource not found.
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found")
        return found
