"""Tag rules: the service's limits, less the tag the provider marks its resources with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .rules import RuleError, check_length, object_of, parse_str, reject, required

# The request shape allows 200 tags, but the service documents at most 50 per resource.
SHAPE_TAGS_MAX: Final = 200
TAGS_MAX: Final = 50
TAG_KEY_MAX: Final = 128
TAG_VALUE_MAX: Final = 256
# The model's tag documentation reserves this prefix, in any case, for AWS.
RESERVED_TAG_PREFIX: Final = "aws:"
# The provider tags each resource it creates with the stack resource that owns it (stack id and
# logical id), and adopts only those carrying its own: so one of the 50 tags is taken.
OWNER_TAG_KEY: Final = "cdk-cleanrooms-ml:resource"
USER_TAGS_MAX: Final = TAGS_MAX - 1
# The template's spelling: a list of {Key, Value} objects.
KEY_TAGS: Final = "Tags"
KEY_TAG_KEY: Final = "Key"
KEY_TAG_VALUE: Final = "Value"


def check_tags(tags: Mapping[str, str], field: str = "tags") -> dict[str, str]:
    """At most 49 tags (the service's 50 less the provider's ownership tag); keys 1-128
    characters, not aws:-prefixed nor the ownership tag's; values at most 256."""
    if len(tags) > USER_TAGS_MAX:
        raise RuleError(
            field,
            f"{len(tags)} tags, at most {USER_TAGS_MAX} allowed (the service documents {TAGS_MAX} "
            f"per resource; one is the provider's {OWNER_TAG_KEY} tag)",
        )
    for key, value in tags.items():
        check_length(f"{field}.key", key, 1, TAG_KEY_MAX)
        if key[: len(RESERVED_TAG_PREFIX)].lower() == RESERVED_TAG_PREFIX:
            raise RuleError(f"{field}.{key[:40]}", "keys starting with aws: are reserved for AWS")
        if key == OWNER_TAG_KEY:
            raise RuleError(
                f"{field}.{key}", "is reserved: the provider marks the resources it creates with it"
            )
        check_length(f"{field}.{key[:40]}", value, 0, TAG_VALUE_MAX)
    return dict(tags)


def parse_tags(raw: object, field: str = KEY_TAGS) -> tuple[tuple[str, str], ...]:
    """The template's ``[{Key, Value}]`` list, as checked (key, value) pairs."""
    if not isinstance(raw, list):
        reject(field, raw, "a list of {Key, Value} objects")
    tags: dict[str, str] = {}
    for index, item in enumerate(raw):
        item_field = f"{field}[{index}]"
        tag = object_of(item, item_field, (KEY_TAG_KEY, KEY_TAG_VALUE))
        key_field, value_field = f"{item_field}.{KEY_TAG_KEY}", f"{item_field}.{KEY_TAG_VALUE}"
        key = parse_str(required(tag, KEY_TAG_KEY, key_field), key_field)
        value = parse_str(required(tag, KEY_TAG_VALUE, value_field), value_field)
        if key in tags:
            raise RuleError(key_field, f"duplicate tag key {key[:40]!r}")
        tags[key] = value
    return tuple(check_tags(tags, field).items())
