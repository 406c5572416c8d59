"""AWS Organizations, locally: one organization's units and accounts (:mod:`.models`), read
from and written to JSON (:mod:`.files`); what service-managed StackSets deploy to."""

from __future__ import annotations

from .exceptions import OrganizationsError
from .models import Organization, OrganizationalUnit

__all__ = ["Organization", "OrganizationalUnit", "OrganizationsError"]
