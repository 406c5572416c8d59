"""Carrying a long wait over to a follow-up invocation of this same function.

The follow-up gets the original event plus ``AudienceExportContinuation`` (when the request
started, its deadline, what was being waited for). It is invoked asynchronously with
``lambda:Invoke`` on the function's own ARN: no EventBridge rule, target or Lambda permission is
ever created, so nothing can be left behind.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from . import clients
from .export_jobs import ServiceError

KEY: Final = "AudienceExportContinuation"
PHASE_GENERATION: Final = "generation"  # waiting for the generation job before Start
PHASE_EXPORT: Final = "export"  # waiting for the export to be ACTIVE
PHASES: Final = (PHASE_GENERATION, PHASE_EXPORT)

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
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"{KEY}.{key} must be a number")
    return float(raw)


def read(event: Mapping[str, Any]) -> State | None:
    """The continuation state in ``event``, or None for a request straight from CloudFormation."""
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
    invocation = raw.get("Invocation", 1)
    return State(
        started=_number(raw.get("Started"), "Started"),
        deadline=_number(raw.get("Deadline"), "Deadline"),
        phase=str(phase),
        physical_id=physical_id,
        data={str(k): str(v) for k, v in data.items()},
        invocation=int(invocation) if isinstance(invocation, int) else 1,
    )


def hand_over(event: Mapping[str, Any], function_arn: str, state: State) -> None:
    """Invoke this function again, asynchronously, with the event and ``state``."""
    follow_up = {key: value for key, value in event.items() if key != KEY}
    follow_up[KEY] = state.to_json()
    try:
        clients.lambda_().invoke(
            FunctionName=function_arn,
            InvocationType="Event",
            Payload=json.dumps(follow_up).encode("utf-8"),
        )
    except (ClientError, BotoCoreError) as error:
        detail = (
            str(error.response.get("Error", {}).get("Code", ""))
            if isinstance(error, ClientError)
            else str(error)
        )
        raise ServiceError(
            f"could not continue waiting in a follow-up invocation: lambda:InvokeFunction on "
            f"{function_arn} failed ({detail})"
        ) from error
    logger.info(
        "waiting continues in follow-up invocation %d (phase %s); no response from this one",
        state.invocation,
        state.phase,
    )
