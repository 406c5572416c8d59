"""AWS CDK constructs for AWS Clean Rooms ML audience generation jobs and exports.

The constructs are imported on first use: importing aws-cdk-lib starts its Node.js process,
which the offline harness (``python -m cdk_cleanrooms_ml.local``) never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from cdk_cleanrooms_ml._handler import rules as _rules

# Named as users import it: a traceback says cdk_cleanrooms_ml.ValidationError, not the
# handler's private module (standard library only, so importing it here costs nothing; the
# Lambda, which never imports this package, keeps its own name).
_rules.ValidationError.__module__ = __name__

if TYPE_CHECKING:
    from cdk_cleanrooms_ml._handler.rules import ValidationError
    from cdk_cleanrooms_ml.audience_export import AudienceExport
    from cdk_cleanrooms_ml.audience_model import AudienceModel
    from cdk_cleanrooms_ml.audience_size import AudienceSize, AudienceSizeType
    from cdk_cleanrooms_ml.configured_audience_model import (
        AudienceSizeConfig,
        ChildResourceTagPolicy,
        ConfiguredAudienceModel,
        SharedAudienceMetrics,
    )
    from cdk_cleanrooms_ml.configured_model_association import (
        ConfiguredAudienceModelAssociation,
    )
    from cdk_cleanrooms_ml.configured_model_policy import ConfiguredAudienceModelPolicy
    from cdk_cleanrooms_ml.generation_job import AudienceGenerationJob
    from cdk_cleanrooms_ml.imported_job import ImportedAudienceGenerationJob
    from cdk_cleanrooms_ml.imported_provider import ImportedCleanRoomsMlProvider
    from cdk_cleanrooms_ml.job_reference import IAudienceGenerationJob
    from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
    from cdk_cleanrooms_ml.provider_grants import ProviderGrants
    from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider, ProviderGrant
    from cdk_cleanrooms_ml.provider_model_owner import ModelOwnerAllowList
    from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, LogLevel
    from cdk_cleanrooms_ml.provider_stack import CleanRoomsMlProviderStack
    from cdk_cleanrooms_ml.provider_stack_set import CleanRoomsMlProviderStackSet
    from cdk_cleanrooms_ml.resource_types import (
        ASSOCIATION_RESOURCE_TYPE,
        AUDIENCE_MODEL_RESOURCE_TYPE,
        CONFIGURED_MODEL_RESOURCE_TYPE,
        GENERATION_JOB_RESOURCE_TYPE,
        POLICY_RESOURCE_TYPE,
        RESOURCE_TYPE,
    )
    from cdk_cleanrooms_ml.seed_audience import SeedAudience, SeedCompute, WorkerType
    from cdk_cleanrooms_ml.stack_set_rules import AccountAllowLists
    from cdk_cleanrooms_ml.training_data import Column, ColumnType, TrainingDataSource
    from cdk_cleanrooms_ml.training_dataset import (
        ImportedTrainingDataset,
        ITrainingDataset,
        TrainingDataset,
    )

_MODULE_OF: Final = {
    "AUDIENCE_MODEL_RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "GENERATION_JOB_RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "AudienceGenerationJob": "cdk_cleanrooms_ml.generation_job",
    "AudienceExport": "cdk_cleanrooms_ml.audience_export",
    "AudienceModel": "cdk_cleanrooms_ml.audience_model",
    "AudienceSizeConfig": "cdk_cleanrooms_ml.configured_audience_model",
    "ChildResourceTagPolicy": "cdk_cleanrooms_ml.configured_audience_model",
    "ConfiguredAudienceModel": "cdk_cleanrooms_ml.configured_audience_model",
    "ConfiguredAudienceModelPolicy": "cdk_cleanrooms_ml.configured_model_policy",
    "ConfiguredAudienceModelAssociation": "cdk_cleanrooms_ml.configured_model_association",
    "ModelOwnerAllowList": "cdk_cleanrooms_ml.provider_model_owner",
    "SharedAudienceMetrics": "cdk_cleanrooms_ml.configured_audience_model",
    "CONFIGURED_MODEL_RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "POLICY_RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "ASSOCIATION_RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "AudienceSize": "cdk_cleanrooms_ml.audience_size",
    "AudienceSizeType": "cdk_cleanrooms_ml.audience_size",
    "CleanRoomsMlProvider": "cdk_cleanrooms_ml.provider",
    "CleanRoomsMlProviderOptions": "cdk_cleanrooms_ml.provider_options",
    "CleanRoomsMlProviderStack": "cdk_cleanrooms_ml.provider_stack",
    "CleanRoomsMlProviderStackSet": "cdk_cleanrooms_ml.provider_stack_set",
    "AccountAllowLists": "cdk_cleanrooms_ml.stack_set_rules",
    "IAudienceGenerationJob": "cdk_cleanrooms_ml.job_reference",
    "ICleanRoomsMlProvider": "cdk_cleanrooms_ml.provider_interface",
    "ImportedAudienceGenerationJob": "cdk_cleanrooms_ml.imported_job",
    "ImportedCleanRoomsMlProvider": "cdk_cleanrooms_ml.imported_provider",
    "LogLevel": "cdk_cleanrooms_ml.provider_options",
    "ProviderGrant": "cdk_cleanrooms_ml.provider_interface",
    "ProviderGrants": "cdk_cleanrooms_ml.provider_grants",
    "SeedAudience": "cdk_cleanrooms_ml.seed_audience",
    "SeedCompute": "cdk_cleanrooms_ml.seed_audience",
    "Column": "cdk_cleanrooms_ml.training_data",
    "ColumnType": "cdk_cleanrooms_ml.training_data",
    "TrainingDataSource": "cdk_cleanrooms_ml.training_data",
    "ITrainingDataset": "cdk_cleanrooms_ml.training_dataset",
    "ImportedTrainingDataset": "cdk_cleanrooms_ml.training_dataset",
    "TrainingDataset": "cdk_cleanrooms_ml.training_dataset",
    "ValidationError": "cdk_cleanrooms_ml._handler.rules",
    "WorkerType": "cdk_cleanrooms_ml.seed_audience",
}
__all__ = [
    "ASSOCIATION_RESOURCE_TYPE",
    "AUDIENCE_MODEL_RESOURCE_TYPE",
    "CONFIGURED_MODEL_RESOURCE_TYPE",
    "GENERATION_JOB_RESOURCE_TYPE",
    "POLICY_RESOURCE_TYPE",
    "RESOURCE_TYPE",
    "AccountAllowLists",
    "AudienceExport",
    "AudienceGenerationJob",
    "AudienceModel",
    "AudienceSize",
    "AudienceSizeConfig",
    "AudienceSizeType",
    "ChildResourceTagPolicy",
    "CleanRoomsMlProvider",
    "CleanRoomsMlProviderOptions",
    "CleanRoomsMlProviderStack",
    "CleanRoomsMlProviderStackSet",
    "Column",
    "ColumnType",
    "ConfiguredAudienceModel",
    "ConfiguredAudienceModelAssociation",
    "ConfiguredAudienceModelPolicy",
    "IAudienceGenerationJob",
    "ICleanRoomsMlProvider",
    "ITrainingDataset",
    "ImportedAudienceGenerationJob",
    "ImportedCleanRoomsMlProvider",
    "ImportedTrainingDataset",
    "LogLevel",
    "ModelOwnerAllowList",
    "ProviderGrant",
    "ProviderGrants",
    "SeedAudience",
    "SeedCompute",
    "SharedAudienceMetrics",
    "TrainingDataSource",
    "TrainingDataset",
    "ValidationError",
    "WorkerType",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
