"""Schedule expressions: when a one-time ``at(yyyy-mm-ddThh:mm:ss)`` schedule is due.

Recurring ``rate(...)`` / ``cron(...)`` schedules are refused: the harness serves the one-time
schedules a provider uses to wait, nothing it would have to repeat.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .exceptions import validation

DEFAULT_TIMEZONE: Final = "UTC"
_AT: Final = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)", re.ASCII)
_RECURRING: Final = ("rate(", "cron(")


def time_zone(name: str | None) -> tzinfo:
    """The zone ``ScheduleExpressionTimezone`` names (UTC when absent)."""
    if name is None or name == DEFAULT_TIMEZONE:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise validation(
            f"Invalid ScheduleExpressionTimezone {name!r}: not a time zone of the IANA database"
        ) from error


def due_at(expression: str, timezone: str | None = None) -> float:
    """Epoch seconds at which the one-time schedule ``expression`` is due."""
    if expression.startswith(_RECURRING):
        raise validation(
            f"Unsupported ScheduleExpression {expression}: this local EventBridge Scheduler "
            "serves one-time schedules only (at(yyyy-mm-ddThh:mm:ss))"
        )
    match = _AT.fullmatch(expression)
    if match is None:
        raise validation(
            f"Invalid Schedule Expression {expression}: expected at(yyyy-mm-ddThh:mm:ss)"
        )
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise validation(f"Invalid Schedule Expression {expression}: {error}") from error
    return moment.replace(tzinfo=time_zone(timezone)).timestamp()
