"""The model owner's operations on the wire: training datasets, audience models, configured
audience models and their resource policies.

Each is answered by the backend method of the same name, as in :mod:`.responses`, of which
:class:`CleanRoomsMlEndpoint` this is a part.
"""

from __future__ import annotations

from .faults import Faults
from .models import CleanRoomsMlBackend
from .pagination import page


class ModelOwnerResponses:
    """Create, Get, List and Delete of TrainingDataset and AudienceModel; Create, Get, List,
    Update and Delete of ConfiguredAudienceModel; Put, Get and Delete of its policy."""

    backend: CleanRoomsMlBackend
    faults: Faults
    page_size: int

    def create_training_dataset(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.create_training_dataset(params)

    def get_training_dataset(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.get_training_dataset(str(params["trainingDatasetArn"]))

    def list_training_datasets(self, params: dict[str, object]) -> dict[str, object]:
        items = self.backend.list_training_datasets()
        return page(params, "trainingDatasets", items, None, self.page_size)

    def delete_training_dataset(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_training_dataset(str(params["trainingDatasetArn"]))
        return {}

    def create_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.create_audience_model(params, self.faults.take_model_failure)

    def get_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.get_audience_model(str(params["audienceModelArn"]))

    def list_audience_models(self, params: dict[str, object]) -> dict[str, object]:
        items = self.backend.list_audience_models()
        return page(params, "audienceModels", items, None, self.page_size)

    def delete_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_audience_model(
            str(params["audienceModelArn"]), self.faults.take_model_delete_failure
        )
        return {}

    def create_configured_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.create_configured_audience_model(params)

    def get_configured_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.get_configured_audience_model(str(params["configuredAudienceModelArn"]))

    def list_configured_audience_models(self, params: dict[str, object]) -> dict[str, object]:
        items = self.backend.list_configured_audience_models()
        return page(params, "configuredAudienceModels", items, None, self.page_size)

    def update_configured_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.update_configured_audience_model(params)

    def delete_configured_audience_model(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_configured_audience_model(str(params["configuredAudienceModelArn"]))
        return {}

    def put_configured_audience_model_policy(self, params: dict[str, object]) -> dict[str, object]:
        return self.backend.put_configured_audience_model_policy(params)

    def get_configured_audience_model_policy(self, params: dict[str, object]) -> dict[str, object]:
        arn = str(params["configuredAudienceModelArn"])
        return self.backend.get_configured_audience_model_policy(arn)

    def delete_configured_audience_model_policy(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        arn = str(params["configuredAudienceModelArn"])
        self.backend.delete_configured_audience_model_policy(arn)
        return {}
