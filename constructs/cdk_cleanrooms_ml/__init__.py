"""AWS CDK constructs for AWS Clean Rooms ML audience exports.

The constructs are imported on first use: importing aws-cdk-lib starts its Node.js process,
which the offline harness (``python -m cdk_cleanrooms_ml.local``) never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from cdk_cleanrooms_ml._handler.rules import ValidationError
    from cdk_cleanrooms_ml.audience_export import AudienceExport
    from cdk_cleanrooms_ml.audience_size import AudienceSize, AudienceSizeType
    from cdk_cleanrooms_ml.imported_provider import ImportedCleanRoomsMlProvider
    from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
    from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider, ProviderGrant
    from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, LogLevel
    from cdk_cleanrooms_ml.provider_stack import CleanRoomsMlProviderStack
    from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE

_MODULE_OF: Final = {
    "RESOURCE_TYPE": "cdk_cleanrooms_ml.resource_types",
    "AudienceExport": "cdk_cleanrooms_ml.audience_export",
    "AudienceSize": "cdk_cleanrooms_ml.audience_size",
    "AudienceSizeType": "cdk_cleanrooms_ml.audience_size",
    "CleanRoomsMlProvider": "cdk_cleanrooms_ml.provider",
    "CleanRoomsMlProviderOptions": "cdk_cleanrooms_ml.provider_options",
    "CleanRoomsMlProviderStack": "cdk_cleanrooms_ml.provider_stack",
    "ICleanRoomsMlProvider": "cdk_cleanrooms_ml.provider_interface",
    "ImportedCleanRoomsMlProvider": "cdk_cleanrooms_ml.imported_provider",
    "LogLevel": "cdk_cleanrooms_ml.provider_options",
    "ProviderGrant": "cdk_cleanrooms_ml.provider_interface",
    "ValidationError": "cdk_cleanrooms_ml._handler.rules",
}
__all__ = [
    "RESOURCE_TYPE",
    "AudienceExport",
    "AudienceSize",
    "AudienceSizeType",
    "CleanRoomsMlProvider",
    "CleanRoomsMlProviderOptions",
    "CleanRoomsMlProviderStack",
    "ICleanRoomsMlProvider",
    "ImportedCleanRoomsMlProvider",
    "LogLevel",
    "ProviderGrant",
    "ValidationError",
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
