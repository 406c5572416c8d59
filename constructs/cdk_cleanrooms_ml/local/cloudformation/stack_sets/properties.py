"""An ``AWS::CloudFormation::StackSet`` resource's properties, read and checked as
CloudFormation's handler checks them before it calls CreateStackSet.

Properties arrive resolved and stringified (``"true"``, ``"10"``), as the driver hands every
handler its properties. ``TemplateBody`` is parsed (JSON or YAML); its parameters must declare
every key the StackSet's ``Parameters`` and groups' ``ParameterOverrides`` give, and its IAM
resources must be acknowledged in ``Capabilities``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..assembly import parse_template_text
from ..exceptions import TemplateError

SERVICE_MANAGED: Final = "SERVICE_MANAGED"
SELF_MANAGED: Final = "SELF_MANAGED"
FILTER_TYPES: Final = ("NONE", "INTERSECTION", "DIFFERENCE", "UNION")
_NAME: Final = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
# IAM resources named by a property need CAPABILITY_NAMED_IAM; any other, CAPABILITY_IAM.
_IAM_NAMES: Final = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


class StackSetError(Exception):
    """CloudFormation refused the StackSet (or an operation on it); ``code`` is the API's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _invalid(message: str) -> StackSetError:
    return StackSetError("ValidationError", message)


@dataclass(frozen=True)
class InstanceGroup:
    """One ``StackInstancesGroup``: where it deploys and the parameters it overrides."""

    units: tuple[str, ...]
    accounts: tuple[str, ...]
    filter_type: str
    regions: tuple[str, ...]
    overrides: Mapping[str, str]


@dataclass(frozen=True)
class Preferences:
    """``OperationPreferences``: region order and concurrency, how many failures a region takes."""

    region_order: tuple[str, ...] = ()
    region_concurrency: str = "SEQUENTIAL"
    max_concurrent_count: int | None = None
    max_concurrent_percentage: int | None = None
    failure_tolerance_count: int | None = None
    failure_tolerance_percentage: int | None = None
    # STRICT: at most one account more than the failure tolerance at once.
    concurrency_mode: str = "STRICT_FAILURE_TOLERANCE"

    def tolerance(self, accounts: int) -> int:
        """Failed accounts a region takes before the operation stops there."""
        if self.failure_tolerance_count is not None:
            return self.failure_tolerance_count
        return accounts * (self.failure_tolerance_percentage or 0) // 100

    def concurrency(self, accounts: int) -> int:
        """Accounts a region deploys to at once (at least one)."""
        if self.max_concurrent_count is not None:
            wanted = self.max_concurrent_count
        elif self.max_concurrent_percentage is not None:
            wanted = accounts * self.max_concurrent_percentage // 100
        else:
            wanted = 1
        if self.concurrency_mode == "STRICT_FAILURE_TOLERANCE":
            wanted = min(wanted, self.tolerance(accounts) + 1)
        return max(1, wanted)


@dataclass(frozen=True)
class StackSetSpec:
    name: str
    permission_model: str
    call_as: str
    template_body: str
    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    capabilities: tuple[str, ...]
    groups: tuple[InstanceGroup, ...]
    preferences: Preferences
    auto_deploy: bool
    retain_on_removal: bool

    def create_only(self) -> tuple[str, str]:
        """What cannot change in place: a new value makes a new StackSet."""
        return self.name, self.permission_model


def _text(props: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = props.get(key, default)
    if value is None:
        raise _invalid(f"Properties validation failed: required key [{key}] not found")
    if not isinstance(value, str):
        raise _invalid(f"#/{key}: expected type: String, found: {type(value).__name__}")
    return value


def _texts(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _invalid(f"#/{where}: expected type: JSONArray")
    return tuple(str(item) for item in value)


def _flag(value: object, where: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _invalid(f"#/{where}: expected type: Boolean, found: {value!r}")


def _number(value: object, where: str, low: int, high: int | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise _invalid(f"#/{where}: expected type: Integer, found: {value!r}") from None
    if number < low or (high is not None and number > high):
        raise _invalid(f"#/{where}: {number} is not within {low}..{high or 'any'}")
    return number


def _key_values(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _invalid(f"#/{where}: expected type: JSONArray")
    pairs: dict[str, str] = {}
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or "ParameterKey" not in item:
            raise _invalid(f"#/{where}/{index}: required key [ParameterKey] not found")
        pairs[str(item["ParameterKey"])] = str(item.get("ParameterValue", ""))
    return pairs


def _group(raw: object, index: int, permission_model: str) -> InstanceGroup:
    where = f"StackInstancesGroup/{index}"
    if not isinstance(raw, Mapping):
        raise _invalid(f"#/{where}: expected type: JSONObject")
    targets = raw.get("DeploymentTargets") or {}
    units = _texts(targets.get("OrganizationalUnitIds"), f"{where}/DeploymentTargets")
    accounts = _texts(targets.get("Accounts"), f"{where}/DeploymentTargets")
    filter_type = str(targets.get("AccountFilterType") or "NONE")
    if filter_type not in FILTER_TYPES:
        raise _invalid(f"#/{where}/DeploymentTargets/AccountFilterType: {filter_type!r}")
    if permission_model == SERVICE_MANAGED and not units:
        raise _invalid(
            f"#/{where}: OrganizationalUnitIds are required for a SERVICE_MANAGED StackSet"
        )
    if permission_model == SELF_MANAGED and (units or not accounts):
        raise _invalid(f"#/{where}: a SELF_MANAGED StackSet deploys to Accounts, not units")
    if filter_type != "NONE" and not accounts:
        raise _invalid(f"#/{where}: AccountFilterType {filter_type} needs Accounts")
    regions = _texts(raw.get("Regions"), f"{where}/Regions")
    if not regions:
        raise _invalid(f"#/{where}/Regions: at least one region is required")
    overrides = _key_values(raw.get("ParameterOverrides"), f"{where}/ParameterOverrides")
    return InstanceGroup(units, accounts, filter_type, regions, overrides)


def _preferences(raw: object) -> Preferences:
    prefs = raw if isinstance(raw, Mapping) else {}
    where = "OperationPreferences"
    return Preferences(
        region_order=_texts(prefs.get("RegionOrder"), f"{where}/RegionOrder"),
        region_concurrency=str(prefs.get("RegionConcurrencyType") or "SEQUENTIAL"),
        max_concurrent_count=_number(prefs.get("MaxConcurrentCount"), where, 1, None),
        max_concurrent_percentage=_number(prefs.get("MaxConcurrentPercentage"), where, 1, 100),
        failure_tolerance_count=_number(prefs.get("FailureToleranceCount"), where, 0, None),
        failure_tolerance_percentage=_number(
            prefs.get("FailureTolerancePercentage"), where, 0, 100
        ),
        concurrency_mode=str(prefs.get("ConcurrencyMode") or "STRICT_FAILURE_TOLERANCE"),
    )


def _required_capability(template: Mapping[str, Any]) -> str | None:
    needed: str | None = None
    for resource in (template.get("Resources") or {}).values():
        kind = str(resource.get("Type", "")) if isinstance(resource, Mapping) else ""
        if not kind.startswith("AWS::IAM::"):
            continue
        name = _IAM_NAMES.get(kind)
        if name and name in (resource.get("Properties") or {}):
            return "CAPABILITY_NAMED_IAM"
        needed = "CAPABILITY_IAM"
    return needed


def _check_template(spec: StackSetSpec) -> None:
    declared = set(spec.template.get("Parameters") or {})
    given = set(spec.parameters).union(*(g.overrides for g in spec.groups))
    unknown = sorted(given - declared)
    if unknown:
        raise _invalid(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    needed = _required_capability(spec.template)
    held = set(spec.capabilities)
    if needed and not (held & {needed, "CAPABILITY_NAMED_IAM"}):
        raise StackSetError(
            "InsufficientCapabilitiesException", f"Requires capabilities : [{needed}]"
        )


def parse_spec(props: Mapping[str, Any]) -> StackSetSpec:
    """The StackSet the properties describe; a :class:`StackSetError` for what is wrong."""
    name = _text(props, "StackSetName")
    if not _NAME.fullmatch(name):
        raise _invalid(f"#/StackSetName: {name!r} must match {_NAME.pattern}")
    permission_model = _text(props, "PermissionModel")
    if permission_model not in (SERVICE_MANAGED, SELF_MANAGED):
        raise _invalid(f"#/PermissionModel: {permission_model!r}")
    if "TemplateURL" in props and "TemplateBody" not in props:
        raise _invalid("TemplateURL cannot be read locally: give the template as TemplateBody")
    body = _text(props, "TemplateBody")
    try:
        template = parse_template_text(body, f"StackSet {name}'s TemplateBody")
    except TemplateError as error:
        raise _invalid(str(error)) from error
    auto = props.get("AutoDeployment") or {}
    if permission_model == SELF_MANAGED and auto:
        raise _invalid("AutoDeployment is only for SERVICE_MANAGED StackSets")
    spec = StackSetSpec(
        name=name,
        permission_model=permission_model,
        call_as=_text(props, "CallAs", "SELF"),
        template_body=body,
        template=template,
        parameters=_key_values(props.get("Parameters"), "Parameters"),
        capabilities=_texts(props.get("Capabilities"), "Capabilities"),
        groups=tuple(
            _group(raw, index, permission_model)
            for index, raw in enumerate(props.get("StackInstancesGroup") or [])
        ),
        preferences=_preferences(props.get("OperationPreferences")),
        auto_deploy=_flag(auto.get("Enabled"), "AutoDeployment/Enabled"),
        retain_on_removal=_flag(
            auto.get("RetainStacksOnAccountRemoval"), "AutoDeployment/RetainStacksOnAccountRemoval"
        ),
    )
    _check_template(spec)
    return spec
