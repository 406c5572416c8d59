"""TagResource, UntagResource and ListTagsForResource, on whichever taggable resource the ARN
names (generation jobs are the only taggable resources served)."""

from __future__ import annotations

from collections.abc import Mapping

from ..exceptions import ServiceError
from .audience_generation_jobs import GenerationJob
from .state import BackendState


class ResourceTags(BackendState):
    """The tag operations of the backend."""

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        with self.lock:
            job = self._taggable(arn)
            job.tags.update(tags)
            self.changed(job)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            job = self._taggable(arn)
            for key in keys:
                job.tags.pop(key, None)
            self.changed(job)

    def list_tags_for_resource(self, arn: str) -> dict[str, object]:
        with self.lock:
            return {"tags": dict(self._taggable(arn).tags)}

    def _taggable(self, arn: str) -> GenerationJob:
        # Any ARN that names no taggable resource here is a resource not found.
        try:
            return self.generation_job(arn)
        except ServiceError:
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found") from None
