"""Configured audience models: Create, Get, List, Update and Delete ConfiguredAudienceModel.

A configured model is the model owner's offer of an audience model to a collaboration: where
audiences go, which metrics and sizes are shared. It is only settings, so it is ACTIVE (the one
status the service has) as soon as it is made and gone as soon as it is deleted. Its audience
model must exist and be ACTIVE; names are unique per account. Update changes only the members
its request carries. Its resource policy (:mod:`.configured_audience_model_policies`) is kept
with it, and goes with it. Generation jobs started on it offer the sizes of its
``audienceSizeConfig`` bins, none when it shares no metrics.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ..exceptions import ServiceError
from .state import BackendState
from .statuses import DELETING, iso

ACTIVE: Final = "ACTIVE"
# The members UpdateConfiguredAudienceModel can change, by request key, with their fields.
UPDATABLE: Final = {
    "outputConfig": "output_config",
    "audienceModelArn": "audience_model_arn",
    "sharedAudienceMetrics": "shared_audience_metrics",
    "minMatchingSeedSize": "min_matching_seed_size",
    "audienceSizeConfig": "audience_size_config",
    "description": "description",
}


@dataclass
class ConfiguredAudienceModel:
    arn: str
    name: str
    audience_model_arn: str
    output_config: dict[str, Any]
    shared_audience_metrics: list[str]
    created_at: float = 0.0
    updated_at: float = 0.0
    description: str | None = None
    min_matching_seed_size: int | None = None
    audience_size_config: dict[str, Any] | None = None
    child_resource_tag_on_create_policy: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # The resource policy's text (PutConfiguredAudienceModelPolicy); its hash is derived.
    policy: str | None = None

    @classmethod
    def from_state(cls, item: dict[str, Any]) -> ConfiguredAudienceModel:
        return cls(**item)

    def offered_sizes(self) -> list[tuple[str, int]]:
        """The sizes a generation job on this model offers: its bins, unless it shares no
        metrics or has no size config."""
        config = self.audience_size_config
        if config is None or self.shared_audience_metrics == ["NONE"]:
            return []
        kind = str(config["audienceSizeType"])
        # A bin given twice is one size.
        return list(dict.fromkeys((kind, int(value)) for value in config["audienceSizeBins"]))

    def summary(self) -> dict[str, object]:
        """The ListConfiguredAudienceModels item."""
        item: dict[str, object] = {
            "createTime": iso(self.created_at),
            "updateTime": iso(self.updated_at),
            "name": self.name,
            "audienceModelArn": self.audience_model_arn,
            "outputConfig": _copy(self.output_config),
            "configuredAudienceModelArn": self.arn,
            "status": ACTIVE,
        }
        if self.description is not None:
            item["description"] = self.description
        return item

    def describe(self) -> dict[str, object]:
        """The GetConfiguredAudienceModel answer: every member the model has."""
        result = self.summary()
        result["sharedAudienceMetrics"] = list(self.shared_audience_metrics)
        for key, value in (
            ("minMatchingSeedSize", self.min_matching_seed_size),
            ("audienceSizeConfig", _copy(self.audience_size_config)),
            ("childResourceTagOnCreatePolicy", self.child_resource_tag_on_create_policy),
        ):
            if value is not None:
                result[key] = value
        if self.tags:
            result["tags"] = dict(self.tags)
        return result


class ConfiguredAudienceModels(BackendState):
    """The configured-audience-model operations of the backend."""

    def create_configured_audience_model(self, params: Mapping[str, Any]) -> dict[str, object]:
        """Make a configured model, or raise the error the service would answer."""
        with self.lock:
            name, model_arn = str(params["name"]), str(params["audienceModelArn"])
            self._usable_audience_model(model_arn)
            if any(m.name == name for m in self.configured_models.values()):
                raise ServiceError(
                    "ConflictException",
                    f"A configured audience model named {name} already exists",
                )
            # The configured model lives in the audience model's partition, region and account.
            arn_prefix = model_arn.split(":audience-model/", maxsplit=1)[0]
            arn = f"{arn_prefix}:configured-audience-model/{uuid.uuid4()}"
            now = self.clock()
            model = ConfiguredAudienceModel(
                arn=arn,
                name=name,
                audience_model_arn=model_arn,
                output_config=_copy(params["outputConfig"]),
                shared_audience_metrics=[str(m) for m in params["sharedAudienceMetrics"]],
                created_at=now,
                updated_at=now,
                description=params.get("description"),
                min_matching_seed_size=params.get("minMatchingSeedSize"),
                audience_size_config=_copy(params.get("audienceSizeConfig")),
                child_resource_tag_on_create_policy=params.get("childResourceTagOnCreatePolicy"),
                tags=dict(params.get("tags") or {}),
            )
            self.configured_models[arn] = model
            self.changed(model)
            return {"configuredAudienceModelArn": arn}

    def get_configured_audience_model(self, arn: str) -> dict[str, object]:
        """The GetConfiguredAudienceModel answer."""
        with self.lock:
            return self.configured_model(arn).describe()

    def list_configured_audience_models(self) -> list[dict[str, object]]:
        """Configured models as ListConfiguredAudienceModels shows them (all pages), oldest
        first."""
        with self.lock:
            ordered = sorted(self.configured_models.values(), key=lambda m: m.created_at)
            return [model.summary() for model in ordered]

    def update_configured_audience_model(self, params: Mapping[str, Any]) -> dict[str, object]:
        """Change the members the request carries, and only those; ``description`` "" clears
        the description. Name, tags and the child-tag policy are not in the request's shape."""
        with self.lock:
            model = self.configured_model(str(params["configuredAudienceModelArn"]))
            changes = {key: params[key] for key in UPDATABLE if params.get(key) is not None}
            if "audienceModelArn" in changes:
                self._usable_audience_model(str(changes["audienceModelArn"]))
            for key, value in changes.items():
                cleared = key == "description" and value == ""
                setattr(model, UPDATABLE[key], None if cleared else _copy(value))
            if changes:
                model.updated_at = self.clock()
                self.changed(model)
            return {"configuredAudienceModelArn": model.arn}

    def delete_configured_audience_model(self, arn: str) -> None:
        """Delete a configured model (and its policy) at once.

        Refused (ConflictException) while a generation job started on it has not been deleted:
        an assumption, the service documents no such rule. A job counts until its Delete has
        begun (DELETE_PENDING or DELETE_IN_PROGRESS); one whose deletion failed still counts.
        """
        with self.lock:
            self.configured_model(arn)
            self.purge()  # jobs whose deletion has finished no longer count
            now = self.clock()
            users = sorted(
                job.name
                for job in self.generation_jobs.values()
                if job.configured_audience_model_arn == arn
                and job.status_at(now)[0] not in DELETING
            )
            if users:
                raise ServiceError(
                    "ConflictException",
                    f"Configured audience model {arn} is used by the audience generation "
                    f"job(s) {', '.join(users)}; delete those first",
                )
            del self.configured_models[arn]
            self.forget(arn)

    def _usable_audience_model(self, arn: str) -> None:
        """The audience model a configured model is made on must exist and be ACTIVE.

        ACTIVE is an assumption: the service documents only that it must exist. One still
        training (or failed, or being deleted) is a ValidationException.
        """
        status = self.audience_model(arn).status_at(self.clock())[0]
        if status != ACTIVE:
            raise ServiceError(
                "ValidationException",
                f"Audience model {arn} is {status}; a configured audience model needs an "
                "ACTIVE audience model",
            )


def _copy(value: Any) -> Any:
    """A copy of a request's JSON value, so the model shares nothing with the request."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
