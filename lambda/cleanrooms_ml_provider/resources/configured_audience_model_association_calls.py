"""Configured audience model associations as Clean Rooms (the collaborations service) shows
them: the calls (errors turned into actionable reasons), and what a request asks for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import clients, waiting
from ..clock import Clock
from ..engines.kind import OwnedTarget
from ..fields import configured_audience_model_association as fields
from ..listing import arn_named
from ..service_call import call_method
from ..service_errors import Words, mapped_errors

CREATE: Final = "CreateConfiguredAudienceModelAssociation"
GET: Final = "GetConfiguredAudienceModelAssociation"
LIST: Final = "ListConfiguredAudienceModelAssociations"
UPDATE: Final = "UpdateConfiguredAudienceModelAssociation"
DELETE: Final = "DeleteConfiguredAudienceModelAssociation"
LIST_TAGS: Final = "ListTagsForResource"
WHAT: Final = "configured audience model association"
_UUID: Final = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ARN: Final = re.compile(
    rf"arn:aws[-a-z]*:cleanrooms:[-a-z0-9]+:[0-9]{{12}}:membership/({_UUID})"
    rf"/configuredaudiencemodelassociation/({_UUID})"
)
# Get's keys, by the Create request's (the settings compared before adopting or updating).
_SEEN_AS: Final = {
    "membershipIdentifier": "membershipId",
    "configuredAudienceModelArn": "configuredAudienceModelArn",
    "configuredAudienceModelAssociationName": "name",
    "manageResourcePolicies": "manageResourcePolicies",
    "description": "description",
}
_TEMPLATE_KEYS: Final = {
    "membershipIdentifier": fields.KEY_MEMBERSHIP_ID,
    "configuredAudienceModelArn": fields.KEY_CONFIGURED_MODEL_ARN,
    "configuredAudienceModelAssociationName": fields.KEY_NAME,
    "manageResourcePolicies": fields.KEY_MANAGE_POLICIES,
    "description": "Description",
}


def is_association_arn(value: object) -> bool:
    return isinstance(value, str) and ARN.fullmatch(value) is not None


def ids_of(arn: str) -> tuple[str, str]:
    """(membership id, association id) of an association's ARN."""
    found = ARN.fullmatch(arn)
    assert found is not None, arn
    return found.group(1), found.group(2)


@dataclass(frozen=True)
class Association:
    """What Get (and ListTagsForResource) say of an association."""

    arn: str
    name: str
    tags: dict[str, str]
    settings: dict[str, Any]  # by Get's keys
    status: str = "ACTIVE"  # an association has no status: it exists, or not
    status_code: str = ""
    status_message: str = ""

    def data(self) -> dict[str, str]:
        """The resource's attributes (strings, as CloudFormation hands them to the template)."""
        return {
            "ConfiguredAudienceModelAssociationArn": self.arn,
            "ConfiguredAudienceModelAssociationId": str(self.settings.get("id", "")),
            "Name": self.name,
            "CollaborationId": str(self.settings.get("collaborationId", "")),
            "CollaborationArn": str(self.settings.get("collaborationArn", "")),
            "MembershipArn": str(self.settings.get("membershipArn", "")),
        }


def _not_found(resource: str) -> str:
    return (
        f"not found: {resource} (check the membership id, the configured audience model's "
        "ARN, and that the model is in the membership's account and region)"
    )


WORDS: Final = Words(
    not_found=_not_found,
    service="cleanrooms",
)


def _call(action: str, resource: str, budget: waiting.Budget, method: str, **kwargs: Any) -> Any:
    return call_method(action, resource, WORDS, budget, method, client=clients.cleanrooms, **kwargs)


def get_association(arn: str, budget: waiting.Budget, attempts: int | None = None) -> Association:
    """The association and its tags; :class:`NotFoundError` when it does not exist."""
    del attempts  # each call is retried within the budget
    membership, association = ids_of(arn)
    ids = {
        "membershipIdentifier": membership,
        "configuredAudienceModelAssociationIdentifier": association,
    }
    got = _call(GET, arn, budget, "get_configured_audience_model_association", **ids)
    seen: Mapping[str, Any] = got["configuredAudienceModelAssociation"]
    tags = _call(LIST_TAGS, arn, budget, "list_tags_for_resource", resourceArn=arn)
    return Association(
        arn=arn,
        name=str(seen.get("name") or ""),
        tags={str(k): str(v) for k, v in (tags.get("tags") or {}).items()},
        settings=dict(seen),
    )


def find_association(
    target: AssociationTarget, budget: waiting.Budget, attempts: int | None = None
) -> str | None:
    """The ARN of the membership's association called ``target.name``, if any."""
    return arn_named(
        LIST,
        "list_configured_audience_model_associations",
        "configuredAudienceModelAssociationSummaries",
        "arn",
        target.name,
        words=WORDS,
        resource=f"membership {target.props.membership_id}",
        clock=budget.clock,
        until=budget.call_until(),
        attempts=attempts,
        client=clients.cleanrooms,
        membershipIdentifier=target.props.membership_id,
    )


def create_association(target: AssociationTarget, budget: waiting.Budget) -> str:
    """Create the association; its ARN (Conflict: one of that name, or of that model, exists)."""
    request = target.request
    with mapped_errors(CREATE, str(request["configuredAudienceModelArn"]), WORDS):
        answer = clients.call(
            lambda timeout: clients.cleanrooms(
                timeout
            ).create_configured_audience_model_association(**request),
            clock=budget.clock,
            until=budget.call_until(by_deadline=True),
            action=CREATE,
        )
    return str(answer["configuredAudienceModelAssociation"]["arn"])


def update_association(
    seen: Association, target: AssociationTarget, budget: waiting.Budget
) -> Association:
    """Set the name and description ``target`` asks for; the association now."""
    membership, association = ids_of(seen.arn)
    changes: dict[str, str] = {}
    if seen.name != target.name:
        changes["name"] = target.name
    description = target.props.description or ""
    if str(seen.settings.get("description") or "") != description:
        changes["description"] = description
    if changes:
        _call(
            UPDATE,
            seen.arn,
            budget,
            "update_configured_audience_model_association",
            membershipIdentifier=membership,
            configuredAudienceModelAssociationIdentifier=association,
            **changes,
        )
    return get_association(seen.arn, budget)


def delete_association(
    arn: str, *, clock: Clock, until: float, attempts: int | None = None
) -> None:
    """Delete the association (at once: nothing to wait for)."""
    membership, association = ids_of(arn)
    with mapped_errors(DELETE, arn, WORDS):
        clients.call(
            lambda timeout: clients.cleanrooms(
                timeout
            ).delete_configured_audience_model_association(
                membershipIdentifier=membership,
                configuredAudienceModelAssociationIdentifier=association,
            ),
            clock=clock,
            until=until,
            action=DELETE,
            attempts=attempts,
        )


def differences(seen: Association, wanted: Mapping[str, Any]) -> list[str]:
    """The settings (as the template names them) in which ``seen`` differs from the Create
    request ``wanted`` (an absent description is an empty one)."""
    found: list[str] = []
    for key, seen_key in _SEEN_AS.items():
        if key == "description":
            if str(seen.settings.get(seen_key) or "") != str(wanted.get(key) or ""):
                found.append(_TEMPLATE_KEYS[key])
        elif seen.settings.get(seen_key) != wanted.get(key):
            found.append(_TEMPLATE_KEYS[key])
    return found


class AssociationTarget(OwnedTarget[fields.AssociationProperties]):
    """The association a request asks for."""

    def pending_data(self, arn: str, status: str) -> dict[str, str]:
        del status
        return {
            "ConfiguredAudienceModelAssociationArn": arn,
            "ConfiguredAudienceModelAssociationId": ids_of(arn)[1]
            if is_association_arn(arn)
            else "",
            "Name": self.name,
            "CollaborationId": "",
            "CollaborationArn": "",
            "MembershipArn": "",
        }
