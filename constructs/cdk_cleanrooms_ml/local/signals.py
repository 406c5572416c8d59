"""CloudFormation's S3 side of a wait condition: the WaitConditionHandle URL and its signals.

Served by the same HTTPS loopback server as the ResponseURLs (:mod:`.recorder`). A handle's URL
is the presigned S3 URL CloudFormation gives (its ``Ref``) in S3's path style: the bucket
``cloudformation-waitcondition-<region>`` leads the path, then the stack id, a UUID and the
handle's logical id, which is what the provider accepts from the harness's origin. It is a
secret, never logged or reported. Like S3, the PUT is checked against its presigned signature,
which covers an empty ``Content-Type`` (the user guide's ``curl -H 'Content-Type:'``), and
stored whatever its body; CloudFormation reads the bodies later (see :func:`evaluate`). Signals
PUT before the wait condition starts waiting are kept and count.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, unquote, urlsplit

from cdk_cleanrooms_ml._handler.signal_url import LOCAL_ORIGIN_ENV

from .clock import Clock
from .server import Request, Response

# Names this server's origin to the provider's functions: the only place outside AWS whose
# handle URLs the provider accepts (a template cannot set a function's environment).
SIGNAL_ORIGIN_ENV: Final = LOCAL_ORIGIN_ENV

# Every handle's path starts so (the region follows): the ResponseURLs' never does.
_PREFIX: Final = "/cloudformation-waitcondition-"
SUCCESS: Final = "SUCCESS"
FAILURE: Final = "FAILURE"


@dataclass(frozen=True)
class Signal:
    """One PUT on a handle URL, as CloudFormation reads it (``problem`` when it cannot)."""

    status: str
    unique_id: str
    data: str
    reason: str
    received_at: float
    problem: str = ""


def _string(body: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{key} must be a {'non-empty ' if required else ''}string")
    return value


def parse_signal(body: bytes, received_at: float) -> Signal:
    """The signal in a PUT body; one CloudFormation cannot use carries its ``problem``."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        status = _string(data, "Status", required=True)
        if status not in (SUCCESS, FAILURE):
            raise ValueError(f"Status is {status!r}, not SUCCESS or FAILURE")
        return Signal(
            status=status,
            unique_id=_string(data, "UniqueId", required=True),
            data=_string(data, "Data", required=False),
            reason=_string(data, "Reason", required=False),
            received_at=received_at,
        )
    except ValueError as error:  # json.JSONDecodeError included
        return Signal("", "", "", "", received_at, problem=str(error))


@dataclass(frozen=True)
class Outcome:
    """What a wait condition's signals add up to: complete, failed (``reason``) or pending."""

    complete: bool = False
    reason: str = ""
    # UniqueId -> Data of the SUCCESS signals that counted (GetAtt Data, as a JSON string).
    data: dict[str, str] = field(default_factory=dict)
    successes: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.reason)


def evaluate(signals: list[Signal], count: int) -> Outcome:
    """CloudFormation's reading of ``signals`` for a wait condition expecting ``count``.

    A signal whose UniqueId was seen before is a retransmission and is ignored; one FAILURE
    fails the condition; ``count`` SUCCESS signals with distinct UniqueIds complete it.
    """
    seen: set[str] = set()
    data: dict[str, str] = {}
    for signal in signals:
        if signal.problem:
            return Outcome(reason=f"Unparsable WaitCondition data ({signal.problem})", data=data)
        if signal.unique_id in seen:
            continue
        seen.add(signal.unique_id)
        if signal.status == FAILURE:
            return Outcome(
                reason=(
                    f"WaitCondition received failed message: '{signal.reason}' "
                    f"for uniqueId: {signal.unique_id}"
                ),
                data=data,
                successes=len(data),
            )
        data[signal.unique_id] = signal.data
        if len(data) >= count:
            return Outcome(complete=True, data=data, successes=len(data))
    return Outcome(data=data, successes=len(data))


@dataclass
class _Handle:
    signature: str
    signals: list[Signal] = field(default_factory=list)


def _region(stack_id: str) -> str:
    """``arn:<partition>:cloudformation:<region>:...`` -> ``<region>``."""
    parts = stack_id.split(":")
    if len(parts) < 6 or not parts[3]:
        raise ValueError("a stack id is an ARN naming its region")
    return parts[3]


def _denied(message: str) -> Response:
    # S3's answer to a PUT that does not match its presigned signature.
    body = (
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>SignatureDoesNotMatch</Code>"
        f"<Message>{message}</Message></Error>"
    )
    return Response(403, body.encode(), {"Content-Type": "application/xml"})


class WaitHandles:
    """Issues handle URLs and keeps what is PUT to them (a service for ``LoopbackServer``)."""

    def __init__(self, clock: Clock) -> None:
        self.base_url = ""
        self._clock = clock
        self._handles: dict[str, _Handle] = {}
        # (stack name, logical id) -> URL, for tests that play the signalling side.
        self._urls: dict[tuple[str, str], str] = {}
        self._arrived = threading.Condition()

    def issue(self, stack_name: str, stack_id: str, logical_id: str) -> str:
        """A new handle's URL (its ``Ref``): a secret like a ResponseURL."""
        if not self.base_url:
            raise RuntimeError("the response server is not running")
        # CloudFormation's shape: bucket (region), stack id, a fresh UUID, the logical id.
        path = f"{_PREFIX}{_region(stack_id)}/{stack_id}/{uuid.uuid4()}/{logical_id}"
        signature = secrets.token_hex(32)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self._clock.now()))
        url = (
            f"{self.base_url}{quote(path, safe='/')}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Date={stamp}&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={signature}"
        )
        with self._arrived:
            self._handles[path] = _Handle(signature)
            self._urls[(stack_name, logical_id)] = url
        return url

    def url(self, stack_name: str, logical_id: str) -> str:
        """The URL last issued for ``logical_id`` of ``stack_name`` in this run."""
        with self._arrived:
            found = self._urls.get((stack_name, logical_id))
        if found is None:
            raise KeyError(f"no WaitConditionHandle {logical_id} of {stack_name} in this run")
        return found

    def signals(self, url: str) -> list[Signal] | None:
        """The signals PUT to ``url`` so far; None when this run did not issue it."""
        handle = self._handles.get(unquote(urlsplit(url).path))
        if handle is None:
            return None
        with self._arrived:
            return list(handle.signals)

    def wait(self, url: str, seen: int, timeout: float) -> None:
        """Return once ``url`` has more than ``seen`` signals, or after ``timeout`` seconds."""
        handle = self._handles.get(unquote(urlsplit(url).path))
        with self._arrived:
            self._arrived.wait_for(
                lambda: handle is not None and len(handle.signals) > seen, timeout
            )

    def handles(self, request: Request) -> bool:
        return request.path.startswith(_PREFIX)

    def handle(self, request: Request) -> Response:
        found = self._handles.get(unquote(request.path))
        signature = (request.query.get("X-Amz-Signature") or [""])[0]
        if request.method != "PUT" or found is None or signature != found.signature:
            return _denied(
                "The request signature we calculated does not match the signature you provided."
            )
        if request.headers.get("content-type"):
            return _denied(
                "The request signature we calculated does not match the signature you provided "
                "(the URL is presigned for an empty Content-Type header)."
            )
        signal = parse_signal(request.body, self._clock.now())
        with self._arrived:
            found.signals.append(signal)
            self._arrived.notify_all()
        return Response(200)
