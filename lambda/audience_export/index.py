"""Lambda entry point of the Custom::CleanRoomsMlAudienceExport provider."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from . import clients, clock, continuation, lifecycle
from .clock import Clock
from .export_jobs import ServiceError, short, unavailable_reason
from .helper import Helper
from .redaction import redacted_event
from .rules import RuleError
from .waiting import DeadlineError

logger = logging.getLogger(__name__)
helper = Helper()
# Reasons of these are written for the user; anything else is a bug and says so.
_EXPECTED = (ServiceError, DeadlineError, lifecycle.RequestError)


def handler(event: dict[str, Any], context: Any) -> None:
    # ResponseURL is a presigned URL: whoever reads it can answer for us, so it never reaches logs.
    shown = redacted_event(event) if isinstance(event, Mapping) else type(event).__name__
    logger.info("event: %s", json.dumps(shown, default=str))
    helper(event, context)


class _Step(Protocol):
    def __call__(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float
    ) -> lifecycle.Outcome: ...


def _answer(event: dict[str, Any], context: Any, step: _Step) -> str:
    """Run ``step`` (lifecycle.create or .update) and turn its outcome into crhelper's terms."""
    try:
        outcome = step(
            event,
            clock=clock.current(),
            remaining_s=context.get_remaining_time_in_millis() / 1000,
        )
        if isinstance(outcome, lifecycle.Continue):
            continuation.hand_over(
                event,
                context.invoked_function_arn,
                outcome.state,
                clock=clock.current(),
                until=outcome.until,
            )
            helper.defer()
            return outcome.state.physical_id
    except RuleError as error:
        # A field can be an arbitrary unknown key: clip it so the rule stays readable.
        raise lifecycle.RequestError(short(f"{short(error.field, 80)}: {error.rule}")) from error
    except clients.Unavailable as error:
        raise lifecycle.RequestError(short(unavailable_reason(error))) from error
    except _EXPECTED as error:
        raise lifecycle.RequestError(short(str(error))) from error
    except Exception as error:
        logger.exception("unexpected error")
        reason = f"internal error: {type(error).__name__}: {error}"
        raise lifecycle.RequestError(short(reason)) from error
    helper.Data.update(outcome.data)
    return outcome.physical_id


@helper.create
def create(event: dict[str, Any], context: Any) -> str:
    return _answer(event, context, lifecycle.create)


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    return _answer(event, context, lifecycle.update)


@helper.delete
def delete(event: dict[str, Any], context: Any) -> None:
    # StartAudienceExportJob has no delete counterpart: the export stays in Clean Rooms ML.
    # No call at all, so Delete succeeds at once for any physical id, including crhelper's
    # id after a failed Create and anything left by rollback.
    logger.info("delete: nothing to do for %s", event.get("PhysicalResourceId"))
