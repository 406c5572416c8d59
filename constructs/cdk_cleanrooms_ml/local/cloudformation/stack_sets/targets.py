"""Where a StackSet's instances go: every (account, region) its groups target today, with the
parameters each instance gets.

A SERVICE_MANAGED group targets the accounts of its units (and of the units under them), then
filters them by ``AccountFilterType`` with its ``Accounts``: INTERSECTION keeps only those,
DIFFERENCE drops them, UNION adds them (accounts of the organization), NONE ignores them. The
management account is never a target, whatever unit holds it. A SELF_MANAGED group targets its
``Accounts``. Each instance gets the StackSet's ``Parameters`` with its group's
``ParameterOverrides`` over them; two groups may not target one (account, region).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...organizations.exceptions import OrganizationsError
from ...organizations.models import Organization
from .properties import SERVICE_MANAGED, InstanceGroup, StackSetError, StackSetSpec


@dataclass(frozen=True)
class Target:
    account: str
    region: str
    parameters: Mapping[str, str]

    @property
    def key(self) -> str:
        return instance_key(self.account, self.region)


def instance_key(account: str, region: str) -> str:
    return f"{account}/{region}"


def _group_accounts(group: InstanceGroup, organization: Organization, model: str) -> list[str]:
    if model != SERVICE_MANAGED:
        return list(dict.fromkeys(group.accounts))
    in_units: list[str] = []
    for unit in group.units:
        try:
            in_units.extend(organization.accounts_in(unit))
        except OrganizationsError as error:
            raise StackSetError("ValidationError", error.message) from error
    listed = set(group.accounts)
    if group.filter_type == "INTERSECTION":
        chosen = [a for a in in_units if a in listed]
    elif group.filter_type == "DIFFERENCE":
        chosen = [a for a in in_units if a not in listed]
    elif group.filter_type == "UNION":
        chosen = in_units + [a for a in group.accounts if organization.has_account(a)]
    else:
        chosen = in_units
    # The management account is never deployed to by a service-managed StackSet.
    return [a for a in dict.fromkeys(chosen) if a != organization.management_account]


def targets(spec: StackSetSpec, organization: Organization) -> dict[str, Target]:
    """Every instance the StackSet should have now, by ``account/region``."""
    found: dict[str, Target] = {}
    for index, group in enumerate(spec.groups):
        parameters = {**spec.parameters, **group.overrides}
        for account in _group_accounts(group, organization, spec.permission_model):
            for region in group.regions:
                target = Target(account, region, parameters)
                if target.key in found:
                    raise StackSetError(
                        "ValidationError",
                        f"StackInstancesGroup/{index} targets {target.key}, which another"
                        " group targets already",
                    )
                found[target.key] = target
    return found


def region_order(spec: StackSetSpec, regions: list[str]) -> list[str]:
    """``regions`` in the order an operation visits them: RegionOrder first, then the rest."""
    ordered = [r for r in spec.preferences.region_order if r in regions]
    return ordered + sorted(r for r in dict.fromkeys(regions) if r not in ordered)
