"""Paged List answers: an opaque ``nextToken`` tied to the filters of the request it came from."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from .exceptions import ServiceError


def page(
    params: Mapping[str, object],
    key: str,
    items: list[dict[str, object]],
    filters: object,
    default_size: int,
) -> dict[str, object]:
    """One page of ``items`` under ``key``, with a ``nextToken`` when more follow."""
    page_size = int(str(params.get("maxResults", default_size)))
    token = params.get("nextToken")
    offset = 0 if token is None else _decode_token(str(token), filters)
    result: dict[str, object] = {key: items[offset : offset + page_size]}
    if offset + page_size < len(items):
        result["nextToken"] = _encode_token(offset + page_size, filters)
    return result


def _encode_token(offset: int, filters: object) -> str:
    raw = json.dumps({"o": offset, "a": filters}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str, filters: object) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        same_filter = data["a"] == filters
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ServiceError("ValidationException", "The nextToken is not valid") from error
    if not same_filter or offset < 0:
        raise ServiceError("ValidationException", "The nextToken does not belong to this request")
    return offset
