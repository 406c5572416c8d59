"""Which REST path and method is which Clean Rooms operation, and which requests are this
service's at all.

``/memberships/{membershipIdentifier}/configuredaudiencemodelassociations[/{id}]`` is Clean
Rooms' alone. ``/tags/{resourceArn}`` is Clean Rooms ML's path too, so a tags request belongs to
the service it is signed for (the SigV4 credential scope ends ``/<region>/cleanrooms/aws4_request``
for this one, ``/cleanrooms-ml/`` for the other); an unsigned one to the service its ARN names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

from ..server import Request
from . import operations as op

SIGNING_NAME: Final = "cleanrooms"
MEMBERSHIPS_PREFIX: Final = "/memberships/"
ASSOCIATIONS: Final = "configuredaudiencemodelassociations"
TAGS_PREFIX: Final = "/tags/"
_SCOPE: Final = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
_COLLECTION: Final[Mapping[str, str]] = {
    "POST": op.CREATE_ASSOCIATION,
    "GET": op.LIST_ASSOCIATIONS,
}
_ITEM: Final[Mapping[str, str]] = {
    "GET": op.GET_ASSOCIATION,
    "PATCH": op.UPDATE_ASSOCIATION,
    "DELETE": op.DELETE_ASSOCIATION,
}
_TAGS: Final[Mapping[str, str]] = {"POST": op.TAG, "DELETE": op.UNTAG, "GET": op.LIST_TAGS}


def signing_service(request: Request) -> str | None:
    """The service a SigV4-signed request is signed for; None when it is not signed."""
    match = _SCOPE.search(request.headers.get("authorization", ""))
    return None if match is None else match.group(1)


def for_cleanrooms(request: Request) -> bool:
    """A ``/tags/`` request that is Clean Rooms', not Clean Rooms ML's."""
    if not request.path.startswith(TAGS_PREFIX):
        return False
    service = signing_service(request)
    if service is None:
        arn_parts = unquote(request.path[len(TAGS_PREFIX) :]).split(":")
        service = arn_parts[2] if len(arn_parts) > 2 else None
    return service == SIGNING_NAME


def association_labels(path: str) -> tuple[str, str | None] | None:
    """The membership and association identifiers (None for the collection) of an association
    path; None for any other path."""
    if not path.startswith(MEMBERSHIPS_PREFIX):
        return None
    parts = path[len(MEMBERSHIPS_PREFIX) :].split("/")
    if len(parts) not in (2, 3) or parts[1] != ASSOCIATIONS:
        return None
    return unquote(parts[0]), (unquote(parts[2]) if len(parts) == 3 else None)


def served(request: Request) -> bool:
    return association_labels(request.path) is not None or for_cleanrooms(request)


def operation_for(method: str, path: str) -> str | None:
    if path.startswith(TAGS_PREFIX):
        return _TAGS.get(method)
    labels = association_labels(path)
    if labels is None:
        return None
    return (_COLLECTION if labels[1] is None else _ITEM).get(method)
