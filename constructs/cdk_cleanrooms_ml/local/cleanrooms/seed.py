"""The seed's Clean Rooms part: the memberships associations can be made in.

``memberships``: ``[{id, collaborationId}]``, both UUIDs as the service writes them (lower-case
hex, checked against the model's ``UUID`` shape); ids are unique, unknown keys are errors. The
library's default seed lists one: :data:`DEFAULT_MEMBERSHIP_ID` in
:data:`DEFAULT_COLLABORATION_ID`. A seed without the key has no memberships, so every
association request is a ResourceNotFoundException.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..cleanroomsml.exceptions import SeedError
from ..cleanroomsml.seed_checks import known_keys, objects
from ..cleanroomsml.shapes import service_model, validate
from .models.memberships import Membership
from .shapes import SERVICE_NAME

# The default seed's membership (default_seed.json in the Clean Rooms ML package says the same).
DEFAULT_MEMBERSHIP_ID: Final = "5e0c7a3d-2b4f-4c19-8a6e-0d1f2a3b4c5d"
DEFAULT_COLLABORATION_ID: Final = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
SEED_KEY: Final = "memberships"
_KEYS: Final = ("id", "collaborationId")


def _uuid(raw: Mapping[str, Any], key: str, where: str) -> str:
    if key not in raw:
        raise SeedError(f"{where}.{key}: required")
    problems = validate(service_model(SERVICE_NAME).shape_for("UUID"), raw[key], f"{where}.{key}")
    if problems:
        raise SeedError("; ".join(problems))
    return str(raw[key])


def parse_memberships(seed: Mapping[str, Any]) -> list[Membership]:
    """The seed's memberships, checked; a :class:`SeedError` says where one is wrong."""
    found = []
    for raw, where in objects(seed, SEED_KEY):
        known_keys(raw, _KEYS, where)
        found.append(Membership(_uuid(raw, "id", where), _uuid(raw, "collaborationId", where)))
    ids = [membership.id for membership in found]
    twice = sorted({membership_id for membership_id in ids if ids.count(membership_id) > 1})
    if twice:
        raise SeedError(f"{SEED_KEY}: {twice[0]!r} is there twice; membership ids are unique")
    return found
