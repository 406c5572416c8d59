"""A configured audience model's resource policy: Put, Get and Delete
ConfiguredAudienceModelPolicy.

The policy is what lets another account start generation jobs on the model. It is kept with
the model (deleting the model deletes it). Its ``policyHash`` is the hex SHA-256 of the policy
text: an assumption, the service's model says only "64 to 128 hex characters". Put enforces
``policyExistenceCondition`` and ``previousPolicyHash``; a violated condition or a stale hash
is a ValidationException naming the current state (the API lists no ConflictException for
Put, so Validation is the assumption).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..exceptions import ServiceError
from .configured_audience_models import ConfiguredAudienceModel
from .state import BackendState


def policy_hash(policy: str) -> str:
    """The ``policyHash`` of a policy text: its hex SHA-256."""
    return hashlib.sha256(policy.encode("utf-8")).hexdigest()


def _no_policy(arn: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", f"Configured audience model {arn} has no policy"
    )


def _check_conditions(model: ConfiguredAudienceModel, params: Mapping[str, Any]) -> None:
    """Put's conditions hold, or a ValidationException says what the policy is now."""
    current = None if model.policy is None else policy_hash(model.policy)
    state = "has no policy" if current is None else f"has a policy with hash {current}"
    condition = params.get("policyExistenceCondition")
    if condition == "POLICY_MUST_EXIST" and current is None:
        raise ServiceError(
            "ValidationException",
            f"policyExistenceCondition is POLICY_MUST_EXIST but configured audience model "
            f"{model.arn} {state}",
        )
    if condition == "POLICY_MUST_NOT_EXIST" and current is not None:
        raise ServiceError(
            "ValidationException",
            f"policyExistenceCondition is POLICY_MUST_NOT_EXIST but configured audience model "
            f"{model.arn} {state}",
        )
    previous = params.get("previousPolicyHash")
    if previous is not None and previous != current:
        raise ServiceError(
            "ValidationException",
            f"previousPolicyHash {previous} does not match: configured audience model "
            f"{model.arn} {state}",
        )


class ConfiguredAudienceModelPolicies(BackendState):
    """The resource-policy operations of the backend."""

    def put_configured_audience_model_policy(self, params: Mapping[str, Any]) -> dict[str, object]:
        """Set the policy, if the request's conditions hold; the policy and its hash."""
        with self.lock:
            model = self.configured_model(str(params["configuredAudienceModelArn"]))
            _check_conditions(model, params)
            model.policy = str(params["configuredAudienceModelPolicy"])
            self.changed(model)
            return {
                "configuredAudienceModelPolicy": model.policy,
                "policyHash": policy_hash(model.policy),
            }

    def get_configured_audience_model_policy(self, arn: str) -> dict[str, object]:
        """The policy and its hash; ResourceNotFoundException when the model has none."""
        with self.lock:
            model = self.configured_model(arn)
            if model.policy is None:
                raise _no_policy(arn)
            return {
                "configuredAudienceModelArn": model.arn,
                "configuredAudienceModelPolicy": model.policy,
                "policyHash": policy_hash(model.policy),
            }

    def delete_configured_audience_model_policy(self, arn: str) -> None:
        """Remove the policy; ResourceNotFoundException when the model has none."""
        with self.lock:
            model = self.configured_model(arn)
            if model.policy is None:
                raise _no_policy(arn)
            model.policy = None
            self.changed(model)
