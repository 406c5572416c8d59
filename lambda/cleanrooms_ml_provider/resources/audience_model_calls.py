"""Audience models as Clean Rooms ML shows them: the calls (errors turned into actionable
reasons), the model a request asks for, and what a model's settings differ in."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .. import arns, clients, rules, waiting
from ..clock import Clock
from ..engines.kind import OwnedTarget
from ..fields import audience_model as model_fields
from ..fields import common as common_fields
from ..listing import arn_named
from ..service_errors import Words, mapped_errors
from ..statuses import status_details

CREATE_MODEL: Final = "CreateAudienceModel"
GET_MODEL: Final = "GetAudienceModel"
LIST_MODELS: Final = "ListAudienceModels"
DELETE_MODEL: Final = "DeleteAudienceModel"
WHAT: Final = "audience model"
# The settings CreateAudienceModel took, as Get shows them, by their template keys.
_SETTINGS: Final = {
    "trainingDatasetArn": model_fields.KEY_TRAINING_DATASET_ARN,
    "trainingDataStartTime": model_fields.KEY_START_TIME,
    "trainingDataEndTime": model_fields.KEY_END_TIME,
    "kmsKeyArn": model_fields.KEY_KMS_KEY_ARN,
    "description": common_fields.KEY_DESCRIPTION,
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Model:
    """What GetAudienceModel says of a model."""

    arn: str
    name: str
    status: str
    status_code: str
    status_message: str
    tags: dict[str, str]
    settings: dict[str, str]  # by the request's keys; timestamps as UTC ``...Z``

    def data(self) -> dict[str, str]:
        """The resource's attributes (strings, as CloudFormation hands them to the template)."""
        return {
            "AudienceModelArn": self.arn,
            "Name": self.name,
            "Status": self.status,
            "TrainingDatasetArn": self.settings.get("trainingDatasetArn", ""),
        }


def _not_found(resource: str) -> str:
    what = "training dataset" if ":training-dataset/" in resource else WHAT
    return f"{what} not found: {resource} (check the ARN's account, region and id)"


WORDS: Final = Words(not_found=_not_found)


def _shown(value: object) -> str:
    """A setting as compared: timestamps (datetimes from botocore) as UTC ``...Z``."""
    if hasattr(value, "isoformat"):
        return model_fields.check_timestamp(value.isoformat())
    return str(value)


def get_model(arn: str, budget: waiting.Budget, attempts: int | None = None) -> Model:
    """The model; :class:`NotFoundError` when it does not exist."""
    with mapped_errors(GET_MODEL, arn, WORDS):
        response: Mapping[str, Any] = clients.call(
            lambda timeout: clients.cleanroomsml(timeout).get_audience_model(audienceModelArn=arn),
            clock=budget.clock,
            until=budget.call_until(),
            action=GET_MODEL,
            attempts=attempts,
        )
    code, message = status_details(response)
    return Model(
        arn=arn,
        name=str(response.get("name") or ""),
        status=str(response["status"]),
        status_code=code,
        status_message=message,
        tags={str(k): str(v) for k, v in (response.get("tags") or {}).items()},
        settings={key: _shown(response[key]) for key in _SETTINGS if response.get(key)},
    )


def find_model(name: str, budget: waiting.Budget, attempts: int | None = None) -> str | None:
    """The ARN of the account's model called ``name``, if any."""
    return arn_named(
        LIST_MODELS,
        "list_audience_models",
        "audienceModels",
        "audienceModelArn",
        name,
        words=WORDS,
        resource=name,
        clock=budget.clock,
        until=budget.call_until(),
        attempts=attempts,
    )


def create_model(request: Mapping[str, Any], budget: waiting.Budget) -> str:
    """Create the model (training starts); its ARN. One of that name comes back as
    :class:`ConflictError`, for the caller to look up and adopt."""

    def create(timeout: float) -> str:
        answer = clients.cleanroomsml(timeout).create_audience_model(**request)
        return str(answer["audienceModelArn"])

    with mapped_errors(CREATE_MODEL, str(request["trainingDatasetArn"]), WORDS):
        return clients.call(
            create,
            clock=budget.clock,
            until=budget.call_until(by_deadline=True),
            action=CREATE_MODEL,
        )


def delete_model(arn: str, *, clock: Clock, until: float, attempts: int | None = None) -> None:
    """Ask for the model's deletion (asynchronous). Conflict: it is still being trained."""
    with mapped_errors(DELETE_MODEL, arn, WORDS):
        clients.call(
            lambda timeout: clients.cleanroomsml(timeout).delete_audience_model(
                audienceModelArn=arn
            ),
            clock=clock,
            until=until,
            action=DELETE_MODEL,
            attempts=attempts,
        )


def differences(model: Model, wanted: Mapping[str, Any]) -> list[str]:
    """The settings (as the template names them) in which ``model`` differs from the Create
    request ``wanted`` (every setting but tags: the model has no update API)."""
    return [
        key
        for request_key, key in _SETTINGS.items()
        if model.settings.get(request_key, "") != str(wanted.get(request_key) or "")
    ]


class ModelTarget(OwnedTarget[model_fields.AudienceModelProperties]):
    """The model a request asks for."""

    def pending_data(self, arn: str, status: str) -> dict[str, str]:
        return {
            "AudienceModelArn": arn,
            "Name": self.name,
            "Status": status,
            "TrainingDatasetArn": self.props.training_dataset_arn,
        }


def is_model_arn(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        arns.check_audience_model_arn(value, "PhysicalResourceId")
    except rules.RuleError:
        return False
    return True
