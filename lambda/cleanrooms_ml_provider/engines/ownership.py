"""What a resource started by this provider carries: the ownership tag (which stack resource
started it, checked before adopting it), its own tags set in place, and its settings as the
service shows them, compared with those asked for."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from .. import clients
from .. import tags as tag_rules
from ..clock import Clock
from ..service_errors import RequestError, Words, mapped_errors
from ..statuses import DELETE_FAILED, DELETING

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient

TAG: Final = "TagResource"
UNTAG: Final = "UntagResource"
# Tag keys with this prefix belong to AWS: never compared, added or removed.
AWS_TAG_PREFIX: Final = "aws:"
# The provider's own tags (the ownership tag, a refused policy update's mark): never the user's.
LIBRARY_TAG_PREFIX: Final = "cdk-cleanrooms-ml:"


def owner(stack_id: str, logical_id: str) -> str:
    """``<stack id>/<logical id>``: unique to one resource of one stack, even across a stack
    deleted and created again under the same name (a new stack id)."""
    readable = f"{stack_id}/{logical_id}"
    if len(readable) <= tag_rules.TAG_VALUE_MAX:
        return readable
    return "sha256:" + hashlib.sha256(readable.encode("utf-8")).hexdigest()


def check_adoptable(
    what: str, name: str, different: list[str], *, tags: Mapping[str, str], owner: str, status: str
) -> None:
    """A found resource of the request's name may be adopted: same settings (``different``
    names none), started by this very stack resource (its ownership tag), not being deleted."""
    if different:
        raise RequestError(
            f"Name: an {what} named {name} already exists with "
            f"other settings ({', '.join(different)}); choose another name (or omit Name)"
        )
    if tags.get(tag_rules.OWNER_TAG_KEY) != owner:
        # Adopting it would make this resource delete a resource it never started.
        raise RequestError(
            f"Name: an {what} named {name} already exists, started "
            "by another stack or resource; choose another name (or omit Name)"
        )
    if status in (*DELETING, DELETE_FAILED):
        raise RequestError(
            f"Name: {what} {name} is being deleted ({status}); "
            "deploy again once it is gone, or choose another name"
        )


def set_tags(
    arn: str,
    wanted: Mapping[str, str],
    current: Mapping[str, str],
    words: Words,
    *,
    clock: Clock,
    until: float,
    client: Callable[[float], Any] | None = None,
) -> tuple[list[str], list[str]]:
    """Make the resource's own tags ``wanted`` in place; (keys set, keys removed). AWS's tags
    and the provider's own (the ownership tag, ...) are left alone. ``client``: the service's
    client getter (default Clean Rooms ML's; both services tag alike)."""
    ours = {
        k: v
        for k, v in current.items()
        if not k.lower().startswith(AWS_TAG_PREFIX) and not k.startswith(LIBRARY_TAG_PREFIX)
    }
    to_set = {k: v for k, v in wanted.items() if ours.get(k) != v}
    to_remove = sorted(k for k in ours if k not in wanted)

    def send(action: str, call: Callable[[CleanRoomsMLClient], object]) -> None:
        with mapped_errors(action, arn, words):
            clients.call(
                lambda timeout: call((client or clients.cleanroomsml)(timeout)),
                clock=clock,
                until=until,
                action=action,
            )

    if to_set:
        send(TAG, lambda client: client.tag_resource(resourceArn=arn, tags=to_set))
    if to_remove:
        send(UNTAG, lambda client: client.untag_resource(resourceArn=arn, tagKeys=to_remove))
    return sorted(to_set), to_remove


def template_key(key: str) -> str:
    """The template's spelling of a request key: ``roleArn`` -> ``RoleArn``."""
    return key[:1].upper() + key[1:]


def covers(seen: object, wanted: object) -> bool:
    """``seen`` has every value of ``wanted`` (keys the service left out are not compared)."""
    if isinstance(wanted, Mapping):
        if not isinstance(seen, Mapping):
            return False
        return all(key not in seen or covers(seen[key], value) for key, value in wanted.items())
    return seen == wanted or str(seen) == str(wanted)
