"""The CloudFormation resource types this library declares (standard library only).

Here, not in the construct module, so the offline harness can name them without aws-cdk-lib.
"""

from __future__ import annotations

from typing import Final

from cdk_cleanrooms_ml._handler.rules import EXPORT_RESOURCE_TYPE, GENERATION_JOB_RESOURCE_TYPE

RESOURCE_TYPE: Final = EXPORT_RESOURCE_TYPE

__all__ = ["GENERATION_JOB_RESOURCE_TYPE", "RESOURCE_TYPE"]
