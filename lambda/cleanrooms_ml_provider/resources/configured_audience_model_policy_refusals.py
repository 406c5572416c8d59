"""A refused policy update, remembered until CloudFormation rolls it back.

When an update meets a policy changed outside the stack, it fails and writes nothing. The
rollback then sends the same resource an Update back to the old properties, which meets the
same changed policy: it must succeed (writing nothing still), or the stack would end
UPDATE_ROLLBACK_FAILED. The two requests look alike (old and new swapped), so the refusal is
remembered on the configured model, in a tag of the library's own prefix: the hash of the
resource (its ownership value) and of the policy it was refused. The rollback finds it (its old
policy is the refused one), succeeds and removes it; the same update tried again does not (its
new policy is), and fails again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Final

from .. import clients, waiting
from ..service_call import call_method
from ..service_errors import ServiceError
from .configured_audience_model_policy_calls import WORDS

KEY: Final = "cdk-cleanrooms-ml:refused-policy"

logger = logging.getLogger(__name__)


def _value(owner: str, policy: str) -> str:
    try:
        canonical = json.dumps(json.loads(policy), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = policy
    return hashlib.sha256(f"{owner}\n{canonical}".encode()).hexdigest()


def _call(action: str, arn: str, budget: waiting.Budget, method: str, **kwargs: Any) -> Any:
    return call_method(action, arn, WORDS, budget, method, **kwargs)


def remember(arn: str, owner: str, policy: str, budget: waiting.Budget) -> None:
    """Mark ``policy`` as refused for ``owner`` on the model (a failure is only logged: the
    update fails either way, and its rollback then may too)."""
    try:
        _call(
            "TagResource",
            arn,
            budget,
            "tag_resource",
            resourceArn=arn,
            tags={KEY: _value(owner, policy)},
        )
    except (ServiceError, clients.Unavailable) as error:
        logger.warning("could not remember the refused update on %s: %s", arn, error)


def refused(arn: str, owner: str, policy: str, budget: waiting.Budget) -> bool:
    """Whether ``policy`` is the one refused for ``owner`` on the model."""
    answer = _call("ListTagsForResource", arn, budget, "list_tags_for_resource", resourceArn=arn)
    tags = answer.get("tags") if isinstance(answer, dict) else None
    return isinstance(tags, dict) and tags.get(KEY) == _value(owner, policy)


def forget(arn: str, budget: waiting.Budget) -> None:
    """Remove the mark (a failure is only logged: the next refusal overwrites it)."""
    try:
        _call("UntagResource", arn, budget, "untag_resource", resourceArn=arn, tagKeys=[KEY])
    except (ServiceError, clients.Unavailable) as error:
        logger.warning("could not remove the refusal mark of %s: %s", arn, error)
