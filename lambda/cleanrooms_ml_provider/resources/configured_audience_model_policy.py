"""``Custom::CleanRoomsMlConfiguredAudienceModelPolicy``: a configured audience model's
resource policy (who may start generation jobs on it), never written over someone else's.

Create puts it only where there is none (``POLICY_MUST_NOT_EXIST``); a policy already there
that says the same is adopted (a retried Create), any other fails naming it. Update puts the
new policy only over the one this stack wrote (``previousPolicyHash`` of what Get shows, and
what Get shows must say what the old properties said): a policy changed outside the stack fails
the update with the drift, and is left as it is (and so does its rollback, by
:mod:`configured_audience_model_policy_refusals`). One deleted outside is put back (nothing is
overwritten). Delete deletes it only while it is still the stack's; otherwise it is left.
The physical id is the model's ARN and ``#policy``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from .. import rules, waiting
from ..clock import Clock
from ..engines import ownership
from ..engines.start_or_adopt import begin
from ..fields import configured_audience_model_policy as fields
from ..fields.configured_audience_model_policy import PolicyProperties, same_policy
from ..outcomes import Done, Outcome
from ..service_errors import RequestError, ServiceError
from . import configured_audience_model_policy_refusals as refusals
from .base import hand_over_follow_up, leaves_nothing, no_completion, signal_polls
from .configured_audience_model_policy_calls import Current, delete_policy, get_policy, put_policy

RESOURCE_TYPE: Final = fields.POLICY_RESOURCE_TYPE
SUFFIX: Final = "#policy"
# How Put answers a broken condition (the API lists no ConflictException for it): also how it
# answers a policy it refuses, which Get then tells apart.
CONDITION_FAILED: Final = "ValidationException"

logger = logging.getLogger(__name__)


def parse(properties: object, event: Mapping[str, Any]) -> PolicyProperties:
    """The policy the properties ask for (``rules.RuleError`` when not valid)."""
    del event
    return fields.parse_properties(properties)


def physical_id(event: Mapping[str, Any]) -> str:
    properties = event.get("ResourceProperties")
    arn = (
        properties.get(fields.KEY_CONFIGURED_MODEL_ARN) if isinstance(properties, Mapping) else None
    )
    return f"{arn}{SUFFIX}" if isinstance(arn, str) else f"{event.get('LogicalResourceId')}{SUFFIX}"


def _done(props: PolicyProperties, policy_hash: str) -> Done:
    return Done(
        f"{props.configured_model_arn}{SUFFIX}",
        {"ConfiguredAudienceModelArn": props.configured_model_arn, "PolicyHash": policy_hash},
    )


def _drift(arn: str, current: Current) -> RequestError:
    return RequestError(
        f"the resource policy of {arn} was changed outside this stack (policyHash now "
        f"{current.policy_hash[:12]}...): not overwritten. Put back the stack's policy or "
        "delete that one, then update again"
    )


def _budget(
    props: PolicyProperties, event: Mapping[str, Any], clock: Clock, remaining_s: float
) -> waiting.Budget:
    return begin(event, clock=clock, timeout_s=props.timeout_seconds, remaining_s=remaining_s)[1]


def _put_new(props: PolicyProperties, budget: waiting.Budget) -> Done:
    """Put where there is no policy; adopt one that says the same (a retry)."""
    arn = props.configured_model_arn
    try:
        return _done(props, put_policy(arn, props.policy, budget, must_not_exist=True))
    except ServiceError as error:
        if error.code != CONDITION_FAILED:
            raise
        current = get_policy(arn, budget)
        if current is None:
            raise
        if same_policy(current.policy, props.policy):
            return _done(props, current.policy_hash)
        raise RequestError(
            f"{arn} already has a resource policy that this stack did not write (policyHash "
            f"{current.policy_hash[:12]}...): not overwritten. Delete it, or leave the policy "
            "out of the stack"
        ) from None


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    props = parse(event.get("ResourceProperties"), event)
    return _put_new(props, _budget(props, event, clock, remaining_s))


def update(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    props = parse(event.get("ResourceProperties"), event)
    budget = _budget(props, event, clock, remaining_s)
    try:
        old = fields.parse_properties(event.get("OldResourceProperties"))
    except rules.RuleError:
        old = None
    if old is None or old.configured_model_arn != props.configured_model_arn:
        # Another model: a new resource (CloudFormation then deletes the old one).
        return _put_new(props, budget)
    arn = props.configured_model_arn
    current = get_policy(arn, budget)
    if current is None:
        return _put_new(props, budget)
    if same_policy(current.policy, props.policy):
        return _done(props, current.policy_hash)
    if not same_policy(current.policy, old.policy):
        owner = ownership.owner(str(event.get("StackId", "")), str(event.get("LogicalResourceId")))
        if refusals.refused(arn, owner, old.policy, budget):
            # The rollback of the update refused below: back to the old properties, unwritten.
            logger.warning("rollback: the policy of %s changed outside is left as it is", arn)
            refusals.forget(arn, budget)
            return _done(props, current.policy_hash)
        refusals.remember(arn, owner, props.policy, budget)
        raise _drift(arn, current)
    try:
        return _done(props, put_policy(arn, props.policy, budget, previous=current.policy_hash))
    except ServiceError as error:
        if error.code != CONDITION_FAILED:
            raise
        now = get_policy(arn, budget)
        if now is not None and now.policy_hash != current.policy_hash:
            raise _drift(arn, now) from None
        raise


def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Delete the policy while it is the stack's; leave one changed outside the stack."""
    own_id = str(event.get("PhysicalResourceId") or physical_id(event))
    try:
        props = parse(event.get("ResourceProperties"), event)
    except rules.RuleError as error:
        logger.warning("policy: %s: %s; nothing of ours to delete", error.field, error.rule)
        return Done(own_id, {})
    arn = own_id.removesuffix(SUFFIX)
    if not own_id.endswith(SUFFIX) or arn != props.configured_model_arn:
        return Done(own_id, {})
    budget = _budget(props, event, clock, remaining_s)
    current = get_policy(arn, budget)
    if current is None:
        return Done(own_id, {})
    if not same_policy(current.policy, props.policy):
        logger.warning("policy of %s was changed outside the stack: left as it is", arn)
        return Done(own_id, {})
    delete_policy(arn, budget)
    return Done(own_id, {})


completion_check = no_completion


poll = signal_polls(completion_check)
start_follow_up = hand_over_follow_up
# A Create that fails puts nothing (and the Delete that follows leaves a policy not ours).
answers_under = leaves_nothing
