"""The service's state: schedule groups and the one-time schedules in them.

One method per API operation, each checked against botocore's model of the service (patterns and
lengths included: botocore's client checks only minimums) before it changes anything. Every change
is kept in a JSON file of the state folder, so a schedule still pending when a ``deploy`` ends is
fired by the ``destroy`` that follows. Firing itself is the engine's part (:mod:`.engine`); what
fired is recorded in :attr:`SchedulerBackend.firings`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ..cleanroomsml.shapes import operation, validate
from ..errors import StateError
from ..jsonfile import write_json_atomic
from .exceptions import SERVICE_NAME, conflict, not_found, validation
from .expressions import DEFAULT_TIMEZONE, due_at

CREATE_SCHEDULE: Final = "CreateSchedule"
GET_SCHEDULE: Final = "GetSchedule"
DELETE_SCHEDULE: Final = "DeleteSchedule"
LIST_SCHEDULES: Final = "ListSchedules"
CREATE_SCHEDULE_GROUP: Final = "CreateScheduleGroup"
GET_SCHEDULE_GROUP: Final = "GetScheduleGroup"
DELETE_SCHEDULE_GROUP: Final = "DeleteScheduleGroup"
LIST_SCHEDULE_GROUPS: Final = "ListScheduleGroups"

DEFAULT_GROUP: Final = "default"
ENABLED: Final = "ENABLED"
DELETE: Final = "DELETE"
NONE: Final = "NONE"


def check_request(op: str, params: Mapping[str, object]) -> None:
    """Raise ValidationException when ``params`` (the API's member names) break the model."""
    shape = operation(op, SERVICE_NAME).input_shape
    problems = [] if shape is None else validate(shape, dict(params), "")
    if problems:
        count = len(problems)
        raise validation(f"{count} validation error{'s' * (count > 1)}: " + "; ".join(problems))


def _epoch(value: object) -> float | None:
    """A request timestamp (epoch seconds as botocore sends them, or ISO 8601) as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


@dataclass
class ScheduleGroup:
    name: str
    arn: str
    created: float
    modified: float
    tags: list[dict[str, str]] = field(default_factory=list)
    client_token: str | None = None

    def describe(self) -> dict[str, object]:
        """GetScheduleGroup's answer (and a ListScheduleGroups item)."""
        return {
            "Arn": self.arn,
            "Name": self.name,
            "State": "ACTIVE",
            "CreationDate": self.created,
            "LastModificationDate": self.modified,
        }


@dataclass
class Schedule:
    name: str
    group_name: str
    arn: str
    schedule_expression: str
    timezone: str
    # When the one-time schedule is due (epoch seconds, the harness's clock).
    due: float
    target: dict[str, Any]
    flexible_time_window: dict[str, Any]
    action_after_completion: str = NONE
    state: str = ENABLED
    description: str | None = None
    start_date: float | None = None
    end_date: float | None = None
    kms_key_arn: str | None = None
    created: float = 0.0
    modified: float = 0.0
    client_token: str | None = None
    # Scheduler fires a schedule within the minute it names ("60 second precision"): this many
    # seconds after ``due``, fixed per schedule, so schedules of one minute do not fire at once.
    spread: float = 0.0
    # Set once fired when ActionAfterCompletion is NONE (the schedule stays, done).
    completed_at: float | None = None

    @property
    def pending(self) -> bool:
        """Whether it will still invoke its target."""
        return self.state == ENABLED and self.completed_at is None

    @property
    def target_arn(self) -> str:
        return str(self.target["Arn"])

    @property
    def input(self) -> str | None:
        raw = self.target.get("Input")
        return None if raw is None else str(raw)

    @property
    def event(self) -> object:
        """The target's Input as JSON (None when absent or not JSON)."""
        try:
            return json.loads(self.input or "null")
        except ValueError:
            return None

    def describe(self) -> dict[str, object]:
        """GetSchedule's answer."""
        found: dict[str, object] = {
            "Arn": self.arn,
            "GroupName": self.group_name,
            "Name": self.name,
            "ScheduleExpression": self.schedule_expression,
            "ScheduleExpressionTimezone": self.timezone,
            "State": self.state,
            "CreationDate": self.created,
            "LastModificationDate": self.modified,
            "Target": self.target,
            "FlexibleTimeWindow": self.flexible_time_window,
            "ActionAfterCompletion": self.action_after_completion,
            "Description": self.description,
            "StartDate": self.start_date,
            "EndDate": self.end_date,
            "KmsKeyArn": self.kms_key_arn,
        }
        return {key: value for key, value in found.items() if value is not None}

    def summary(self) -> dict[str, object]:
        """A ListSchedules item."""
        return {
            "Arn": self.arn,
            "Name": self.name,
            "GroupName": self.group_name,
            "State": self.state,
            "CreationDate": self.created,
            "LastModificationDate": self.modified,
            "Target": {"Arn": self.target_arn},
        }


@dataclass(frozen=True)
class Firing:
    """A schedule that came due: its target invoked (``request_id``), or why not (``error``)."""

    schedule_name: str
    group_name: str
    schedule_arn: str
    target_arn: str
    due: float
    fired_at: float
    input: str | None
    request_id: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


# What the engine does to a due schedule: (the invocation's request id, or why it failed).
Invoke = Callable[[Schedule], tuple[str | None, str | None]]


class SchedulerBackend:
    """Schedule groups and schedules behind one lock, kept in ``state_file``."""

    def __init__(
        self,
        *,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        region: str = "us-east-1",
        account_id: str = "111122223333",
        partition: str = "aws",
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.state_file = state_file
        self._arn_prefix = f"arn:{partition}:scheduler:{region}:{account_id}"
        # Set on every change: wakes the engine up for a new or removed schedule.
        self.changed = threading.Event()
        self.firings: list[Firing] = []
        self.groups: dict[str, ScheduleGroup] = {}
        self.schedules: dict[tuple[str, str], Schedule] = {}
        if state_file is not None and state_file.exists():
            self.groups, self.schedules = _load_state(state_file)
        if DEFAULT_GROUP not in self.groups:
            self.groups[DEFAULT_GROUP] = self._new_group(DEFAULT_GROUP, [], None)

    # --- schedule groups ---------------------------------------------------------------------

    def create_schedule_group(
        self,
        name: str,
        *,
        tags: list[dict[str, str]] | None = None,
        client_token: str | None = None,
    ) -> ScheduleGroup:
        check_request(
            CREATE_SCHEDULE_GROUP, {"Name": name, "Tags": tags, "ClientToken": client_token}
        )
        with self.lock:
            existing = self.groups.get(name)
            if existing is not None:
                if client_token is not None and existing.client_token == client_token:
                    return existing  # a retry of the call that made it
                raise conflict(f"Schedule group {name} already exists.")
            group = self._new_group(name, list(tags or []), client_token)
            self.groups[name] = group
            self._saved()
            return group

    def get_schedule_group(self, name: str) -> ScheduleGroup:
        check_request(GET_SCHEDULE_GROUP, {"Name": name})
        with self.lock:
            return self._group(name)

    def delete_schedule_group(self, name: str, *, client_token: str | None = None) -> None:
        """Delete the group and every schedule in it (at once; AWS takes a little while)."""
        check_request(DELETE_SCHEDULE_GROUP, {"Name": name, "ClientToken": client_token})
        with self.lock:
            self._group(name)
            if name == DEFAULT_GROUP:
                raise validation("The default schedule group cannot be deleted.")
            del self.groups[name]
            self.schedules = {key: s for key, s in self.schedules.items() if key[0] != name}
            self._saved()

    def list_schedule_groups(self, *, name_prefix: str | None = None) -> list[ScheduleGroup]:
        check_request(LIST_SCHEDULE_GROUPS, {"NamePrefix": name_prefix})
        with self.lock:
            return [
                group
                for name, group in sorted(self.groups.items())
                if name_prefix is None or name.startswith(name_prefix)
            ]

    # --- schedules ---------------------------------------------------------------------------

    def create_schedule(
        self,
        *,
        name: str,
        schedule_expression: str,
        target: Mapping[str, Any],
        flexible_time_window: Mapping[str, Any],
        group_name: str | None = None,
        schedule_expression_timezone: str | None = None,
        action_after_completion: str | None = None,
        state: str | None = None,
        description: str | None = None,
        start_date: object = None,
        end_date: object = None,
        kms_key_arn: str | None = None,
        client_token: str | None = None,
    ) -> Schedule:
        params = {
            "Name": name,
            "GroupName": group_name,
            "ScheduleExpression": schedule_expression,
            "ScheduleExpressionTimezone": schedule_expression_timezone,
            "Target": dict(target),
            "FlexibleTimeWindow": dict(flexible_time_window),
            "ActionAfterCompletion": action_after_completion,
            "State": state,
            "Description": description,
            "StartDate": start_date,
            "EndDate": end_date,
            "KmsKeyArn": kms_key_arn,
            "ClientToken": client_token,
        }
        check_request(CREATE_SCHEDULE, params)
        window = dict(flexible_time_window)
        if window["Mode"] == "FLEXIBLE" and "MaximumWindowInMinutes" not in window:
            raise validation("MaximumWindowInMinutes is required when the Mode is FLEXIBLE")
        timezone = schedule_expression_timezone or DEFAULT_TIMEZONE
        due = due_at(schedule_expression, timezone)
        group = group_name or DEFAULT_GROUP
        with self.lock:
            self._group(group)
            existing = self.schedules.get((group, name))
            if existing is not None:
                if client_token is not None and existing.client_token == client_token:
                    return existing  # a retry of the call that made it
                raise conflict(f"Schedule {name} already exists.")
            now = self.clock()
            schedule = Schedule(
                name=name,
                group_name=group,
                arn=f"{self._arn_prefix}:schedule/{group}/{name}",
                schedule_expression=schedule_expression,
                timezone=timezone,
                due=due,
                target=json.loads(json.dumps(dict(target))),
                flexible_time_window=window,
                action_after_completion=action_after_completion or NONE,
                state=state or ENABLED,
                description=description,
                start_date=_epoch(start_date),
                end_date=_epoch(end_date),
                kms_key_arn=kms_key_arn,
                created=now,
                spread=spread_of(group, name),
                modified=now,
                client_token=client_token,
            )
            self.schedules[(group, name)] = schedule
            self._saved()
            return schedule

    def get_schedule(self, name: str, group_name: str | None = None) -> Schedule:
        check_request(GET_SCHEDULE, {"Name": name, "GroupName": group_name})
        with self.lock:
            return self._schedule(name, group_name or DEFAULT_GROUP)

    def delete_schedule(
        self, name: str, group_name: str | None = None, *, client_token: str | None = None
    ) -> None:
        check_request(
            DELETE_SCHEDULE, {"Name": name, "GroupName": group_name, "ClientToken": client_token}
        )
        group = group_name or DEFAULT_GROUP
        with self.lock:
            self._schedule(name, group)
            del self.schedules[(group, name)]
            self._saved()

    def list_schedules(
        self,
        *,
        group_name: str | None = None,
        name_prefix: str | None = None,
        state: str | None = None,
    ) -> list[Schedule]:
        """Schedules of every group (or of ``group_name``), by group and name."""
        check_request(
            LIST_SCHEDULES, {"GroupName": group_name, "NamePrefix": name_prefix, "State": state}
        )
        with self.lock:
            if group_name is not None:
                self._group(group_name)
            return [
                schedule
                for (group, name), schedule in sorted(self.schedules.items())
                if (group_name is None or group == group_name)
                and (name_prefix is None or name.startswith(name_prefix))
                and (state is None or schedule.state == state)
            ]

    # --- firing (the engine's side) ----------------------------------------------------------

    def pending(self, which: Callable[[Schedule], bool] | None = None) -> bool:
        """Whether a schedule (one ``which`` selects) will still invoke its target."""
        with self.lock:
            return any(s.pending and (which is None or which(s)) for s in self.schedules.values())

    def next_due(self) -> float | None:
        """When the earliest pending schedule is due; None when none is pending."""
        with self.lock:
            return min(
                (s.due + s.spread for s in self.schedules.values() if s.pending), default=None
            )

    def fire_due(self, now: float, invoke: Invoke) -> list[Firing]:
        """Fire every pending schedule due at ``now``, earliest first.

        ``invoke`` runs under the lock, so a schedule deleted a moment before is never fired;
        the target is invoked before the schedule goes, so something always stays pending.
        """
        with self.lock:
            due = sorted(
                (s for s in self.schedules.values() if s.pending and s.due + s.spread <= now),
                key=lambda s: (s.due + s.spread, s.group_name, s.name),
            )
            fired: list[Firing] = []
            for schedule in due:
                request_id, error = invoke(schedule)
                firing = Firing(
                    schedule_name=schedule.name,
                    group_name=schedule.group_name,
                    schedule_arn=schedule.arn,
                    target_arn=schedule.target_arn,
                    due=schedule.due,
                    fired_at=now,
                    input=schedule.input,
                    request_id=request_id,
                    error=error,
                )
                fired.append(firing)
                self.firings.append(firing)
                if schedule.action_after_completion == DELETE:
                    del self.schedules[(schedule.group_name, schedule.name)]
                else:
                    schedule.completed_at = now
            if fired:
                self._saved()
            return fired

    # --- internals ---------------------------------------------------------------------------

    def _new_group(
        self, name: str, tags: list[dict[str, str]], client_token: str | None
    ) -> ScheduleGroup:
        now = self.clock()
        arn = f"{self._arn_prefix}:schedule-group/{name}"
        return ScheduleGroup(name, arn, now, now, tags, client_token)

    def _group(self, name: str) -> ScheduleGroup:
        group = self.groups.get(name)
        if group is None:
            raise not_found(f"Schedule group {name} does not exist.")
        return group

    def _schedule(self, name: str, group: str) -> Schedule:
        self._group(group)
        schedule = self.schedules.get((group, name))
        if schedule is None:
            raise not_found(f"Schedule {name} does not exist.")
        return schedule

    def _saved(self) -> None:
        self.save()
        self.changed.set()

    def save(self) -> None:
        # A folder removed under a running harness is not recreated here (it stops instead).
        if self.state_file is None or not self.state_file.parent.is_dir():
            return
        with self.lock:
            payload = {
                "groups": [asdict(group) for group in self.groups.values()],
                "schedules": [asdict(schedule) for schedule in self.schedules.values()],
            }
            write_json_atomic(self.state_file, payload)


def _load_state(path: Path) -> tuple[dict[str, ScheduleGroup], dict[tuple[str, str], Schedule]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, not {type(data).__name__}")
        groups = [ScheduleGroup(**item) for item in data.get("groups", [])]
        schedules = [Schedule(**item) for item in data.get("schedules", [])]
    except (OSError, ValueError, TypeError) as error:
        raise StateError(
            f"state file {path} cannot be read ({error}); fix it, or remove it to forget "
            "the schedules it records"
        ) from error
    return (
        {group.name: group for group in groups},
        {(s.group_name, s.name): s for s in schedules},
    )


def spread_of(group: str, name: str) -> float:
    """Where in its minute a schedule fires: the same every run, different between schedules."""
    digest = hashlib.sha256(f"{group}/{name}".encode()).digest()
    return float(int.from_bytes(digest[:2], "big") % 60)
