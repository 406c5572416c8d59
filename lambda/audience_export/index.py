"""Lambda entry point of the Custom::CleanRoomsMlAudienceExport provider."""

from __future__ import annotations

import json
import logging
from typing import Any

from . import clock, continuation, lifecycle
from .export_jobs import ServiceError, short
from .helper import Helper, redacted_event
from .rules import RuleError
from .waiting import DeadlineError

logger = logging.getLogger(__name__)
helper = Helper()
# Reasons of these are written for the user; anything else is a bug and says so.
_EXPECTED = (ServiceError, DeadlineError, lifecycle.RequestError)


def handler(event: dict[str, Any], context: Any) -> None:
    # ResponseURL is a presigned URL: whoever reads it can answer for us, so it never reaches logs.
    logger.info("event: %s", json.dumps(redacted_event(event), default=str))
    helper(event, context)


def _run(event: dict[str, Any], context: Any) -> str:
    try:
        outcome = lifecycle.run(
            event,
            clock=clock.current(),
            remaining_s=context.get_remaining_time_in_millis() / 1000,
        )
        if isinstance(outcome, lifecycle.Continue):
            continuation.hand_over(event, context.invoked_function_arn, outcome.state)
            helper.defer()
            return outcome.state.physical_id
    except RuleError as error:
        # A field can be an arbitrary unknown key: clip it so the rule stays readable.
        raise lifecycle.RequestError(short(f"{short(error.field, 80)}: {error.rule}")) from error
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
    return _run(event, context)


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    return _run(event, context)


@helper.delete
def delete(event: dict[str, Any], context: Any) -> None:
    # StartAudienceExportJob has no delete counterpart: the export stays in Clean Rooms ML.
    # No call at all, so Delete succeeds at once for any physical id, including crhelper's
    # random one after a failed Create and anything left by rollback.
    logger.info("delete: nothing to do for %s", event.get("PhysicalResourceId"))
