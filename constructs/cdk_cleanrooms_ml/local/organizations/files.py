"""An organization as a JSON file: the one a run is given (``--organization``) and the one the
state folder keeps (``organization.json``), so a later run knows the accounts it deployed to."""

from __future__ import annotations

import json
from pathlib import Path

from ..jsonfile import write_json_atomic
from .exceptions import OrganizationsError
from .models import Organization


def read_organization(path: Path) -> Organization:
    """The organization ``path`` describes; every problem is an :class:`OrganizationsError`
    naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise OrganizationsError("InvalidInputException", f"{path} not found") from error
    except (OSError, ValueError) as error:
        raise OrganizationsError(
            "InvalidInputException", f"{path} cannot be read: {error}"
        ) from error
    try:
        return Organization.from_json(data)
    except OrganizationsError as error:
        raise OrganizationsError(error.code, f"{path}: {error.message}") from error


def write_organization(path: Path, organization: Organization) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, organization.to_json())
