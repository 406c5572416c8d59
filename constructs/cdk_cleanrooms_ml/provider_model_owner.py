"""What a shared provider stack may do for the model owner's resources: its allow-lists.

The model owner's resources are served only when the provider stack is given a
:class:`ModelOwnerAllowList`; without one its role has none of their permissions (as before).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Stack

from cdk_cleanrooms_ml import provider_nag
from cdk_cleanrooms_ml._handler.arns import MODEL_ARN_MAX
from cdk_cleanrooms_ml._handler.fields.configured_audience_model_association import (
    check_membership_id,
)
from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.generation_grants import check_seed_role_patterns
from cdk_cleanrooms_ml.job_grants import check_arn_patterns
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_interface import ProviderGrant
from cdk_cleanrooms_ml.provider_nag import nag_rendering

_DATASET_PATTERN: Final = re.compile(
    r"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:training-dataset/[-a-zA-Z0-9_/.*?]+"
)
_DATASET_SHAPE: Final = (
    "arn:<partition>:cleanrooms-ml:<region>:<12-digit account>:training-dataset/<id>, * or ? "
    "in <id>"
)


@dataclass(frozen=True)
class ModelOwnerAllowList:
    """The model owner's resources a shared provider may make.

    :param training_dataset_arns: audience models may be trained on these training datasets
        (ARNs, ``*`` and ``?`` allowed in the id).
    :param output_role_arns: configured audience models (of any audience model of the account
        and region) may write through these roles, passed to Clean Rooms ML only (role ARNs,
        ``*`` and ``?`` allowed in the name). Their resource policies may be put too.
    :param membership_ids: configured models may be associated with collaborations through
        these memberships (default: none).
    """

    training_dataset_arns: Sequence[str]
    output_role_arns: Sequence[str]
    membership_ids: Sequence[str] = ()

    def checked(self, partition: str | None) -> ModelOwnerAllowList:
        """The lists, each item checked (a ``ValidationError`` names ``model_owner.<list>[i]``)."""
        datasets = check_arn_patterns(
            self.training_dataset_arns,
            "model_owner.training_dataset_arns",
            partition,
            pattern=_DATASET_PATTERN,
            shape=_DATASET_SHAPE,
            max_length=MODEL_ARN_MAX,
            listing="training dataset ARN patterns",
            kind="a training dataset ARN pattern",
            empty="must name at least one training dataset (or ARN pattern)",
        )
        roles = check_seed_role_patterns(
            self.output_role_arns, "model_owner.output_role_arns", partition
        )
        if isinstance(self.membership_ids, str):
            raise ValidationError("model_owner.membership_ids", "must be a list of membership ids")
        memberships = [
            check_membership_id(item, f"model_owner.membership_ids[{index}]")
            for index, item in enumerate(self.membership_ids)
        ]
        return ModelOwnerAllowList(datasets, roles, memberships)


def grant_model_owner(provider: CleanRoomsMlProvider, allowed: ModelOwnerAllowList) -> None:
    """Grant ``provider`` what ``allowed`` lists, acknowledging each wildcard for cdk-nag."""
    stack = Stack.of(provider)
    models = stack.format_arn(service="cleanrooms-ml", resource="audience-model", resource_name="*")
    configured = stack.format_arn(
        service="cleanrooms-ml", resource="configured-audience-model", resource_name="*"
    )
    for dataset in allowed.training_dataset_arns:
        grant = provider.grant_audience_model(dataset)
        if "*" in dataset or "?" in dataset:
            _acknowledge(provider, grant, dataset, provider_nag.ALLOWED_DATASETS)
    for role in allowed.output_role_arns:
        grant = provider.grant_configured_audience_model(
            audience_model_arn=models, output_role_arn=role
        )
        _acknowledge(
            provider,
            grant,
            nag_rendering(provider, "cleanrooms-ml", "audience-model/*"),
            provider_nag.ACCOUNT_AUDIENCE_MODELS,
        )
        if "*" in role or "?" in role:
            _acknowledge(provider, grant, role, provider_nag.OUTPUT_ROLE_PATTERNS)
    pattern = nag_rendering(provider, "cleanrooms-ml", "configured-audience-model/*")
    if allowed.output_role_arns:
        grant = provider.grant_configured_audience_model_policy(configured)
        _acknowledge(provider, grant, pattern, provider_nag.ACCOUNT_CONFIGURED_MODELS)
    for membership in allowed.membership_ids:
        grant = provider.grant_configured_audience_model_association(
            membership_id=membership, configured_audience_model_arn=configured
        )
        _acknowledge(provider, grant, pattern, provider_nag.ACCOUNT_CONFIGURED_MODELS)


def _acknowledge(
    provider: CleanRoomsMlProvider, grant: ProviderGrant, resource: str, reason: str
) -> None:
    for policy in grant.depends_on:
        provider.grants.acknowledge_on(policy, resource, reason)
