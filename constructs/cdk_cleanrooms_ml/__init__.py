"""AWS CDK constructs for AWS Clean Rooms ML audience exports."""

from cdk_cleanrooms_ml.audience_export import RESOURCE_TYPE, AudienceExport
from cdk_cleanrooms_ml.audience_size import AudienceSize, AudienceSizeType
from cdk_cleanrooms_ml.provider import AudienceExportProvider
from cdk_cleanrooms_ml.provider_stack import AudienceExportProviderStack

__all__ = [
    "RESOURCE_TYPE",
    "AudienceExport",
    "AudienceExportProvider",
    "AudienceExportProviderStack",
    "AudienceSize",
    "AudienceSizeType",
]
