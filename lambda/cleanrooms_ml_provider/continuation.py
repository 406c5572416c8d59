"""Carrying a wait over to a follow-up invocation of this same function, a poll later.

The follow-up gets the original event plus ``AudienceExportContinuation`` (when the request
started, its deadline, what was being waited for). It is invoked by a one-time EventBridge
Scheduler schedule that deletes itself once it fired (:mod:`schedules`): between two polls
nothing runs. Payloads written by earlier versions (which invoked the function directly) carry
the same keys and are understood alike.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from . import schedules, waiting
from .clock import Clock
from .fields import common as common_fields

KEY: Final = "AudienceExportContinuation"
PHASE_GENERATION: Final = "generation"  # waiting for the generation job before Start
PHASE_EXPORT: Final = "export"  # waiting for the export to be ACTIVE
PHASE_JOB: Final = "job"  # starting a generation job resource's job, or waiting for it
PHASE_JOB_DELETE: Final = "job-delete"  # waiting for a generation job to be gone
PHASE_MODEL: Final = "model"  # creating an audience model, or waiting for its training
PHASE_SIGNAL: Final = "signal"  # answered; polling until the WaitCondition can be signalled
# The Delete was answered; deleting the job once the service allows it.
PHASE_BACKGROUND_DELETE: Final = "background-delete"
# A provider's drain being deleted: waiting until its stack's background deletions are done.
PHASE_DRAIN: Final = "drain"
PHASES: Final = (
    PHASE_GENERATION,
    PHASE_EXPORT,
    PHASE_JOB,
    PHASE_JOB_DELETE,
    PHASE_MODEL,
    PHASE_SIGNAL,
    PHASE_BACKGROUND_DELETE,
    PHASE_DRAIN,
)
# Phases whose invocations never answer CloudFormation: that was done.
AFTER_ANSWER_PHASES: Final = (PHASE_SIGNAL, PHASE_BACKGROUND_DELETE)
# A safety net only (chains end by time): no two invocations of a chain are closer than this.
MIN_SPAN_S: Final = 20.0
SPARE_INVOCATIONS: Final = 3
# Clocks of two invocations may disagree a little; more than this is not skew.
CLOCK_SKEW_S: Final = 60.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    started: float
    deadline: float
    phase: str
    physical_id: str
    data: dict[str, str] = field(default_factory=dict)
    invocation: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "Started": self.started,
            "Deadline": self.deadline,
            "Phase": self.phase,
            "PhysicalResourceId": self.physical_id,
            "Data": self.data,
            "Invocation": self.invocation,
        }


def _number(raw: object, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueError(f"{KEY}.{key} must be a number")
    return float(raw)


def max_invocations(timeout_s: int) -> int:
    """Far more invocations than a wait of ``timeout_s`` takes (its polls are a minute apart or
    more): a safety net against a crafted or replayed chain. Chains end by time."""
    return math.ceil(timeout_s / MIN_SPAN_S) + SPARE_INVOCATIONS


def read(
    event: Mapping[str, Any], *, now: float, timeout_s: int, max_invocation: int
) -> State | None:
    """The continuation state in ``event``, or None for a request straight from CloudFormation.

    Anyone allowed to invoke the function can send one, so it is checked like any input: the
    start may not lie in the future and the chain may not outgrow ``max_invocation``; the
    caller caps the deadline at the start plus the resource's ServiceTimeout.
    """
    raw = event.get(KEY)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(f"{KEY} must be an object")
    phase = raw.get("Phase")
    if phase not in PHASES:
        raise ValueError(f"{KEY}.Phase must be one of {', '.join(PHASES)}")
    physical_id = raw.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        raise ValueError(f"{KEY}.PhysicalResourceId must be a non-empty string")
    data = raw.get("Data", {})
    if not isinstance(data, Mapping):
        raise ValueError(f"{KEY}.Data must be an object")
    started = _number(raw.get("Started"), "Started")
    if started > now + CLOCK_SKEW_S:
        raise ValueError(f"{KEY}.Started lies in the future")
    deadline = _number(raw.get("Deadline"), "Deadline")
    invocation = raw.get("Invocation")
    if isinstance(invocation, bool) or not isinstance(invocation, int) or invocation < 2:
        raise ValueError(f"{KEY}.Invocation must be a whole number from 2")
    if invocation > max_invocation:
        raise ValueError(
            f"{KEY}.Invocation {invocation} exceeds {max_invocation}, the most a wait of "
            f"{timeout_s} s can take"
        )
    return State(
        started=started,
        deadline=deadline,
        phase=str(phase),
        physical_id=physical_id,
        data={str(k): str(v) for k, v in data.items()},
        invocation=invocation,
    )


def begin(
    event: Mapping[str, Any], *, clock: Clock, timeout_s: int, remaining_s: float
) -> tuple[State | None, waiting.Budget]:
    """The continuation state in ``event`` (None for a fresh request) and this invocation's
    budget; ValueError for a continuation that is not ours."""
    now = clock.now()
    state = read(event, now=now, timeout_s=timeout_s, max_invocation=max_invocations(timeout_s))
    deadline = (
        min(state.deadline, waiting.deadline_for(state.started, timeout_s)) if state else None
    )
    ends = deadline if deadline is not None else waiting.deadline_for(now, timeout_s)
    if ends - now <= schedules.LAST_STRETCH_S:
        inline_s = None  # too close to the deadline to schedule: wait out the rest inline
    else:
        inline_s = 0.0 if state else waiting.FIRST_INLINE_S
    budget = waiting.Budget.begin(
        clock,
        started=state.started if state else None,
        # Never later than the first start + ServiceTimeout, whatever the event says.
        deadline=deadline,
        timeout_s=timeout_s,
        remaining_s=remaining_s,
        inline_s=inline_s,
    )
    return state, budget


def _kind(phase: str) -> str:
    if phase == PHASE_SIGNAL:
        return schedules.KIND_SIGNAL
    if phase == PHASE_BACKGROUND_DELETE:
        return schedules.KIND_DELETE
    return schedules.KIND_WAIT


def poll_name(event: Mapping[str, Any], physical_id: str, phase: str, invocation: int) -> str:
    """The schedule name of poll ``invocation`` of a chain (see :mod:`schedules`)."""
    chain = physical_id
    if phase == PHASE_SIGNAL:
        # Each WaitCondition has its own poller: an update to a new handle starts a second one.
        properties = event.get("ResourceProperties")
        url = (
            properties.get(common_fields.KEY_SIGNAL_URL)
            if isinstance(properties, Mapping)
            else None
        )
        chain += f"\n{url}"
    return schedules.schedule_name(
        str(event.get("StackId", "")),
        str(event.get("LogicalResourceId", "")),
        chain,
        _kind(phase),
        invocation,
    )


def background_marker_name(stack_id: str, logical_id: str) -> str:
    """The schedule that marks a background deletion of ``logical_id`` as going on: created
    before its Delete is answered, deleted when the deletion ends (see provider_drain)."""
    return schedules.schedule_name(stack_id, logical_id, "marker", schedules.KIND_DELETE, 0)


def pending_poll_names(event: Mapping[str, Any], physical_id: str, phase: str) -> list[str]:
    """Every name a pending poll of that chain can have."""
    return [poll_name(event, physical_id, phase, slot) for slot in range(schedules.SLOTS)]


def hand_over(
    event: Mapping[str, Any], function_arn: str, state: State, *, clock: Clock, until: float
) -> None:
    """Schedule the next poll: this function, invoked with the event and ``state``.

    Raises :class:`schedules.DuplicateHandOver` when that poll is scheduled already (this is a
    duplicate delivery of the previous one), ServiceError when it cannot be scheduled.
    """
    follow_up = {key: value for key, value in event.items() if key != KEY}
    follow_up[KEY] = state.to_json()
    now = clock.now()
    at = schedules.next_poll_at(now, schedules.delay_for(state.invocation), state.deadline)
    if at is None:
        # Too close to the deadline for a schedule to fire surely before it: the next look is
        # at the deadline, where the wait ends with its reason.
        at = math.ceil((now + schedules.MIN_LEAD_S) / schedules.PRECISION_S) * schedules.PRECISION_S
    schedules.create(
        name=poll_name(event, state.physical_id, state.phase, state.invocation),
        at=at,
        function_arn=function_arn,
        payload=follow_up,
        clock=clock,
        until=until,
    )
    logger.info(
        "waiting continues in poll %d (phase %s) at %s; no response from this invocation",
        state.invocation,
        state.phase,
        time.strftime("%H:%M:%S", time.gmtime(at)),
    )
