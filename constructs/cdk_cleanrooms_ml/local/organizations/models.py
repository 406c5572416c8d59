"""An organization: its id, its management account, and a tree of organizational units (the root
at the top) each holding accounts.

What a service-managed StackSet needs of Organizations: which accounts a unit holds (its own and
those of the units under it; the root holds every account), and the changes that make its
auto-deployment act (an account added, moved or removed). Every account is in exactly one unit;
the management account starts in the root and can be neither moved nor removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .exceptions import OrganizationsError

ACCOUNT: Final = re.compile(r"[0-9]{12}")
ORGANIZATION: Final = re.compile(r"o-[a-z0-9]{10,32}")
ROOT: Final = re.compile(r"r-[0-9a-z]{4,32}")
UNIT: Final = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")


def _check(value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise OrganizationsError("InvalidInputException", f"{value!r} is not {what}")
    return value


def check_account(value: object) -> str:
    return _check(value, ACCOUNT, "an account id (12 digits)")


@dataclass
class OrganizationalUnit:
    """A unit (or the root, whose ``parent`` is "") and the accounts directly in it."""

    id: str
    parent: str = ""
    accounts: list[str] = field(default_factory=list)


class Organization:
    """The organization's tree; changes are checked as the Organizations API checks them."""

    def __init__(self, organization_id: str, management_account: str, root_id: str = "") -> None:
        self.id = _check(organization_id, ORGANIZATION, "an organization id (o-...)")
        self.management_account = check_account(management_account)
        # The root's id is not given by most callers: one derived from the organization's.
        self.root_id = _check(root_id or f"r-{self.id[2:6]}", ROOT, "a root id (r-...)")
        self.units: dict[str, OrganizationalUnit] = {
            self.root_id: OrganizationalUnit(self.root_id, "", [self.management_account])
        }
        self.delegated_administrators: list[str] = []

    @classmethod
    def create(
        cls,
        organization_id: str,
        management_account: str,
        units: Mapping[str, Sequence[str]] | None = None,
        *,
        root_id: str = "",
    ) -> Organization:
        """An organization whose units (directly under the root) hold the accounts given."""
        organization = cls(organization_id, management_account, root_id)
        for unit_id, accounts in (units or {}).items():
            organization.add_unit(unit_id)
            for account in accounts:
                organization.add_account(account, unit_id)
        return organization

    # --- reading ------------------------------------------------------------------------------

    def accounts(self) -> list[str]:
        """Every account of the organization, the management account first."""
        return [a for unit in self.units.values() for a in unit.accounts]

    def unit_of(self, account: str) -> str:
        for unit in self.units.values():
            if account in unit.accounts:
                return unit.id
        raise OrganizationsError(
            "AccountNotFoundException", f"account {account} is not in organization {self.id}"
        )

    def has_account(self, account: str) -> bool:
        return any(account in unit.accounts for unit in self.units.values())

    def accounts_in(self, unit_id: str) -> list[str]:
        """The accounts of ``unit_id`` and of every unit under it (the root: all of them)."""
        self._unit(unit_id)
        found: list[str] = []
        pending = [unit_id]
        while pending:
            current = pending.pop(0)
            found.extend(self.units[current].accounts)
            pending.extend(u.id for u in self.units.values() if u.parent == current)
        return found

    def _unit(self, unit_id: str) -> OrganizationalUnit:
        unit = self.units.get(unit_id)
        if unit is None:
            raise OrganizationsError(
                "OrganizationalUnitNotFoundException",
                f"{unit_id} is not a unit (or the root) of organization {self.id}",
            )
        return unit

    # --- changing -----------------------------------------------------------------------------

    def add_unit(self, unit_id: str, parent: str | None = None) -> None:
        _check(unit_id, UNIT, "an organizational unit id (ou-xxxx-xxxxxxxx)")
        if unit_id in self.units:
            raise OrganizationsError(
                "DuplicateOrganizationalUnitException", f"unit {unit_id} exists already"
            )
        parent_id = parent or self.root_id
        self._unit(parent_id)
        self.units[unit_id] = OrganizationalUnit(unit_id, parent_id)

    def add_account(self, account: str, unit_id: str | None = None) -> None:
        """A new account (invited or created) in ``unit_id`` (default: the root)."""
        check_account(account)
        if self.has_account(account):
            raise OrganizationsError(
                "DuplicateAccountException", f"account {account} is in the organization already"
            )
        self._unit(unit_id or self.root_id).accounts.append(account)

    def move_account(self, account: str, unit_id: str) -> str:
        """Move ``account`` into ``unit_id``; returns the unit it was in."""
        self._not_management(account, "moved")
        source = self.unit_of(account)
        target = self._unit(unit_id)
        if source == unit_id:
            raise OrganizationsError(
                "DuplicateAccountException", f"account {account} is in {unit_id} already"
            )
        self.units[source].accounts.remove(account)
        target.accounts.append(account)
        return source

    def remove_account(self, account: str) -> str:
        """Remove ``account`` from the organization; returns the unit it was in."""
        self._not_management(account, "removed")
        source = self.unit_of(account)
        self.units[source].accounts.remove(account)
        self.delegated_administrators = [a for a in self.delegated_administrators if a != account]
        return source

    def register_delegated_administrator(self, account: str) -> None:
        """Let ``account`` administer service-managed StackSets (``CallAs: DELEGATED_ADMIN``)."""
        self._not_management(account, "registered as a delegated administrator")
        self.unit_of(account)
        if account not in self.delegated_administrators:
            self.delegated_administrators.append(account)

    def _not_management(self, account: str, what: str) -> None:
        if account == self.management_account:
            raise OrganizationsError(
                "ConstraintViolationException",
                f"the management account {account} cannot be {what}",
            )

    # --- JSON -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "managementAccount": self.management_account,
            "rootId": self.root_id,
            "units": {
                unit.id: {"parent": unit.parent, "accounts": list(unit.accounts)}
                for unit in self.units.values()
                if unit.id != self.root_id
            },
            "rootAccounts": [
                a for a in self.units[self.root_id].accounts if a != self.management_account
            ],
            "delegatedAdministrators": list(self.delegated_administrators),
        }

    @classmethod
    def from_json(cls, data: object) -> Organization:
        """The organization a JSON object describes (see :meth:`to_json`; ``rootId``,
        ``rootAccounts``, ``delegatedAdministrators`` and each unit's ``parent`` optional)."""
        if not isinstance(data, Mapping):
            raise OrganizationsError("InvalidInputException", "an organization is a JSON object")
        known = {
            "id",
            "managementAccount",
            "rootId",
            "units",
            "rootAccounts",
            "delegatedAdministrators",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise OrganizationsError("InvalidInputException", f"unknown key {unknown[0]!r}")
        organization = cls(
            data.get("id", ""), data.get("managementAccount", ""), data.get("rootId", "")
        )
        units = data.get("units") or {}
        if not isinstance(units, Mapping):
            raise OrganizationsError("InvalidInputException", "units must be an object")
        # Parents first: a unit may name one declared after it.
        pending = dict(units)
        while pending:
            ready = [u for u, spec in pending.items() if _parent(spec) in ("", *organization.units)]
            if not ready:
                raise OrganizationsError(
                    "InvalidInputException",
                    f"unit {sorted(pending)[0]} names a parent that is not a unit",
                )
            for unit_id in ready:
                spec = pending.pop(unit_id)
                organization.add_unit(unit_id, _parent(spec) or None)
                for account in _accounts(spec):
                    organization.add_account(account, unit_id)
        for account in data.get("rootAccounts") or []:
            organization.add_account(account)
        for account in data.get("delegatedAdministrators") or []:
            organization.register_delegated_administrator(account)
        return organization


def _parent(spec: object) -> str:
    parent = spec.get("parent", "") if isinstance(spec, Mapping) else ""
    return str(parent or "")


def _accounts(spec: object) -> list[str]:
    # {"ou-...": {"accounts": [...]}}, or {"ou-...": [...]}: the accounts alone.
    accounts = (spec.get("accounts") or []) if isinstance(spec, Mapping) else spec
    if isinstance(accounts, str) or not isinstance(accounts, Sequence):
        raise OrganizationsError("InvalidInputException", "a unit's accounts must be a list")
    return [str(a) for a in accounts]
