"""The operations the endpoint serves, by their API names.

Each is answered by the backend method of the same name in snake case
(``StartAudienceExportJob`` -> ``start_audience_export_job``), as moto names them.
"""

from __future__ import annotations

import re
from typing import Final

START: Final = "StartAudienceExportJob"
LIST: Final = "ListAudienceExportJobs"
GET_GENERATION_JOB: Final = "GetAudienceGenerationJob"
START_GENERATION_JOB: Final = "StartAudienceGenerationJob"
LIST_GENERATION_JOBS: Final = "ListAudienceGenerationJobs"
DELETE_GENERATION_JOB: Final = "DeleteAudienceGenerationJob"
TAG: Final = "TagResource"
UNTAG: Final = "UntagResource"
LIST_TAGS: Final = "ListTagsForResource"
# The model owner's resources.
CREATE_TRAINING_DATASET: Final = "CreateTrainingDataset"
GET_TRAINING_DATASET: Final = "GetTrainingDataset"
LIST_TRAINING_DATASETS: Final = "ListTrainingDatasets"
DELETE_TRAINING_DATASET: Final = "DeleteTrainingDataset"
CREATE_AUDIENCE_MODEL: Final = "CreateAudienceModel"
GET_AUDIENCE_MODEL: Final = "GetAudienceModel"
LIST_AUDIENCE_MODELS: Final = "ListAudienceModels"
DELETE_AUDIENCE_MODEL: Final = "DeleteAudienceModel"
CREATE_CONFIGURED_MODEL: Final = "CreateConfiguredAudienceModel"
GET_CONFIGURED_MODEL: Final = "GetConfiguredAudienceModel"
LIST_CONFIGURED_MODELS: Final = "ListConfiguredAudienceModels"
UPDATE_CONFIGURED_MODEL: Final = "UpdateConfiguredAudienceModel"
DELETE_CONFIGURED_MODEL: Final = "DeleteConfiguredAudienceModel"
PUT_CONFIGURED_MODEL_POLICY: Final = "PutConfiguredAudienceModelPolicy"
GET_CONFIGURED_MODEL_POLICY: Final = "GetConfiguredAudienceModelPolicy"
DELETE_CONFIGURED_MODEL_POLICY: Final = "DeleteConfiguredAudienceModelPolicy"
OPERATIONS: Final = (
    START,
    LIST,
    GET_GENERATION_JOB,
    START_GENERATION_JOB,
    LIST_GENERATION_JOBS,
    DELETE_GENERATION_JOB,
    TAG,
    UNTAG,
    LIST_TAGS,
    CREATE_TRAINING_DATASET,
    GET_TRAINING_DATASET,
    LIST_TRAINING_DATASETS,
    DELETE_TRAINING_DATASET,
    CREATE_AUDIENCE_MODEL,
    GET_AUDIENCE_MODEL,
    LIST_AUDIENCE_MODELS,
    DELETE_AUDIENCE_MODEL,
    CREATE_CONFIGURED_MODEL,
    GET_CONFIGURED_MODEL,
    LIST_CONFIGURED_MODELS,
    UPDATE_CONFIGURED_MODEL,
    DELETE_CONFIGURED_MODEL,
    PUT_CONFIGURED_MODEL_POLICY,
    GET_CONFIGURED_MODEL_POLICY,
    DELETE_CONFIGURED_MODEL_POLICY,
)

_WORD_START: Final = re.compile(r"(?<!^)(?=[A-Z])")


def method_name(operation: str) -> str:
    """The name of the method that answers ``operation``."""
    return _WORD_START.sub("_", operation).lower()
