"""The service's REST-JSON wire format, as botocore's model binds it.

An unmodified boto3 client reaches :class:`SchedulerApi` through ``endpoint_url`` or
``AWS_ENDPOINT_URL_SCHEDULER``. Path and query parameters are read where the model's ``http``
bindings place them; requests and responses are checked against the model. Errors are answered
as the service does (status code, ``x-amzn-ErrorType`` header, ``{"Message": ...}`` body). It
serves ``/schedules`` and ``/schedule-groups`` only, so it shares a loopback server with the
Clean Rooms ML endpoint and the Lambda Invoke API.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from ..cleanroomsml.shapes import operation, validate
from ..server import Request, Response
from .exceptions import SERVICE_NAME, SchedulerError, service_model, validation
from .models import (
    CREATE_SCHEDULE,
    CREATE_SCHEDULE_GROUP,
    DELETE_SCHEDULE,
    DELETE_SCHEDULE_GROUP,
    GET_SCHEDULE,
    GET_SCHEDULE_GROUP,
    LIST_SCHEDULE_GROUPS,
    LIST_SCHEDULES,
    SchedulerBackend,
    check_request,
)

SCHEDULES_PATH: Final = "/schedules"
GROUPS_PATH: Final = "/schedule-groups"
_JSON: Final = "application/json"
_PAGE_SIZE: Final = 100
_PAGING: Final = ("NextToken", "MaxResults")
# (method, collection) -> operation, for /collection (no name) and /collection/{Name}.
_LISTS: Final = {
    ("GET", SCHEDULES_PATH): LIST_SCHEDULES,
    ("GET", GROUPS_PATH): LIST_SCHEDULE_GROUPS,
}
_ITEMS: Final = {
    ("POST", SCHEDULES_PATH): CREATE_SCHEDULE,
    ("GET", SCHEDULES_PATH): GET_SCHEDULE,
    ("DELETE", SCHEDULES_PATH): DELETE_SCHEDULE,
    ("POST", GROUPS_PATH): CREATE_SCHEDULE_GROUP,
    ("GET", GROUPS_PATH): GET_SCHEDULE_GROUP,
    ("DELETE", GROUPS_PATH): DELETE_SCHEDULE_GROUP,
}
_SERVED: Final = frozenset({*_LISTS.values(), *_ITEMS.values()})


@dataclass
class Call:
    """One request answered (the tests' view of what a handler asked)."""

    operation: str
    params: dict[str, object]
    status: int
    error: str | None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _kwargs(params: Mapping[str, object]) -> dict[str, Any]:
    """The backend method's keyword arguments (``GroupName`` -> ``group_name``)."""
    return {_snake(key): value for key, value in params.items()}


def _route(method: str, path: str) -> tuple[str | None, str | None]:
    """The operation served and the ``{Name}`` of the path; (None, None) for anything else."""
    if (method, path) in _LISTS:
        return _LISTS[(method, path)], None
    collection, _, name = path.rpartition("/")
    if name and (method, collection) in _ITEMS:
        return _ITEMS[(method, collection)], unquote(name)
    return None, None


def _model_operation(method: str, path: str) -> str:
    """Which of the service's operations a request not served is (for the error message)."""
    model = service_model()
    for name in model.operation_names:
        http = model.operation_model(name).http
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(str(http.get("requestUri", ""))))
        if http.get("method") == method and re.fullmatch(pattern, path):
            return name
    return f"{method} {path}"


def _query_value(member_type: str, name: str, raw: str) -> object:
    if member_type != "integer":
        return raw
    try:
        return int(raw)
    except ValueError as error:
        raise validation(f"{name}: expected an integer, got {raw!r}") from error


def _params(op: str, request: Request, name: str | None) -> dict[str, object]:
    """The request in the model's member names: the JSON body, the path and the query."""
    params: dict[str, object] = {}
    if request.body:
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise validation("Request body is not valid JSON") from error
        if not isinstance(body, dict):
            raise validation("Request body must be a JSON object")
        params.update(body)
    shape = operation(op, SERVICE_NAME).input_shape
    members = shape.members if shape is not None else {}
    for member_name, member in members.items():
        location = member.serialization.get("location")
        wire = str(member.serialization.get("name", member_name))
        if location == "uri":
            params[member_name] = name
        elif location == "querystring" and request.query.get(wire):
            raw = request.query[wire][-1]
            params[member_name] = _query_value(member.type_name, wire, raw)
    check_request(op, params)
    return params


def _page(items: list[dict[str, object]], key: str, params: dict[str, object]) -> dict[str, object]:
    """One page of ``items`` (NextToken is where the next page starts)."""
    token = params.pop("NextToken", None)
    size = int(str(params.pop("MaxResults", None) or _PAGE_SIZE))
    if token is not None and not str(token).isdigit():
        raise validation("Invalid NextToken")
    start = int(str(token or 0))
    answer: dict[str, object] = {key: items[start : start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return answer


class SchedulerApi:
    """EventBridge Scheduler on the wire; mount it on a ``LoopbackServer``.

    ``calls`` every request answered; ``model_violations`` answers that broke the model (always
    empty unless this API has a bug).
    """

    def __init__(self, backend: SchedulerBackend) -> None:
        self.backend = backend
        self.calls: list[Call] = []
        self.model_violations: list[str] = []
        backend = self.backend
        self._operations: Mapping[str, Callable[[dict[str, object]], dict[str, object]]] = {
            CREATE_SCHEDULE: lambda p: {"ScheduleArn": backend.create_schedule(**_kwargs(p)).arn},
            GET_SCHEDULE: lambda p: backend.get_schedule(**_kwargs(p)).describe(),
            DELETE_SCHEDULE: self._delete_schedule,
            LIST_SCHEDULES: self._list_schedules,
            CREATE_SCHEDULE_GROUP: lambda p: {
                "ScheduleGroupArn": backend.create_schedule_group(**_kwargs(p)).arn
            },
            GET_SCHEDULE_GROUP: lambda p: backend.get_schedule_group(**_kwargs(p)).describe(),
            DELETE_SCHEDULE_GROUP: self._delete_group,
            LIST_SCHEDULE_GROUPS: self._list_groups,
        }

    def handles(self, request: Request) -> bool:
        path = request.path
        return path in (SCHEDULES_PATH, GROUPS_PATH) or path.startswith(
            (f"{SCHEDULES_PATH}/", f"{GROUPS_PATH}/")
        )

    def calls_to(self, op: str) -> list[Call]:
        with self.backend.lock:
            return [call for call in self.calls if call.operation == op]

    def handle(self, request: Request) -> Response:
        op, name = _route(request.method, request.path)
        if op is None:
            asked = _model_operation(request.method, request.path)
            served = ", ".join(sorted(_SERVED))
            error = validation(
                f"{asked} is not served by this local EventBridge Scheduler (it serves {served})"
            )
            return self._answer(asked, {}, error)
        params: dict[str, object] = {}
        try:
            params = _params(op, request, name)
            result = self._operations[op](dict(params))
        except SchedulerError as error:
            return self._answer(op, params, error)
        output = operation(op, SERVICE_NAME).output_shape
        if output is not None and (violations := validate(output, result, op)):
            self.model_violations.extend(violations)
            broken = SchedulerError("InternalServerException", "; ".join(violations))
            return self._answer(op, params, broken)
        return self._answer(op, params, result)

    def _delete_schedule(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_schedule(**_kwargs(params))
        return {}

    def _delete_group(self, params: dict[str, object]) -> dict[str, object]:
        self.backend.delete_schedule_group(**_kwargs(params))
        return {}

    def _list_schedules(self, params: dict[str, object]) -> dict[str, object]:
        filters = {k: v for k, v in params.items() if k not in _PAGING}
        found = self.backend.list_schedules(**_kwargs(filters))
        return _page([s.summary() for s in found], "Schedules", params)

    def _list_groups(self, params: dict[str, object]) -> dict[str, object]:
        filters = {k: v for k, v in params.items() if k not in _PAGING}
        found = self.backend.list_schedule_groups(**_kwargs(filters))
        return _page([g.describe() for g in found], "ScheduleGroups", params)

    def _answer(
        self, op: str, params: dict[str, object], outcome: dict[str, object] | SchedulerError
    ) -> Response:
        headers = {"Content-Type": _JSON, "x-amzn-RequestId": str(uuid.uuid4())}
        body: dict[str, object] = {}
        code: str | None = None
        if isinstance(outcome, SchedulerError):
            status, body, code = outcome.status, {"Message": outcome.message}, outcome.code
            headers["x-amzn-ErrorType"] = outcome.code
        else:
            status, body = 200, outcome
        with self.backend.lock:
            self.calls.append(Call(op, params, status, code))
        return Response(status, json.dumps(body).encode(), headers)
