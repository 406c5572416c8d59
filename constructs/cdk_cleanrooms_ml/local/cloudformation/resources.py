"""Ref and Fn::GetAtt of a stack's resources while it deploys.

Custom resources answer with what their handler returned (physical id, Data), training datasets
with what the endpoint made (ARN, ``TrainingDatasetArn`` and ``Status``), StackSets with their
``StackSetId``. Every other resource
is simulated: a stable physical id (its name property, the one it had, or
CloudFormation's generated ``<stack>-<LogicalId>-<SUFFIX>`` shape) and ARNs built from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

from .assembly import LAMBDA_FUNCTION, SCHEDULE_GROUP, StackTemplate, is_custom_resource
from .exceptions import TemplateError
from .handled_types import NATIVE_HANDLED
from .intrinsics import ResolveContext, Resolver, stringify
from .stacks import StackState
from .wait_conditions import WAIT_CONDITION, wait_condition_data

_NAME_PROPERTIES: Final = ("FunctionName", "RoleName", "LogGroupName", "PolicyName", "BucketName")
# Types whose name property is called just Name.
_NAMED_BY_NAME: Final = (SCHEDULE_GROUP,)


def _suffix(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest().upper()
    return "".join(c for c in digest if c.isalnum())[:length]


def simulated_name(stack_name: str, logical_id: str, stack_id: str, limit: int = 64) -> str:
    """CloudFormation's generated name shape: ``<stack>-<LogicalId>-<SUFFIX>``, within ``limit``."""
    suffix = _suffix(stack_id, logical_id)
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


class StackResources:
    """The stack's resources as its template sees them, and the resolver built on them."""

    def __init__(
        self,
        stack: StackTemplate,
        state: StackState,
        prev: StackState | None,
        *,
        region: str,
        account: str,
        parameters: Mapping[str, str | list[str]],
        exports: Mapping[str, str],
    ) -> None:
        self.stack = stack
        self.state = state
        self.prev = prev
        self.region = region
        self.account = account
        self.resolver = Resolver(
            stack.template,
            ResolveContext(
                stack_name=stack.name,
                stack_id=state.stack_id,
                region=region,
                account=account,
                parameters=parameters,
                exports=exports,
                ref=self.physical,
                get_att=self.get_att,
            ),
        )

    def physical(self, logical_id: str) -> str:
        """The physical id (what Ref returns)."""
        resource = self.state.resources.get(logical_id)
        if resource is not None:
            return resource.physical_id
        definition = self.stack.resources[logical_id]
        kind = str(definition.get("Type"))
        if is_custom_resource(kind):
            raise TemplateError(f"{logical_id} is not created yet")
        old = self.prev.resources.get(logical_id) if self.prev else None
        if old is not None and old.type == kind:
            return old.physical_id
        props = definition.get("Properties") or {}
        for key in (*_NAME_PROPERTIES, *(("Name",) if kind in _NAMED_BY_NAME else ())):
            if key in props:
                return str(stringify(self.resolver.resolve(props[key])))
        return simulated_name(self.stack.name, logical_id, self.state.stack_id)

    def get_att(self, logical_id: str, attribute: str) -> object:
        kind = str(self.stack.resources[logical_id].get("Type"))
        if is_custom_resource(kind):
            resource = self.state.resources.get(logical_id)
            if resource is None:
                raise TemplateError(
                    f"Fn::GetAtt {logical_id}.{attribute}: {logical_id} is not created"
                )
            if attribute not in resource.data:
                raise TemplateError(
                    f"CustomResource attribute error: Vendor response doesn't contain {attribute} "
                    f"key in object {resource.physical_id}"
                )
            return resource.data[attribute]
        made = self.state.resources.get(logical_id)
        if kind in NATIVE_HANDLED and made is not None and made.data:
            if attribute not in made.data:
                raise TemplateError(
                    f"Template error: resource {logical_id} does not support attribute type "
                    f"{attribute} in Fn::GetAtt"
                )
            return made.data[attribute]
        if kind == WAIT_CONDITION:
            return wait_condition_data(self.state.resources.get(logical_id), logical_id, attribute)
        name = self.physical(logical_id)
        if attribute == "Arn":
            return self._arn(kind, logical_id, name)
        return f"{name}.{attribute}"

    def _arn(self, kind: str, logical_id: str, name: str) -> str:
        partition, region, account = "aws", self.region, self.account
        if kind == LAMBDA_FUNCTION:
            return f"arn:{partition}:lambda:{region}:{account}:function:{name}"
        if kind == "AWS::IAM::Role":
            return f"arn:{partition}:iam::{account}:role/{name}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{partition}:logs:{region}:{account}:log-group:{name}:*"
        if kind == SCHEDULE_GROUP:
            return f"arn:{partition}:scheduler:{region}:{account}:schedule-group/{name}"
        if kind == "AWS::S3::Bucket":
            return f"arn:{partition}:s3:::{name}"
        service = kind.split("::")[1].lower() if kind.count("::") == 2 else "local"
        return f"arn:{partition}:{service}:{region}:{account}:{logical_id.lower()}/{name}"
