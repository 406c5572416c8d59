"""The service's REST-JSON wire format: routing, parsing and answering Clean Rooms requests.

An unmodified boto3 ``cleanrooms`` client reaches :class:`CleanRoomsEndpoint` through
``endpoint_url`` or ``AWS_ENDPOINT_URL_CLEANROOMS``, on the same server (and URL) as the Clean
Rooms ML endpoint it is mounted beside: one seed, one state file, one lock, one set of faults
(injected through that endpoint's admin API, by operation name). Requests and responses are
checked against botocore's ``cleanrooms`` model; errors are answered as the service does (its
status codes, ``x-amzn-ErrorType`` header, ``{"message": ...}`` body).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from ..cleanroomsml.dispatch import answer
from ..cleanroomsml.exceptions import ServiceError
from ..cleanroomsml.pagination import page
from ..cleanroomsml.responses import Call, CleanRoomsMlEndpoint
from ..cleanroomsml.shapes import validate
from ..cleanroomsml.tag_responses import TaggingBackend, TagResponses
from ..server import LoopbackServer, Request, Response
from .exceptions import in_cleanrooms_terms, invalid, status_of
from .models import CleanRoomsBackend
from .parsing import PARSERS
from .seed import parse_memberships
from .shapes import cleanrooms_operation, request_problems
from .urls import operation_for, served

ENDPOINT_ENV: Final = "AWS_ENDPOINT_URL_CLEANROOMS"
_JSON: Final = "application/json"
_ASSOCIATION: Final = "configuredAudienceModelAssociation"


class CleanRoomsEndpoint(TagResponses):
    """Clean Rooms on the wire, sharing ``ml``'s backend state, faults and page size; mount both
    on one :class:`LoopbackServer`.

    ``backend`` holds the associations (:mod:`.models`), ``calls`` every request answered.
    """

    def __init__(self, ml: CleanRoomsMlEndpoint) -> None:
        self.backend = CleanRoomsBackend(ml.backend, parse_memberships(ml.seed))
        self.faults = ml.faults
        self.page_size = ml.page_size
        self.calls: list[Call] = []
        # Responses that broke the model: always empty unless the endpoint itself has a bug.
        self.model_violations: list[str] = []

    def calls_to(self, op: str) -> list[Call]:
        with self.backend.lock:
            return [call for call in self.calls if call.operation == op]

    # --- HTTP ------------------------------------------------------------------------------

    def handles(self, request: Request) -> bool:
        return served(request)

    def handle(self, request: Request) -> Response:
        op = operation_for(request.method, request.path)
        if op is None:
            return _error_response(ServiceError("ValidationException", "Unsupported operation"))
        return self._call(op, request)

    def _call(self, op: str, request: Request) -> Response:
        params: dict[str, object] = {}
        try:
            result = answer(
                self,
                op,
                request,
                params,
                parse=PARSERS[op],
                check=_input_problems,
                server_error="InternalServerException",
            )
        except ServiceError as error:
            answered = in_cleanrooms_terms(error)
            self._record(op, params, status_of(answered.code), answered.code)
            return _error_response(answered)
        model = cleanrooms_operation(op)
        violations = [] if model.output_shape is None else validate(model.output_shape, result, op)
        if violations:
            self.model_violations.extend(violations)
            broken = ServiceError("InternalServerException", "; ".join(violations))
            self._record(op, params, 500, broken.code)
            return _error_response(broken)
        status = int(model.http.get("responseCode", 200))
        self._record(op, params, status, None)
        # 204 (Delete) has no body; every other answer is its output shape's JSON.
        body = b"" if status == 204 else json.dumps(result).encode()
        return Response(status, body, _headers())

    def _record(self, op: str, params: dict[str, object], status: int, error: str | None) -> None:
        with self.backend.lock:
            self.calls.append(Call(op, params, status, error, self.backend.clock()))

    # --- one method per operation, each answered by the backend method of the same name --

    def create_configured_audience_model_association(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        return {_ASSOCIATION: self.backend.create_configured_audience_model_association(params)}

    def get_configured_audience_model_association(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        found = self.backend.get_configured_audience_model_association(*_identifiers(params))
        return {_ASSOCIATION: found}

    def update_configured_audience_model_association(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        return {_ASSOCIATION: self.backend.update_configured_audience_model_association(params)}

    def delete_configured_audience_model_association(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        self.backend.delete_configured_audience_model_association(*_identifiers(params))
        return {}

    def list_configured_audience_model_associations(
        self, params: dict[str, object]
    ) -> dict[str, object]:
        membership = str(params["membershipIdentifier"])
        items = self.backend.list_configured_audience_model_associations(membership)
        key = "configuredAudienceModelAssociationSummaries"
        return page(params, key, items, membership, self.page_size)

    @property
    def tagging(self) -> TaggingBackend:
        return self.backend


def _identifiers(params: dict[str, object]) -> tuple[str, str]:
    """The membership and association an item request names."""
    return (
        str(params["membershipIdentifier"]),
        str(params["configuredAudienceModelAssociationIdentifier"]),
    )


def _headers() -> dict[str, str]:
    return {"Content-Type": _JSON, "x-amzn-RequestId": str(uuid.uuid4())}


def _input_problems(op: str, params: dict[str, object]) -> ServiceError | None:
    problems = request_problems(op, params)
    return invalid(problems) if problems else None


def _error_response(error: ServiceError) -> Response:
    body: dict[str, object] = {"message": error.message, **error.extra}
    headers = _headers()
    headers["x-amzn-ErrorType"] = error.code
    return Response(status_of(error.code), json.dumps(body).encode(), headers)


@contextmanager
def serve_with_cleanrooms(ml: CleanRoomsMlEndpoint, *, port: int = 0) -> Iterator[str]:
    """Serve ``ml`` and Clean Rooms beside it on loopback; yields the URL both answer on."""
    with LoopbackServer([ml, CleanRoomsEndpoint(ml)], port=port) as server:
        yield server.url
