"""TagResource, UntagResource and ListTagsForResource on the wire: the same three operations in
Clean Rooms ML and in Clean Rooms, each endpoint answering them from its own backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class TaggingBackend(Protocol):
    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None: ...
    def untag_resource(self, arn: str, keys: list[str]) -> None: ...
    def list_tags_for_resource(self, arn: str) -> dict[str, object]: ...


class TagResponses:
    """The tag operations of an endpoint; ``tagging`` is the backend that tags its resources."""

    @property
    def tagging(self) -> TaggingBackend:
        raise NotImplementedError  # each endpoint names its backend

    def tag_resource(self, params: dict[str, object]) -> dict[str, object]:
        tags = params["tags"]
        assert isinstance(tags, dict)  # the model check guarantees it
        self.tagging.tag_resource(str(params["resourceArn"]), tags)
        return {}

    def untag_resource(self, params: dict[str, object]) -> dict[str, object]:
        keys = params["tagKeys"]
        assert isinstance(keys, list)  # the model check guarantees it
        self.tagging.untag_resource(str(params["resourceArn"]), [str(key) for key in keys])
        return {}

    def list_tags_for_resource(self, params: dict[str, object]) -> dict[str, object]:
        return self.tagging.list_tags_for_resource(str(params["resourceArn"]))
