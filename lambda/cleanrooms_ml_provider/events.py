"""Checking a CloudFormation request before crhelper reads it: required keys and the ResponseURL.

crhelper reads the keys itself and, on a KeyError, answers to the ResponseURL it kept from the
*previous* request of a warm container; these checks run first so that never happens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

REQUEST_TYPES: Final = ("Create", "Update", "Delete")
# What CloudFormation always sends, and what an answer needs back.
REQUIRED_KEYS: Final = (
    "RequestType",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, "..." marking a cut."""
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def shown(value: object) -> str:
    """A short JSON rendering of a value the request got wrong, for a reason or a log line."""
    return cut(json.dumps(value, default=str), 40)


def usable_response_url(event: Mapping[str, Any]) -> str | None:
    """The event's ResponseURL if an answer can be PUT to it: https, a host, nothing odd."""
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url.isprintable() or " " in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme == "https" and parts.hostname else None


def event_problem(event: Mapping[str, Any]) -> str | None:
    """What is wrong with the event (naming the key), or None. ResponseURL is checked apart."""
    for key in REQUIRED_KEYS:
        value = event.get(key)
        if key not in event or value is None:
            return f"{key}: is required in the request"
        if not isinstance(value, str) or not value:
            return f"{key}: {shown(value)} is not a non-empty string"
    request_type = event["RequestType"]
    if request_type not in REQUEST_TYPES:
        return f"RequestType: {cut(request_type, 40)!r} is not one of {', '.join(REQUEST_TYPES)}"
    if request_type != "Create":
        physical_id = event.get("PhysicalResourceId")
        if not isinstance(physical_id, str) or not physical_id:
            return f"PhysicalResourceId: is required in a {request_type} request"
    return None
