"""Audience model resources for handler tests: their properties and events."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final

from cdk_cleanrooms_ml._handler.fields import audience_model as model_fields
from cdk_cleanrooms_ml._handler.fields import configured_audience_model as configured_fields
from cdk_cleanrooms_ml.local.cleanroomsml.models.audience_models import AudienceModelDurations
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, FUNCTION_ARN, cfn_event

DATASET_ARN: Final = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:training-dataset/shoppers"
# Seeded ACTIVE on DATASET_ARN, for the configured models' tests.
TRAINED_MODEL_ARN: Final = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:audience-model/trained"
MODEL_LOGICAL_ID: Final = "Model"
CREATE_MODEL: Final = "CreateAudienceModel"
GET_MODEL: Final = "GetAudienceModel"
DELETE_MODEL: Final = "DeleteAudienceModel"
LIST_MODELS: Final = "ListAudienceModels"


def model_properties(**changes: Any) -> dict[str, Any]:
    """An audience model's ResourceProperties as CloudFormation sends them, with ``changes``
    on top (a value of None removes the key)."""
    props: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "TrainingDatasetArn": DATASET_ARN,
        "Name": "shoppers-model",
    }
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = copy.deepcopy(value)
    return props


def model_event(
    request_type: str, props: Any, *, physical_id: str | None = None, old: Any = None
) -> dict[str, Any]:
    event = cfn_event(
        request_type,
        props,
        physical_id=physical_id,
        old_properties=old,
        logical_id=MODEL_LOGICAL_ID,
    )
    event["ResourceType"] = model_fields.AUDIENCE_MODEL_RESOURCE_TYPE
    return event


def configured_event(
    request_type: str, props: Any, *, physical_id: str | None = None, old: Any = None
) -> dict[str, Any]:
    event = cfn_event(
        request_type, props, physical_id=physical_id, old_properties=old, logical_id="Configured"
    )
    event["ResourceType"] = configured_fields.CONFIGURED_MODEL_RESOURCE_TYPE
    return event


@dataclass
class LocalModels:
    """The harness's endpoint serving audience models on the test's clock."""

    endpoint: CleanRoomsMlEndpoint
    url: str

    def models(self) -> list[dict[str, Any]]:
        """Every model as GetAudienceModel shows it (tags included), oldest first."""
        backend = self.endpoint.backend
        summaries = backend.list_audience_models()
        return [backend.get_audience_model(str(s["audienceModelArn"])) for s in summaries]

    def creates(self) -> int:
        return len(self.endpoint.calls_to(CREATE_MODEL))

    def configured(self) -> list[dict[str, Any]]:
        """Every configured model as GetConfiguredAudienceModel shows it, oldest first."""
        backend = self.endpoint.backend
        summaries = backend.list_configured_audience_models()
        return [
            backend.get_configured_audience_model(str(s["configuredAudienceModelArn"]))
            for s in summaries
        ]


def serve_models(
    services: Services, *, train_s: float = 7200.0, delete_s: float = 60.0, trained: bool = False
) -> LocalModels:
    """Serve the endpoint with the training dataset ``DATASET_ARN`` (and, if ``trained``, the
    ACTIVE model ``TRAINED_MODEL_ARN``); a model takes ``train_s`` to be ACTIVE (1 s of it
    CREATE_PENDING) and ``delete_s`` to be gone."""
    model = {"audienceModelArn": TRAINED_MODEL_ARN, "trainingDatasetArn": DATASET_ARN}
    endpoint = CleanRoomsMlEndpoint(
        seed={
            "audienceGenerationJobs": [],
            "trainingDatasets": [{"trainingDatasetArn": DATASET_ARN}],
            "audienceModels": [model] if trained else [],
        },
        audience_model_durations=AudienceModelDurations(
            pending=1.0,
            in_progress=train_s - 1.0,
            delete_pending=1.0,
            delete_in_progress=delete_s - 1.0,
        ),
        clock=services.clock.now,
        account_id=ACCOUNT,
    )
    server = LoopbackServer([endpoint]).start()
    services.use_endpoint(server)
    return LocalModels(endpoint, server.url)


def make_configured_model(endpoint: CleanRoomsMlEndpoint, name: str = "offer") -> str:
    """A configured model of ``TRAINED_MODEL_ARN`` made on the endpoint directly; its ARN."""
    made = endpoint.backend.create_configured_audience_model(
        {
            "name": name,
            "audienceModelArn": TRAINED_MODEL_ARN,
            "outputConfig": {
                "destination": {"s3Destination": {"s3Uri": "s3://audiences/out/"}},
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/audience-writer",
            },
            "sharedAudienceMetrics": ["ALL"],
        }
    )
    return str(made["configuredAudienceModelArn"])
