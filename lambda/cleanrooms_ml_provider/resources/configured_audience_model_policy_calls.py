"""A configured audience model's resource policy as Clean Rooms ML shows it: Put (with its
conditions), Get and Delete, their errors turned into actionable reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import clients, waiting
from ..service_errors import NotFoundError, Words, mapped_errors

PUT: Final = "PutConfiguredAudienceModelPolicy"
GET: Final = "GetConfiguredAudienceModelPolicy"
DELETE: Final = "DeleteConfiguredAudienceModelPolicy"
MUST_NOT_EXIST: Final = "POLICY_MUST_NOT_EXIST"


@dataclass(frozen=True)
class Current:
    """The policy a configured model has now, and its hash."""

    policy: str
    policy_hash: str


def _not_found(resource: str) -> str:
    return (
        f"configured audience model not found: {resource} (check the ARN's account, region and id)"
    )


WORDS: Final = Words(
    not_found=_not_found,
)


def put_policy(
    arn: str,
    policy: str,
    budget: waiting.Budget,
    *,
    must_not_exist: bool = False,
    previous: str | None = None,
) -> str:
    """Put ``policy`` on the configured model under its conditions; the new policyHash."""
    request: dict[str, Any] = {
        "configuredAudienceModelArn": arn,
        "configuredAudienceModelPolicy": policy,
    }
    if must_not_exist:
        request["policyExistenceCondition"] = MUST_NOT_EXIST
    if previous is not None:
        request["previousPolicyHash"] = previous
    with mapped_errors(PUT, arn, WORDS):
        response: Mapping[str, Any] = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).put_configured_audience_model_policy(
                **request
            ),
            clock=budget.clock,
            until=budget.call_until(),
            action=PUT,
        )
    return str(response.get("policyHash") or "")


def get_policy(arn: str, budget: waiting.Budget) -> Current | None:
    """The model's policy now; None when it has none (or the model is gone)."""
    try:
        with mapped_errors(GET, arn, WORDS):
            response: Mapping[str, Any] = clients.call(
                lambda timeout: clients.cleanroomsml(timeout).get_configured_audience_model_policy(
                    configuredAudienceModelArn=arn
                ),
                clock=budget.clock,
                until=budget.call_until(),
                action=GET,
            )
    except NotFoundError:
        return None
    return Current(
        str(response.get("configuredAudienceModelPolicy") or ""),
        str(response.get("policyHash") or ""),
    )


def delete_policy(arn: str, budget: waiting.Budget) -> None:
    """Delete the model's policy (already gone is fine)."""
    try:
        with mapped_errors(DELETE, arn, WORDS):
            clients.call(
                lambda timeout: clients.cleanroomsml(
                    timeout
                ).delete_configured_audience_model_policy(configuredAudienceModelArn=arn),
                clock=budget.clock,
                until=budget.call_until(),
                action=DELETE,
            )
    except NotFoundError:
        return
