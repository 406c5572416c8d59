"""A seed moved into another account and region: every Clean Rooms (ML) ARN of the seed names
that account and region, every IAM ARN that account.

An organization's clouds each serve the library's example seed this way: a consumer in account
``222222222222`` and ``eu-west-1`` exports from
``arn:aws:cleanrooms-ml:eu-west-1:222222222222:audience-generation-job/example-lookalikes``, a
job of its own account and region, as a provider there may only serve those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

_REGIONAL: Final = re.compile(r"^arn:(aws[-a-z]*):(cleanrooms-ml|cleanrooms):[-a-z0-9]+:[0-9]{12}:")
_GLOBAL: Final = re.compile(r"^arn:(aws[-a-z]*):iam::[0-9]{12}:")


def _moved(value: Any, account: str, region: str) -> Any:
    if isinstance(value, str):
        value = _REGIONAL.sub(lambda m: f"arn:{m[1]}:{m[2]}:{region}:{account}:", value)
        return _GLOBAL.sub(lambda m: f"arn:{m[1]}:iam::{account}:", value)
    if isinstance(value, Mapping):
        return {key: _moved(item, account, region) for key, item in value.items()}
    if isinstance(value, list):
        return [_moved(item, account, region) for item in value]
    return value


def relocated_seed(seed: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
    """``seed`` with its ARNs in ``account`` and ``region``."""
    moved: dict[str, Any] = _moved(seed, account, region)
    return moved
