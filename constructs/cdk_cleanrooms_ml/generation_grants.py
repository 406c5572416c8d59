"""The provider role's policies for generation jobs and for exports of jobs declared in a stack.

Both are ``iam.Policy`` resources of their own, not statements of the role's inline policy:
the function waits for the role, so anything the role waits for cannot wait for the function.
A job declared in the stack is such a thing (its ARN is a ``Fn::GetAtt`` of a resource the
function serves), and the resources that use these grants depend on the policy instead.

A grant that names a resource of another stack (a provider shared by stacks of one app) gets
its policy in that stack, attached to the provider's role: in the provider's stack it would make
the provider's stack wait for the stack that uses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final

from aws_cdk import Names, Reference, Stack, Tokenization
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml._handler import allow_lists
from cdk_cleanrooms_ml.job_grants import written_out
from cdk_cleanrooms_ml.provider_interface import (
    EXPORT_ACTIONS,
    GENERATION_JOB_ACTIONS,
    GENERATION_JOB_MODEL_ACTIONS,
    GENERATION_JOB_TAGGING_ACTIONS,
    PASS_ROLE_ACTION,
    SEED_ROLE_SERVICE,
)
from cdk_cleanrooms_ml.tokens import is_token

GENERATION_JOBS_POLICY_ID: Final = "GenerationJobsPolicy"
STACK_JOB_EXPORTS_POLICY_ID: Final = "StackJobExportsPolicy"

# (policy, resource as cdk-nag spells it, reason): acknowledges one wildcard finding.
Acknowledge = Callable[[Construct, str, str], None]


def holds_get_att(resolved: object) -> bool:
    """True if a resolved value reads an attribute of a resource (``Fn::GetAtt``)."""
    if isinstance(resolved, dict):
        return "Fn::GetAtt" in resolved or any(holds_get_att(v) for v in resolved.values())
    if isinstance(resolved, list):
        return any(holds_get_att(item) for item in resolved)
    return False


def home_stack(provider_stack: Stack, values: Sequence[str]) -> Stack:
    """The stack a policy granting ``values`` belongs in: the first other stack one of them
    refers to, else the provider's own."""
    own = provider_stack.node.path
    for value in values:
        if not is_token(value):
            continue
        for token in Tokenization.reverse_string(value).tokens:
            if isinstance(token, Reference):
                stack = Stack.of(token.target)
                if stack.node.path != own:
                    return stack
    return provider_stack


def policy_scope(provider: Construct, stack: Stack, policy_id: str) -> tuple[Construct, str]:
    """Where a provider's policy in ``stack`` is created: under the provider in its own stack
    (``<provider>/<policy_id>``), else at the top of ``stack``, named after the provider."""
    if Stack.of(provider).node.path == stack.node.path:
        return provider, policy_id
    return stack, f"{Names.unique_id(provider)}{policy_id}"


def check_seed_role_patterns(
    patterns: object, field: str = "allowed_seed_role_arns", partition: str | None = None
) -> list[str]:
    """``patterns`` as a list if each is a role ARN (maybe with * or ? in the name) of
    ``partition`` when known; a ``ValidationError`` names the first bad item
    (``field[index]``) and the rule: the handler's rules
    (:func:`allow_lists.check_seed_role_patterns`), tokens refused first."""
    return allow_lists.check_seed_role_patterns(patterns, field, partition, before=written_out)


class Resources:
    """One statement's resources, each once; a token is compared by what it resolves to."""

    def __init__(self, stack: Stack, statement: iam.PolicyStatement) -> None:
        self._stack = stack
        self.statement = statement
        self._keys: set[str] = set()

    def add(self, resource: str) -> bool:
        key = (
            json.dumps(self._stack.resolve(resource), sort_keys=True)
            if is_token(resource)
            else resource
        )
        if key in self._keys:
            return False
        self._keys.add(key)
        self.statement.add_resources(resource)
        return True


class GenerationJobsPolicy:
    """The ``GenerationJobsPolicy`` of a provider's role, created on first use.

    Three statements: Start and List on the configured audience models; Start, Get, Delete and
    the tag actions on the account's generation jobs (a job's id is the service's, unknown
    before Start); ``iam:PassRole`` on the seed roles, only towards Clean Rooms ML.
    """

    def __init__(
        self, scope: Construct, policy_id: str, role: iam.IRole, acknowledge: Acknowledge
    ) -> None:
        self._scope = scope
        self._policy_id = policy_id
        self._role = role
        self._acknowledge = acknowledge
        self._policy: iam.Policy | None = None
        self._models: Resources | None = None
        self._jobs: Resources | None = None
        self._seed_roles: Resources | None = None
        self._tagging = False

    @property
    def policy(self) -> iam.Policy | None:
        """The policy resource, once something was granted."""
        return self._policy

    def statements(self) -> list[dict[str, Any]]:
        """The policy's statements as JSON (tokens unresolved), for the role's size estimate."""
        parts = (self._models, self._jobs, self._seed_roles)
        return [part.statement.to_statement_json() for part in parts if part is not None]

    def grant(
        self, *, models: Sequence[str], jobs: str, seed_roles: Sequence[str], tagging: bool
    ) -> iam.Policy:
        policy = self._ensure()
        assert self._models is not None and self._jobs is not None
        assert self._seed_roles is not None
        for model in models:
            self._models.add(model)
        self._jobs.add(jobs)
        for seed_role in seed_roles:
            self._seed_roles.add(seed_role)
        if tagging and not self._tagging:
            self._tagging = True
            self._jobs.statement.add_actions(*GENERATION_JOB_TAGGING_ACTIONS)
        return policy

    def acknowledge(self, resource: str, reason: str) -> None:
        """Acknowledge a wildcard resource of this policy for cdk-nag (AwsSolutions-IAM5)."""
        self._acknowledge(self._ensure(), resource, reason)

    def _ensure(self) -> iam.Policy:
        if self._policy is not None:
            return self._policy
        stack = Stack.of(self._scope)
        self._models = Resources(
            stack, iam.PolicyStatement(actions=list(GENERATION_JOB_MODEL_ACTIONS))
        )
        self._jobs = Resources(stack, iam.PolicyStatement(actions=list(GENERATION_JOB_ACTIONS)))
        self._seed_roles = Resources(
            stack,
            iam.PolicyStatement(
                actions=[PASS_ROLE_ACTION],
                conditions={"StringEquals": {"iam:PassedToService": SEED_ROLE_SERVICE}},
            ),
        )
        self._policy = iam.Policy(
            self._scope,
            self._policy_id,
            roles=[self._role],
            statements=[self._models.statement, self._jobs.statement, self._seed_roles.statement],
        )
        return self._policy


class StackJobExportsPolicy:
    """The ``StackJobExportsPolicy`` of a provider's role: the export actions on jobs declared
    in a stack (``Fn::GetAtt`` ARNs), created on first use."""

    def __init__(self, scope: Construct, policy_id: str, role: iam.IRole) -> None:
        self._scope = scope
        self._policy_id = policy_id
        self._role = role
        self._policy: iam.Policy | None = None
        self._jobs: Resources | None = None

    def statements(self) -> list[dict[str, Any]]:
        """The policy's statements as JSON (tokens unresolved), for the role's size estimate."""
        return [] if self._jobs is None else [self._jobs.statement.to_statement_json()]

    def grant(self, job_arn: str) -> tuple[iam.Policy, bool]:
        """The policy, and whether the job was new to it."""
        if self._policy is None:
            self._jobs = Resources(
                Stack.of(self._scope), iam.PolicyStatement(actions=list(EXPORT_ACTIONS))
            )
            self._policy = iam.Policy(
                self._scope,
                self._policy_id,
                roles=[self._role],
                statements=[self._jobs.statement],
            )
        assert self._jobs is not None
        return self._policy, self._jobs.add(job_arn)
