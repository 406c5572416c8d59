"""The next poll of a wait, as an EventBridge Scheduler one-time schedule: nothing runs between.

Each poll is a short invocation. When it must wait on, it creates a schedule in the provider's
own group (``SCHEDULE_GROUP_NAME``) that invokes this function once at the next poll's time,
with the hand-over event as its input, through the role ``SCHEDULER_ROLE_ARN``; the schedule
deletes itself after it fired (``ActionAfterCompletion: DELETE``).

Scheduler fires a one-time schedule within the minute it names (60-second precision), so times
are whole minutes: two looks are at most ``delay`` + 60 s apart, and the last one is placed so
that it fires before the deadline; closer to the deadline than :data:`LAST_STRETCH_S`, the
invocation waits inline instead (see :func:`next_poll_at`).

Names are derived from the resource (stack, logical id, physical id), the kind of chain, and the
invocation number modulo :data:`SLOTS`: a duplicate delivery of one hand-over tries to create a
schedule its twin already created and ends on the ConflictException, and a resource's Delete
can delete its pending polls without listing anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from . import clients
from .clock import Clock
from .service_errors import ServiceError

GROUP_ENV: Final = "SCHEDULE_GROUP_NAME"
ROLE_ENV: Final = "SCHEDULER_ROLE_ARN"
PRECISION_S: Final = 60.0  # a schedule fires within the minute it names
FIRST_DELAY_S: Final = 60.0  # the first scheduled poll; each later one waits a minute more
MAX_DELAY_S: Final = 300.0
# A schedule fires this long before the deadline at the latest (room for the last look).
END_MARGIN_S: Final = 15.0
# Scheduler refuses times in the past; a schedule this close might fire late.
MIN_LEAD_S: Final = 5.0
# Closer to the deadline than this, an invocation waits inline for the rest: a schedule could
# not both fire after now and surely before the deadline.
LAST_STRETCH_S: Final = 150.0
SLOTS: Final = 3
NAME_PREFIX: Final = "ccml-"
# Chain kinds in schedule names: the resource's own wait, the WaitCondition's poller, and a
# deletion that goes on after the Delete was answered.
KIND_WAIT: Final = "w"
KIND_SIGNAL: Final = "s"
KIND_DELETE: Final = "d"

logger = logging.getLogger(__name__)


class DuplicateHandOver(Exception):  # noqa: N818 - an outcome: another delivery goes on
    """The next poll is scheduled already: this invocation is a duplicate delivery."""


def delay_for(invocation: int) -> float:
    """How long before poll number ``invocation`` (2 = the first scheduled): 1 minute more each
    time, at most 5."""
    return min(MAX_DELAY_S, FIRST_DELAY_S * max(1, invocation - 1))


def _minute_up(moment: float) -> float:
    return math.ceil(moment / PRECISION_S) * PRECISION_S


def _minute_down(moment: float) -> float:
    return math.floor(moment / PRECISION_S) * PRECISION_S


def next_poll_at(now: float, delay: float, deadline: float) -> float | None:
    """The whole minute to schedule the next poll for, or None when the rest of the wait is
    too short to schedule (the invocation waits inline instead)."""
    if deadline - now <= LAST_STRETCH_S:
        return None
    latest = _minute_down(deadline - PRECISION_S - END_MARGIN_S)
    # A poll fires somewhere in its minute: counting from that minute, not from the moment it
    # fired, keeps two looks at most ``delay`` + 60 s apart.
    at = _minute_up(now + delay - PRECISION_S)
    if at < now + MIN_LEAD_S:
        at += PRECISION_S
    at = min(at, latest)
    return at if at >= now + MIN_LEAD_S else None


def schedule_name(stack_id: str, logical_id: str, chain: str, kind: str, slot: int) -> str:
    key = hashlib.sha256(f"{stack_id}\n{logical_id}\n{chain}".encode()).hexdigest()[:32]
    return f"{NAME_PREFIX}{key}-{kind}{slot % SLOTS}"


def _expression(moment: float) -> str:
    when = dt.datetime.fromtimestamp(moment, dt.UTC)
    return f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})"


def _settings() -> tuple[str, str]:
    group, role = os.environ.get(GROUP_ENV, ""), os.environ.get(ROLE_ENV, "")
    if not group or not role:
        raise ServiceError(
            f"cannot schedule the next poll: the provider has no {GROUP_ENV} / {ROLE_ENV} "
            "(deploy the provider with this version of cdk-cleanrooms-ml)"
        )
    return group, role


def _failure(action: str, error: Exception) -> ServiceError:
    if isinstance(error, ClientError):
        detail = clients.error_code(error)
    elif isinstance(error, clients.Unavailable):
        detail = f"{error.last}, {error.attempts} attempts"
    else:
        detail = str(error)
    return ServiceError(f"could not schedule the next poll: {action} failed ({detail})", detail)


def create(
    *,
    name: str,
    at: float,
    function_arn: str,
    payload: Mapping[str, Any],
    clock: Clock,
    until: float,
) -> None:
    """Schedule one invocation of ``function_arn`` with ``payload`` at ``at``.

    Raises :class:`DuplicateHandOver` when ``name`` is taken, ServiceError when it fails.
    """
    group, role = _settings()
    request: dict[str, Any] = {
        "Name": name,
        "GroupName": group,
        "ScheduleExpression": _expression(at),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Target": {"Arn": function_arn, "RoleArn": role, "Input": json.dumps(payload)},
        "Description": "cdk-cleanrooms-ml: the next poll of a wait",
    }
    try:
        clients.call(
            lambda timeout: clients.scheduler(timeout).create_schedule(**request),
            clock=clock,
            until=until,
            action="scheduler:CreateSchedule",
        )
    except ClientError as error:
        if clients.error_code(error) == "ConflictException":
            raise DuplicateHandOver(name) from error
        raise _failure("scheduler:CreateSchedule", error) from error
    except (BotoCoreError, clients.Unavailable) as error:
        raise _failure("scheduler:CreateSchedule", error) from error


def exists(name: str, *, clock: Clock, until: float) -> bool:
    """Whether schedule ``name`` is pending in the provider's group; an answer that says
    nothing (denied, throttled) counts as pending: the caller waits rather than guess."""
    group = os.environ.get(GROUP_ENV, "")
    if not group:
        return False  # a provider without a group never scheduled anything
    try:
        clients.call(
            lambda timeout: clients.scheduler(timeout).get_schedule(Name=name, GroupName=group),
            clock=clock,
            until=until,
            action="scheduler:GetSchedule",
            attempts=2,
        )
    except ClientError as error:
        if clients.error_code(error) == "ResourceNotFoundException":
            return False
        logger.warning("cannot tell whether poll %s is pending: %s", name, clients.describe(error))
    except (BotoCoreError, clients.Unavailable) as error:
        logger.warning("cannot tell whether poll %s is pending: %s", name, error)
    return True


def delete(names: Iterable[str], *, clock: Clock, until: float) -> None:
    """Delete pending schedules by name (gone already is fine); failures are logged: a poll
    that fires for a resource that is gone ends by itself."""
    group = os.environ.get(GROUP_ENV, "")
    if not group:
        return
    for name in names:

        def remove(timeout: float, name: str = name) -> object:
            return clients.scheduler(timeout).delete_schedule(Name=name, GroupName=group)

        try:
            clients.call(
                remove,
                clock=clock,
                until=until,
                action="scheduler:DeleteSchedule",
                attempts=3,
            )
        except ClientError as error:
            if clients.error_code(error) != "ResourceNotFoundException":
                logger.warning("pending poll %s not deleted: %s", name, clients.describe(error))
            continue
        except (BotoCoreError, clients.Unavailable) as error:
            logger.warning("pending poll %s not deleted: %s", name, error)
            continue
        logger.info("deleted pending poll %s", name)
