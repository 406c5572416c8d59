"""Lambda entry point of the provider of every resource type in :data:`resources.HANDLERS`
(the types users declare, and the provider's own: its drain, its allow-lists check, the final
attributes reader). Every event, the polls after an answer included, goes to its resource
type's handler."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from . import clients, clock, completion, continuation, schedules
from .clock import Clock
from .helper import Helper
from .outcomes import Continue, Outcome
from .redaction import redacted_event, secrets_of
from .resources import handler_for
from .resources.base import ResourceHandler
from .rules import RuleError
from .service_errors import JobFailed, RequestError, ServiceError, short, unavailable_reason
from .waiting import DeadlineError

logger = logging.getLogger(__name__)
helper = Helper()
# Reasons of these are written for the user; anything else is a bug and says so.
_EXPECTED = (ServiceError, DeadlineError, RequestError)

Step = Callable[..., Outcome]  # a handler's create, update or delete


def handler(event: dict[str, Any], context: Any) -> None:
    # ResponseURL (and a completion signal's URL) are presigned: whoever reads one can answer
    # for us, so they never reach logs.
    shown = redacted_event(event) if isinstance(event, Mapping) else type(event).__name__
    logger.info("event: %s", json.dumps(shown, default=str))
    if isinstance(event, Mapping) and completion.is_poll(event):
        # Answered already: this poll signals the WaitCondition, or deletes a job in the
        # background. Its hand-over payload (logged by botocore at DEBUG) carries both URLs.
        helper.redactor.watch(*secrets_of(event))
        handler_for(event).poll(
            event,
            clock=clock.current(),
            remaining_s=context.get_remaining_time_in_millis() / 1000,
            function_arn=context.invoked_function_arn,
        )
        return
    helper(event, context)


def _reason(error: Exception) -> str:
    """What CloudFormation shows for ``error``."""
    if isinstance(error, RuleError):
        # A field can be an arbitrary unknown key: clip it so the rule stays readable.
        return short(f"{short(error.field, 80)}: {error.rule}")
    if isinstance(error, clients.Unavailable):
        return short(unavailable_reason(error))
    if isinstance(error, _EXPECTED):
        return short(str(error))
    logger.error("unexpected error", exc_info=error)
    return short(f"internal error: {type(error).__name__}: {error}")


def _answer(event: dict[str, Any], context: Any, step: Step) -> str:
    """Run a lifecycle step and turn its outcome into crhelper's terms."""
    resource = handler_for(event)
    try:
        outcome = step(
            event,
            clock=clock.current(),
            remaining_s=context.get_remaining_time_in_millis() / 1000,
        )
        if isinstance(outcome, Continue):
            _hand_over(resource, event, context, outcome)
            # Whatever is returned, nothing is sent: a later poll answers.
            return outcome.state.physical_id
        if outcome.follow_up is not None:
            # The poller is under way before the answer: a resource never completes with
            # nobody left to signal its WaitCondition.
            _start_poller(resource, event, context, outcome.follow_up)
    except JobFailed as failed:
        # The job exists: answer under its ARN, so the rollback's Delete deletes it.
        helper.PhysicalResourceId = failed.physical_id
        raise RequestError(_reason(failed.cause)) from failed
    except Exception as error:
        raise RequestError(_reason(error)) from error
    helper.Data.update(outcome.data)
    return outcome.physical_id


def _start_poller(
    resource: ResourceHandler, event: Mapping[str, Any], context: Any, follow_up: Continue
) -> None:
    try:
        _invoke_follow_up(resource, event, context, follow_up, resource.start_follow_up)
    except schedules.DuplicateHandOver:
        logger.info("the poller is scheduled already (a duplicate delivery of this request)")


def _hand_over(
    resource: ResourceHandler, event: Mapping[str, Any], context: Any, follow_up: Continue
) -> None:
    def hand_over(
        event: Mapping[str, Any], function_arn: str, follow_up: Continue, *, clock: Clock
    ) -> None:
        continuation.hand_over(
            event, function_arn, follow_up.state, clock=clock, until=follow_up.until
        )

    try:
        _invoke_follow_up(resource, event, context, follow_up, hand_over)
    except schedules.DuplicateHandOver:
        # Another delivery of this very poll scheduled the next one: it answers, not this one.
        logger.info("the next poll is scheduled already (a duplicate delivery); not answering")
    helper.defer()


def _invoke_follow_up(
    resource: ResourceHandler,
    event: Mapping[str, Any],
    context: Any,
    follow_up: Continue,
    schedule: Callable[..., None],
) -> None:
    physical_id = follow_up.state.physical_id
    try:
        schedule(event, context.invoked_function_arn, follow_up, clock=clock.current())
    except ServiceError as error:
        if event.get("RequestType") == "Create" and resource.answers_under(physical_id):
            # A started resource must be answered under its id, or the rollback would orphan it.
            raise JobFailed(error, physical_id) from error
        raise


@helper.create
def create(event: dict[str, Any], context: Any) -> str:
    return _answer(event, context, handler_for(event).create)


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    return _answer(event, context, handler_for(event).update)


@helper.delete
def delete(event: dict[str, Any], context: Any) -> str:
    return _answer(event, context, handler_for(event).delete)
