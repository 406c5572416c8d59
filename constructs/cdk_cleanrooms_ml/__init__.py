"""AWS CDK constructs for AWS Clean Rooms ML audience exports.

The constructs are imported on first use: importing aws-cdk-lib starts its Node.js process,
which the offline harness (``python -m cdk_cleanrooms_ml.local``) never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from cdk_cleanrooms_ml.audience_export import RESOURCE_TYPE, AudienceExport
    from cdk_cleanrooms_ml.audience_size import AudienceSize, AudienceSizeType
    from cdk_cleanrooms_ml.provider import AudienceExportProvider
    from cdk_cleanrooms_ml.provider_stack import AudienceExportProviderStack

_MODULE_OF: Final = {
    "RESOURCE_TYPE": "cdk_cleanrooms_ml.audience_export",
    "AudienceExport": "cdk_cleanrooms_ml.audience_export",
    "AudienceSize": "cdk_cleanrooms_ml.audience_size",
    "AudienceSizeType": "cdk_cleanrooms_ml.audience_size",
    "AudienceExportProvider": "cdk_cleanrooms_ml.provider",
    "AudienceExportProviderStack": "cdk_cleanrooms_ml.provider_stack",
}

__all__ = [
    "RESOURCE_TYPE",
    "AudienceExport",
    "AudienceExportProvider",
    "AudienceExportProviderStack",
    "AudienceSize",
    "AudienceSizeType",
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
