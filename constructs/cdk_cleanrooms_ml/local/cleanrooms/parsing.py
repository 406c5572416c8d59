"""From an HTTP request to a Clean Rooms operation's parameters, as the service's ``http``
bindings put them: the membership (and association) identifiers in the path, the rest in the
JSON body or the query string. The tag operations are bound as Clean Rooms ML binds its own, so
they are parsed by its parsers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ..cleanroomsml.parsing import PARSERS as CLEANROOMSML_PARSERS
from ..cleanroomsml.parsing import parse_body, parse_query
from ..server import Request
from . import operations as op
from .urls import association_labels


def _labels(request: Request) -> dict[str, object]:
    labels = association_labels(request.path)
    assert labels is not None  # routed here only for an association path
    membership, association = labels
    params: dict[str, object] = {"membershipIdentifier": membership}
    if association is not None:
        params["configuredAudienceModelAssociationIdentifier"] = association
    return params


def _with_body(request: Request) -> dict[str, object]:
    return {**parse_body(request), **_labels(request)}


def _with_query(request: Request) -> dict[str, object]:
    return {**parse_query(request), **_labels(request)}


PARSERS: Final[Mapping[str, Callable[[Request], dict[str, object]]]] = {
    op.CREATE_ASSOCIATION: _with_body,
    op.GET_ASSOCIATION: _labels,
    op.UPDATE_ASSOCIATION: _with_body,
    op.DELETE_ASSOCIATION: _labels,
    op.LIST_ASSOCIATIONS: _with_query,
    op.TAG: CLEANROOMSML_PARSERS[op.TAG],
    op.UNTAG: CLEANROOMSML_PARSERS[op.UNTAG],
    op.LIST_TAGS: CLEANROOMSML_PARSERS[op.LIST_TAGS],
}
