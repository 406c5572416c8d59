"""The custom resource types the provider serves, as the harness's messages name them.

Taken from the library's list of served types (plus the provider's own drain), so a new
resource type shows up in every message without touching the harness; no aws-cdk-lib here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cdk_cleanrooms_ml._handler.fields.provider_drain import DRAIN_RESOURCE_TYPE
from cdk_cleanrooms_ml.resource_types import SERVED

# The types users declare, then the drain each provider stack declares for itself.
PROVIDER_TYPES: Final = (*SERVED, DRAIN_RESOURCE_TYPE)


def either(types: Sequence[str] = PROVIDER_TYPES) -> str:
    """``types`` as a choice in a sentence: ``A``, ``A or B``, ``A, B or C``."""
    if len(types) < 2:
        return "".join(types)
    return f"{', '.join(types[:-1])} or {types[-1]}"
