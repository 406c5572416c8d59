"""Carrying a long wait over to a follow-up invocation of this same function.

The follow-up gets the original event plus ``AudienceExportContinuation`` (when the request
started, its deadline, what was being waited for). It is invoked asynchronously with
``lambda:Invoke`` on the function's own ARN: no EventBridge rule, target or Lambda permission is
ever created, so nothing can be left behind.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from . import clients, waiting
from .clock import Clock
from .export_jobs import ServiceError

KEY: Final = "AudienceExportContinuation"
PHASE_GENERATION: Final = "generation"  # waiting for the generation job before Start
PHASE_EXPORT: Final = "export"  # waiting for the export to be ACTIVE
PHASE_JOB: Final = "job"  # starting a generation job resource's job, or waiting for it
PHASE_JOB_DELETE: Final = "job-delete"  # waiting for a generation job to be gone
PHASE_SIGNAL: Final = "signal"  # answered; polling until the WaitCondition can be signalled
PHASES: Final = (PHASE_GENERATION, PHASE_EXPORT, PHASE_JOB, PHASE_JOB_DELETE, PHASE_SIGNAL)
# Each invocation waits at least this long before handing over (a lower bound for the cap).
MIN_SPAN_S: Final = 5.0
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


def max_invocations(timeout_s: int, span_s: float) -> int:
    """How many invocations a wait of ``timeout_s`` can need, each waiting ``span_s``, plus a few.

    A chain longer than that is not ours (a crafted or replayed event) and is ended.
    """
    return math.ceil(timeout_s / max(MIN_SPAN_S, span_s)) + SPARE_INVOCATIONS


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
    state = read(
        event,
        now=clock.now(),
        timeout_s=timeout_s,
        max_invocation=max_invocations(timeout_s, waiting.inline_span_s(remaining_s)),
    )
    budget = waiting.Budget.begin(
        clock,
        started=state.started if state else None,
        # Never later than the first start + ServiceTimeout, whatever the event says.
        deadline=(
            min(state.deadline, waiting.deadline_for(state.started, timeout_s)) if state else None
        ),
        timeout_s=timeout_s,
        remaining_s=remaining_s,
    )
    return state, budget


def hand_over(
    event: Mapping[str, Any], function_arn: str, state: State, *, clock: Clock, until: float
) -> None:
    """Invoke this function again, asynchronously, with the event and ``state``."""
    follow_up = {key: value for key, value in event.items() if key != KEY}
    follow_up[KEY] = state.to_json()
    payload = json.dumps(follow_up).encode("utf-8")
    try:
        clients.call(
            lambda timeout: clients.lambda_(timeout).invoke(
                FunctionName=function_arn, InvocationType="Event", Payload=payload
            ),
            clock=clock,
            until=until,
            action="lambda:InvokeFunction",
        )
    except (ClientError, BotoCoreError, clients.Unavailable) as error:
        if isinstance(error, ClientError):
            detail = clients.error_code(error)
        elif isinstance(error, clients.Unavailable):
            detail = f"{error.last}, {error.attempts} attempts"
        else:
            detail = str(error)
        raise ServiceError(
            f"could not continue waiting in a follow-up invocation: lambda:InvokeFunction on "
            f"{function_arn} failed ({detail})"
        ) from error
    logger.info(
        "waiting continues in follow-up invocation %d (phase %s); no response from this one",
        state.invocation,
        state.phase,
    )
