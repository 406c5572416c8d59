"""``Custom::CleanRoomsMlProviderDrain``: a stack's provider outlives its background deletions.

A generation job (or an audience model) that is still being created when its stack is deleted
(or rolled back) cannot be deleted yet: its Delete is answered and the provider goes on deleting
it in the background (:mod:`engines.deletion`). When the provider is in that same stack,
CloudFormation would delete the provider right after the job resource, and the job would be
left. So the provider's construct adds this resource, on which the stack's jobs and models
depend: CloudFormation deletes it after
the jobs and before the provider, and its Delete waits (in scheduled polls, within its
ServiceTimeout) until no background deletion of the jobs it names is marked as going on (each
keeps a marker schedule from before its Delete is answered until it ends).

Properties: ``BackgroundDeletions`` (the logical ids of the stack's generation jobs) and
``ServiceTimeout``. Create and Update do nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from .. import continuation, rules, schedules, waiting
from ..clock import Clock
from ..engines.start_or_adopt import begin
from ..fields import common as common_fields
from ..fields import provider_drain as drain_fields
from ..outcomes import Done, Outcome, continue_after
from .base import hand_over_follow_up, leaves_nothing, no_completion, signal_polls

RESOURCE_TYPE: Final = drain_fields.DRAIN_RESOURCE_TYPE
KEY_JOBS: Final = drain_fields.KEY_BACKGROUND_DELETIONS

logger = logging.getLogger(__name__)


def _logical_ids(event: Mapping[str, Any]) -> list[str]:
    properties = event.get("ResourceProperties")
    raw = properties.get(KEY_JOBS) if isinstance(properties, Mapping) else None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise rules.RuleError(KEY_JOBS, "must be a list of logical ids")
    return [str(item) for item in raw]


def _timeout_s(event: Mapping[str, Any]) -> int:
    properties = event.get("ResourceProperties")
    raw = properties.get(common_fields.KEY_TIMEOUT) if isinstance(properties, Mapping) else None
    if raw is None:
        return rules.TIMEOUT_MAX_SECONDS
    return rules.check_timeout_seconds(
        rules.parse_int(raw, common_fields.KEY_TIMEOUT), common_fields.KEY_TIMEOUT
    )


def parse(properties: object, event: Mapping[str, Any]) -> tuple[list[str], int]:
    """(the logical ids of the jobs, ServiceTimeout) (``rules.RuleError`` when not valid)."""
    shown = {**event, "ResourceProperties": properties}
    return _logical_ids(shown), _timeout_s(shown)


def physical_id(event: Mapping[str, Any]) -> str:
    return f"{event.get('LogicalResourceId', 'drain')}-drain"


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Create and Update: check the properties; there is nothing to make."""
    del clock, remaining_s
    parse(event.get("ResourceProperties"), event)
    return Done(physical_id(event), {})


update = create


completion_check = no_completion


# A drain's Delete is answered by its last poll, and a drain makes nothing.
poll = signal_polls(completion_check)
start_follow_up = hand_over_follow_up
answers_under = leaves_nothing


def delete(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Wait until no background deletion of the named jobs is pending."""
    try:
        logical_ids, timeout_s = _logical_ids(event), _timeout_s(event)
    except rules.RuleError as error:
        # Nothing to wait for that can be named: never block a stack's deletion on it.
        logger.warning("drain: %s: %s; nothing to wait for", error.field, error.rule)
        return Done(str(event.get("PhysicalResourceId") or physical_id(event)), {})
    state, budget = begin(event, clock=clock, timeout_s=timeout_s, remaining_s=remaining_s)
    stack_id = str(event.get("StackId", ""))
    own_id = str(event.get("PhysicalResourceId") or physical_id(event))

    def look() -> tuple[bool, str]:
        until = budget.call_until()
        waiting_for = [
            logical_id
            for logical_id in logical_ids
            if schedules.exists(
                continuation.background_marker_name(stack_id, logical_id),
                clock=budget.clock,
                until=until,
            )
        ]
        return not waiting_for, f"background deletion of {', '.join(waiting_for) or 'none'}"

    try:
        waiting.wait_until(
            budget,
            look,
            phase=continuation.PHASE_DRAIN,
            last_status="not read yet",
            poll_first=True,
            timeout_reason=lambda elapsed, status: (
                f"after {elapsed} s, still waiting for the {status}: the provider must outlive "
                "it; delete the stack again later"
            ),
        )
    except waiting.HandOver as handover:
        return continue_after(handover, budget, state, own_id)
    return Done(own_id, {})
