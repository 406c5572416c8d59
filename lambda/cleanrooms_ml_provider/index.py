"""Lambda entry point of the provider of Custom::CleanRoomsMlAudienceExport and
Custom::CleanRoomsMlAudienceGenerationJob resources."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from . import (
    clients,
    clock,
    completion,
    continuation,
    generation_lifecycle,
    job_deletion,
    lifecycle,
    provider_drain,
    rules,
    schedules,
    waiting,
)
from .clock import Clock
from .export_jobs import ServiceError, short, unavailable_reason
from .generation_lifecycle import JobFailed
from .helper import Helper
from .redaction import redacted_event, secrets_of
from .rules import RuleError
from .waiting import DeadlineError

logger = logging.getLogger(__name__)
helper = Helper()
# Reasons of these are written for the user; anything else is a bug and says so.
_EXPECTED = (ServiceError, DeadlineError, lifecycle.RequestError)


def handler(event: dict[str, Any], context: Any) -> None:
    # ResponseURL (and a completion signal's URL) are presigned: whoever reads one can answer
    # for us, so they never reach logs.
    shown = redacted_event(event) if isinstance(event, Mapping) else type(event).__name__
    logger.info("event: %s", json.dumps(shown, default=str))
    if isinstance(event, Mapping) and completion.is_poll(event):
        # Answered already: this poll signals the WaitCondition, or deletes a job in the
        # background. Its hand-over payload (logged by botocore at DEBUG) carries both URLs.
        helper.redactor.watch(*secrets_of(event))
        _poll(event, context)
        return
    helper(event, context)


def _poll(event: Mapping[str, Any], context: Any) -> None:
    remaining_s = context.get_remaining_time_in_millis() / 1000
    if completion.phase_of(event) == continuation.PHASE_BACKGROUND_DELETE:
        job_deletion.delete_in_background(
            event,
            clock=clock.current(),
            remaining_s=remaining_s,
            function_arn=context.invoked_function_arn,
        )
        return
    make_check: Callable[[str], completion.Check]
    try:
        if generation_lifecycle.is_generation_event(event):
            job = generation_lifecycle.target_for(event.get("ResourceProperties"), event)
            signal, job_name = job.props.signal, job.name
            make_check = partial(completion.job_check, job_name)
        else:
            export = lifecycle.target_for(event.get("ResourceProperties"), event)
            signal = export.props.signal
            check = completion.export_check(export.name, export.props.job_arn, export.data)
            make_check = lambda _: check  # noqa: E731 - the export's id is its (job, name)
    except RuleError as error:
        logger.error("poller stopped: bad properties: %s: %s", error.field, error.rule)
        return
    completion.poll(
        event,
        signal,
        make_check,
        clock=clock.current(),
        remaining_s=remaining_s,
        function_arn=context.invoked_function_arn,
    )


class _Step(Protocol):
    def __call__(
        self, event: Mapping[str, Any], *, clock: Clock, remaining_s: float
    ) -> lifecycle.Outcome: ...


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


def _answer(event: dict[str, Any], context: Any, step: _Step) -> str:
    """Run a lifecycle step and turn its outcome into crhelper's terms."""
    try:
        outcome = step(
            event,
            clock=clock.current(),
            remaining_s=context.get_remaining_time_in_millis() / 1000,
        )
        if isinstance(outcome, lifecycle.Continue):
            _hand_over(event, context, outcome.state, until=outcome.until)
            # Whatever is returned, nothing is sent: a later poll answers.
            return outcome.state.physical_id
        if outcome.follow_up is not None:
            # The poller is under way before the answer: a resource never completes with
            # nobody left to signal its WaitCondition.
            _start_poller(event, context, outcome.follow_up)
    except JobFailed as failed:
        # The job exists: answer under its ARN, so the rollback's Delete deletes it.
        helper.PhysicalResourceId = failed.physical_id
        raise lifecycle.RequestError(_reason(failed.cause)) from failed
    except Exception as error:
        raise lifecycle.RequestError(_reason(error)) from error
    helper.Data.update(outcome.data)
    return outcome.physical_id


def _start_poller(event: Mapping[str, Any], context: Any, follow_up: lifecycle.Continue) -> None:
    try:
        if follow_up.state.phase == continuation.PHASE_BACKGROUND_DELETE:
            job_deletion.start_background(
                event,
                context.invoked_function_arn,
                follow_up.state,
                clock=clock.current(),
                until=follow_up.until,
            )
            return
        _invoke_follow_up(event, context, follow_up.state, until=follow_up.until)
    except schedules.DuplicateHandOver:
        logger.info("the poller is scheduled already (a duplicate delivery of this request)")


def _hand_over(
    event: Mapping[str, Any], context: Any, state: continuation.State, *, until: float
) -> None:
    try:
        _invoke_follow_up(event, context, state, until=until)
    except schedules.DuplicateHandOver:
        # Another delivery of this very poll scheduled the next one: it answers, not this one.
        logger.info("the next poll is scheduled already (a duplicate delivery); not answering")
    helper.defer()


def _invoke_follow_up(
    event: Mapping[str, Any], context: Any, state: continuation.State, *, until: float
) -> None:
    try:
        continuation.hand_over(
            event, context.invoked_function_arn, state, clock=clock.current(), until=until
        )
    except ServiceError as error:
        if event.get("RequestType") == "Create" and generation_lifecycle.is_job_arn(
            state.physical_id
        ):
            # A started job must be answered under its ARN, or the rollback would orphan it.
            raise JobFailed(error, state.physical_id) from error
        raise


@helper.create
def create(event: dict[str, Any], context: Any) -> str:
    if provider_drain.is_drain_event(event):
        return _answer(event, context, provider_drain.create)
    step = (
        generation_lifecycle.create
        if generation_lifecycle.is_generation_event(event)
        else lifecycle.create
    )
    return _answer(event, context, step)


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    if provider_drain.is_drain_event(event):
        return _answer(event, context, provider_drain.create)
    step = (
        generation_lifecycle.update
        if generation_lifecycle.is_generation_event(event)
        else lifecycle.update
    )
    return _answer(event, context, step)


@helper.delete
def delete(event: dict[str, Any], context: Any) -> str | None:
    if provider_drain.is_drain_event(event):
        return _answer(event, context, provider_drain.delete)
    if generation_lifecycle.is_generation_event(event):
        return _answer(event, context, job_deletion.delete)
    # StartAudienceExportJob has no delete counterpart: the export stays in Clean Rooms ML.
    # Only a pending poll of its WaitCondition is deleted; Delete succeeds whatever happens,
    # for any physical id, including crhelper's id after a failed Create.
    physical_id = event.get("PhysicalResourceId")
    if isinstance(physical_id, str) and physical_id:
        now = clock.current()
        budget = waiting.Budget.begin(
            now,
            started=None,
            deadline=None,
            timeout_s=rules.TIMEOUT_MAX_SECONDS,
            remaining_s=context.get_remaining_time_in_millis() / 1000,
        )
        job_deletion.forget_pending_polls(event, physical_id, budget)
    logger.info("delete: nothing else to do for %s", physical_id)
    return None
