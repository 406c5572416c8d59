"""The model owner's operations on the wire: training datasets and audience models.

Each is answered by the backend method of the same name, as in :mod:`.responses`, of which
:class:`CleanRoomsMlEndpoint` this is a part.
"""

from __future__ import annotations

from .faults import Faults
from .models import CleanRoomsMlBackend
from .pagination import page


class ModelOwnerResponses:
    """Create, Get, List and Delete of TrainingDataset and AudienceModel."""

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
