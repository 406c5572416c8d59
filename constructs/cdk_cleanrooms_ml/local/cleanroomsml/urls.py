"""Which REST path and method is which operation (the service's ``http`` bindings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from . import operations as op

EXPORT_PATH: Final = "/audience-export-job"
GENERATION_JOB_PATH: Final = "/audience-generation-job"
TRAINING_DATASET_PATH: Final = "/training-dataset"
AUDIENCE_MODEL_PATH: Final = "/audience-model"
GENERATION_JOB_PREFIX: Final = GENERATION_JOB_PATH + "/"
TRAINING_DATASET_PREFIX: Final = TRAINING_DATASET_PATH + "/"
AUDIENCE_MODEL_PREFIX: Final = AUDIENCE_MODEL_PATH + "/"
TAGS_PREFIX: Final = "/tags/"
# The harness's own API (state and faults), beside the service's paths.
ADMIN_PREFIX: Final = "/_local/"

# A collection's path: what each method does there.
_COLLECTIONS: Final[Mapping[str, Mapping[str, str]]] = {
    EXPORT_PATH: {"POST": op.START, "GET": op.LIST},
    GENERATION_JOB_PATH: {"POST": op.START_GENERATION_JOB, "GET": op.LIST_GENERATION_JOBS},
    TRAINING_DATASET_PATH: {"POST": op.CREATE_TRAINING_DATASET, "GET": op.LIST_TRAINING_DATASETS},
    AUDIENCE_MODEL_PATH: {"POST": op.CREATE_AUDIENCE_MODEL, "GET": op.LIST_AUDIENCE_MODELS},
}
# A path that ends in a resource's ARN: what each method does to it.
_ITEMS: Final[Mapping[str, Mapping[str, str]]] = {
    GENERATION_JOB_PREFIX: {"GET": op.GET_GENERATION_JOB, "DELETE": op.DELETE_GENERATION_JOB},
    TRAINING_DATASET_PREFIX: {
        "GET": op.GET_TRAINING_DATASET,
        "DELETE": op.DELETE_TRAINING_DATASET,
    },
    AUDIENCE_MODEL_PREFIX: {"GET": op.GET_AUDIENCE_MODEL, "DELETE": op.DELETE_AUDIENCE_MODEL},
    TAGS_PREFIX: {"POST": op.TAG, "DELETE": op.UNTAG, "GET": op.LIST_TAGS},
}


def served(path: str) -> bool:
    return path in _COLLECTIONS or path.startswith((*_ITEMS, ADMIN_PREFIX))


def operation_for(method: str, path: str) -> str | None:
    if path in _COLLECTIONS:
        return _COLLECTIONS[path].get(method)
    for prefix, methods in _ITEMS.items():
        if path.startswith(prefix):
            return methods.get(method)
    return None
