"""The ``Tags`` of this library's resources: rendered at synth, checked by the service's rules."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import IStableAnyProducer, TagManager
from constructs import IValidation

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml.tokens import concrete


@jsii.implements(IStableAnyProducer)
class RenderedTags:
    """The ``Tags`` property: ``[{Key, Value}]`` sorted by key, or nothing."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self) -> Any:
        return self._tags.render_tags()


@jsii.implements(IValidation)
class TagsAreValid:
    """The service's tag rules on concrete tags, at synth (when ``Tags.of()`` has run)."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def validate(self) -> list[str]:
        # A token's length is known at deploy time only (the handler checks it then).
        known = {
            key: value if concrete(value) else ""
            for key, value in self._tags.tag_values().items()
            if concrete(key)
        }
        try:
            tag_rules.check_tags(known)
        except rules.ValidationError as error:
            return [str(error)]
        return []
