"""The CloudFormation resource types this library declares (standard library only).

Here, not in the construct module, so the offline harness can name them without aws-cdk-lib.
"""

from __future__ import annotations

from typing import Final

RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceExport"
