"""Template parameters of type ``AWS::SSM::Parameter::Value<...>``: read from the SSM
parameters that local stacks made.

CloudFormation resolves such a parameter at every deploy: the template (or the caller) gives
the SSM parameter's name, ``Ref`` returns its value. The stack keeps the name, so a later
deploy reads the value again. Here the only SSM parameters are the ``AWS::SSM::Parameter``
resources of stacks deployed locally (simulated: their properties are their content).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from ..state import StateStore
from .exceptions import TemplateError

SSM_PARAMETER: Final = "AWS::SSM::Parameter"
_SSM_VALUE_TYPE: Final = "AWS::SSM::Parameter::Value<"
# A stack in these states holds no parameters any more.
_GONE: Final = ("DELETE_COMPLETE",)
# Every CDK template reads its bootstrap stack's version (BootstrapVersion): the local account
# counts as bootstrapped with a version its templates' rule accepts.
_BOOTSTRAP_VERSION: Final = re.compile(r"/cdk-bootstrap/[^/]+/version")
BOOTSTRAP_VERSION: Final = "30"


def ssm_parameters(store: StateStore) -> dict[str, str]:
    """Every SSM parameter local stacks made: name -> value."""
    found: dict[str, str] = {}
    for stack in store.stacks():
        if stack.status in _GONE:
            continue
        for resource in stack.resources.values():
            if resource.type != SSM_PARAMETER:
                continue
            name = resource.properties.get("Name") or resource.physical_id
            value = resource.properties.get("Value")
            if isinstance(name, str) and isinstance(value, str):
                found[name] = value
    return found


def resolve_ssm_values(
    template: Mapping[str, Any],
    values: Mapping[str, str | list[str]],
    parameters: Mapping[str, str],
) -> dict[str, str | list[str]]:
    """``values`` with each SSM-typed parameter's name replaced by the SSM parameter's value
    (a list for ``List<String>``); a name no local stack made is CloudFormation's error."""
    declared: Mapping[str, Any] = template.get("Parameters") or {}
    resolved = dict(values)
    for name, spec in declared.items():
        kind = str(spec.get("Type", ""))
        if not kind.startswith(_SSM_VALUE_TYPE) or name not in values:
            continue
        ssm_name = values[name]
        if isinstance(ssm_name, str) and _BOOTSTRAP_VERSION.fullmatch(ssm_name):
            resolved[name] = parameters.get(ssm_name, BOOTSTRAP_VERSION)
            continue
        if not isinstance(ssm_name, str) or ssm_name not in parameters:
            raise TemplateError(
                f"Unable to fetch parameters [{ssm_name}] from parameter store for this"
                f" account (template parameter {name}): no local stack made it"
            )
        value = parameters[ssm_name]
        resolved[name] = value.split(",") if "List<" in kind[len(_SSM_VALUE_TYPE) :] else value
    return resolved
