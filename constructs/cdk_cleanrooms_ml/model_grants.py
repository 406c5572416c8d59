"""The provider role's policy for audience models: ``AudienceModelsPolicy``.

A policy resource of its own, for the reason :mod:`generation_grants` gives (a training dataset
declared in the stack is a ``Fn::GetAtt``); created on first use, in the stack of the dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml import provider_nag
from cdk_cleanrooms_ml.generation_grants import Acknowledge, Resources
from cdk_cleanrooms_ml.provider_nag import nag_rendering

AUDIENCE_MODELS_POLICY_ID: Final = "AudienceModelsPolicy"
# Create acts on the training dataset (and tags the new model); the rest on the model, whose
# id the service picks at Create; List has no resource-level permissions.
CREATE_ACTIONS: Final = ("cleanrooms-ml:CreateAudienceModel",)
MODEL_ACTIONS: Final = (
    "cleanrooms-ml:GetAudienceModel",
    "cleanrooms-ml:DeleteAudienceModel",
    "cleanrooms-ml:TagResource",
    "cleanrooms-ml:UntagResource",
    "cleanrooms-ml:ListTagsForResource",
)
LIST_ACTIONS: Final = ("cleanrooms-ml:ListAudienceModels",)


def audience_model_actions() -> tuple[str, ...]:
    """Every action an audience model grant allows."""
    return (*CREATE_ACTIONS, *MODEL_ACTIONS, *LIST_ACTIONS)


def account_models_arn(scope: Construct) -> str:
    """``audience-model/*`` of the stack's account and region."""
    return Stack.of(scope).format_arn(
        service="cleanrooms-ml", resource="audience-model", resource_name="*"
    )


class AudienceModelsPolicy:
    """Create on the granted training datasets; Get, Delete and the tag actions on the
    account's audience models; List on ``*``."""

    def __init__(
        self, scope: Construct, policy_id: str, role: iam.IRole, acknowledge: Acknowledge
    ) -> None:
        stack = Stack.of(scope)
        self._datasets = Resources(stack, iam.PolicyStatement(actions=list(CREATE_ACTIONS)))
        self._models = Resources(stack, iam.PolicyStatement(actions=list(MODEL_ACTIONS)))
        self._models.add(account_models_arn(scope))
        listing = iam.PolicyStatement(actions=list(LIST_ACTIONS), resources=["*"])
        self._statements = [self._datasets.statement, self._models.statement, listing]
        self.policy = iam.Policy(scope, policy_id, roles=[role], statements=self._statements)
        self._acknowledge = acknowledge
        # Both wildcards are as narrow as the API allows.
        account_models = nag_rendering(scope, "cleanrooms-ml", "audience-model/*")
        self.acknowledge(account_models, provider_nag.ACCOUNT_AUDIENCE_MODELS)
        self.acknowledge("*", provider_nag.LIST_AUDIENCE_MODELS)

    def statements(self) -> list[dict[str, Any]]:
        """The policy's statements as JSON (tokens unresolved), for the role's size estimate."""
        return [statement.to_statement_json() for statement in self._statements]

    def grant(self, training_datasets: Sequence[str]) -> iam.Policy:
        for dataset in training_datasets:
            self._datasets.add(dataset)
        return self.policy

    def acknowledge(self, resource: str, reason: str) -> None:
        """Acknowledge a wildcard resource of this policy for cdk-nag (AwsSolutions-IAM5)."""
        self._acknowledge(self.policy, resource, reason)
