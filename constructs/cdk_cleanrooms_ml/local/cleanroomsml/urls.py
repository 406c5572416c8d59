"""Which REST path and method is which operation (the service's ``http`` bindings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from . import operations as op

EXPORT_PATH: Final = "/audience-export-job"
GENERATION_JOB_PATH: Final = "/audience-generation-job"
TRAINING_DATASET_PATH: Final = "/training-dataset"
AUDIENCE_MODEL_PATH: Final = "/audience-model"
CONFIGURED_MODEL_PATH: Final = "/configured-audience-model"
GENERATION_JOB_PREFIX: Final = GENERATION_JOB_PATH + "/"
TRAINING_DATASET_PREFIX: Final = TRAINING_DATASET_PATH + "/"
AUDIENCE_MODEL_PREFIX: Final = AUDIENCE_MODEL_PATH + "/"
CONFIGURED_MODEL_PREFIX: Final = CONFIGURED_MODEL_PATH + "/"
# After a configured model's ARN: its resource policy. The ARN's own slashes arrive as %2F
# (botocore percent-encodes a path label), so the suffix is unambiguous.
POLICY_SUFFIX: Final = "/policy"
TAGS_PREFIX: Final = "/tags/"
# The harness's own API (state and faults), beside the service's paths.
ADMIN_PREFIX: Final = "/_local/"

# A collection's path: what each method does there.
_COLLECTIONS: Final[Mapping[str, Mapping[str, str]]] = {
    EXPORT_PATH: {"POST": op.START, "GET": op.LIST},
    GENERATION_JOB_PATH: {"POST": op.START_GENERATION_JOB, "GET": op.LIST_GENERATION_JOBS},
    TRAINING_DATASET_PATH: {"POST": op.CREATE_TRAINING_DATASET, "GET": op.LIST_TRAINING_DATASETS},
    AUDIENCE_MODEL_PATH: {"POST": op.CREATE_AUDIENCE_MODEL, "GET": op.LIST_AUDIENCE_MODELS},
    CONFIGURED_MODEL_PATH: {
        "POST": op.CREATE_CONFIGURED_MODEL,
        "GET": op.LIST_CONFIGURED_MODELS,
    },
}
# A path that ends in a resource's ARN: what each method does to it.
_ITEMS: Final[Mapping[str, Mapping[str, str]]] = {
    GENERATION_JOB_PREFIX: {"GET": op.GET_GENERATION_JOB, "DELETE": op.DELETE_GENERATION_JOB},
    TRAINING_DATASET_PREFIX: {
        "GET": op.GET_TRAINING_DATASET,
        "DELETE": op.DELETE_TRAINING_DATASET,
    },
    AUDIENCE_MODEL_PREFIX: {"GET": op.GET_AUDIENCE_MODEL, "DELETE": op.DELETE_AUDIENCE_MODEL},
    CONFIGURED_MODEL_PREFIX: {
        "GET": op.GET_CONFIGURED_MODEL,
        "PATCH": op.UPDATE_CONFIGURED_MODEL,
        "DELETE": op.DELETE_CONFIGURED_MODEL,
    },
    TAGS_PREFIX: {"POST": op.TAG, "DELETE": op.UNTAG, "GET": op.LIST_TAGS},
}
# A configured model's policy: what each method does to it.
_POLICY: Final[Mapping[str, str]] = {
    "PUT": op.PUT_CONFIGURED_MODEL_POLICY,
    "GET": op.GET_CONFIGURED_MODEL_POLICY,
    "DELETE": op.DELETE_CONFIGURED_MODEL_POLICY,
}


def is_policy_path(path: str) -> bool:
    return path.startswith(CONFIGURED_MODEL_PREFIX) and path.endswith(POLICY_SUFFIX)


def served(path: str) -> bool:
    return path in _COLLECTIONS or path.startswith((*_ITEMS, ADMIN_PREFIX))


def operation_for(method: str, path: str) -> str | None:
    if path in _COLLECTIONS:
        return _COLLECTIONS[path].get(method)
    if is_policy_path(path):
        return _POLICY.get(method)
    for prefix, methods in _ITEMS.items():
        if path.startswith(prefix):
            return methods.get(method)
    return None
