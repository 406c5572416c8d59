"""Configured audience models as Clean Rooms ML shows them: the calls (errors turned into
actionable reasons), the model a request asks for, and what its settings differ in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import arns, clients, rules, waiting
from ..clock import Clock
from ..engines.kind import OwnedTarget
from ..fields import configured_audience_model as fields
from ..listing import arn_named
from ..service_errors import Words, mapped_errors
from ..statuses import status_details

CREATE: Final = "CreateConfiguredAudienceModel"
GET: Final = "GetConfiguredAudienceModel"
LIST: Final = "ListConfiguredAudienceModels"
UPDATE: Final = "UpdateConfiguredAudienceModel"
DELETE: Final = "DeleteConfiguredAudienceModel"
WHAT: Final = "configured audience model"
# Create's settings as Get shows them, by request key, and the template keys they come from.
_SETTINGS: Final = {
    **fields.UPDATABLE,
    "childResourceTagOnCreatePolicy": (fields.KEY_CHILD_TAGS,),
}


@dataclass(frozen=True)
class ConfiguredModel:
    """What GetConfiguredAudienceModel says of a configured model."""

    arn: str
    name: str
    status: str
    status_code: str
    status_message: str
    tags: dict[str, str]
    settings: dict[str, Any]  # by the request's keys

    def data(self) -> dict[str, str]:
        """The resource's attributes (strings, as CloudFormation hands them to the template)."""
        sizes = self.settings.get("audienceSizeConfig") or {}
        size_type = sizes.get("audienceSizeType", "")
        return {
            "ConfiguredAudienceModelArn": self.arn,
            "Name": self.name,
            "Status": self.status,
            "AudienceSizeBins": ",".join(
                f"{size_type}:{value}" for value in sorted(sizes.get("audienceSizeBins", []))
            ),
        }


def _not_found(resource: str) -> str:
    what = "audience model" if ":audience-model/" in resource else WHAT
    return f"{what} not found: {resource} (check the ARN's account, region and id)"


WORDS: Final = Words(not_found=_not_found)


def get_model(arn: str, budget: waiting.Budget, attempts: int | None = None) -> ConfiguredModel:
    """The configured model; :class:`NotFoundError` when it does not exist."""
    with mapped_errors(GET, arn, WORDS):
        response: Mapping[str, Any] = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).get_configured_audience_model(
                configuredAudienceModelArn=arn
            ),
            clock=budget.clock,
            until=budget.call_until(),
            action=GET,
            attempts=attempts,
        )
    code, message = status_details(response)
    return ConfiguredModel(
        arn=arn,
        name=str(response.get("name") or ""),
        status=str(response.get("status") or "ACTIVE"),
        status_code=code,
        status_message=message,
        tags={str(k): str(v) for k, v in (response.get("tags") or {}).items()},
        settings={key: response[key] for key in _SETTINGS if response.get(key) is not None},
    )


def find_model(name: str, budget: waiting.Budget, attempts: int | None = None) -> str | None:
    """The ARN of the account's configured model called ``name``, if any."""
    return arn_named(
        LIST,
        "list_configured_audience_models",
        "configuredAudienceModels",
        "configuredAudienceModelArn",
        name,
        words=WORDS,
        resource=name,
        clock=budget.clock,
        until=budget.call_until(),
        attempts=attempts,
    )


def create_model(request: Mapping[str, Any], budget: waiting.Budget) -> str:
    """Create the configured model; its ARN (Conflict: one of that name exists)."""
    with mapped_errors(CREATE, str(request["audienceModelArn"]), WORDS):
        answer = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).create_configured_audience_model(
                **request
            ),
            clock=budget.clock,
            until=budget.call_until(by_deadline=True),
            action=CREATE,
        )
    return str(answer["configuredAudienceModelArn"])


def update_model(
    seen: ConfiguredModel, target: ConfiguredModelTarget, budget: waiting.Budget
) -> ConfiguredModel:
    """Set the settings UpdateConfiguredAudienceModel takes, as ``target`` asks; the model now."""
    wanted = target.request
    changes = {
        key: wanted[key]
        for key in fields.UPDATABLE
        if key in wanted and seen.settings.get(key) != wanted[key]
    }
    if "description" not in wanted and seen.settings.get("description"):
        changes["description"] = ""
    if changes:
        with mapped_errors(UPDATE, seen.arn, WORDS):
            clients.call(
                lambda timeout: clients.cleanroomsml(timeout).update_configured_audience_model(
                    configuredAudienceModelArn=seen.arn, **changes
                ),
                clock=budget.clock,
                until=budget.call_until(),
                action=UPDATE,
            )
    return get_model(seen.arn, budget)


def delete_model(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> None:
    """Delete the configured model."""
    with mapped_errors(DELETE, arn, WORDS):
        clients.call(
            lambda timeout: clients.cleanroomsml(timeout).delete_configured_audience_model(
                configuredAudienceModelArn=arn
            ),
            clock=clock,
            until=until,
            action=DELETE,
            attempts=attempts,
        )


def differences(model: ConfiguredModel, wanted: Mapping[str, Any]) -> list[str]:
    """The settings (as the template names them) in which ``model`` differs from the Create
    request ``wanted``; a setting the request leaves out is not compared (the service's
    default), but the description."""
    found: list[str] = []
    for key, template_keys in _SETTINGS.items():
        seen = model.settings.get(key)
        if (key in wanted and seen != wanted[key]) or (
            key not in wanted and key == "description" and seen
        ):
            found += template_keys
    return found


class ConfiguredModelTarget(OwnedTarget[fields.ConfiguredModelProperties]):
    """The configured model a request asks for."""

    def pending_data(self, arn: str, status: str) -> dict[str, str]:
        sizes = self.props.audience_size_config
        return {
            "ConfiguredAudienceModelArn": arn,
            "Name": self.name,
            "Status": status,
            "AudienceSizeBins": ""
            if sizes is None
            else ",".join(f"{sizes[0]}:{value}" for value in sorted(sizes[1])),
        }


def is_model_arn(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        arns.check_configured_audience_model_arn(value, "PhysicalResourceId")
    except rules.RuleError:
        return False
    return True
