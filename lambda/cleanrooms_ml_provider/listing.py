"""From a name to an ARN: the only way is a List call, and names are unique per account, so a
resource created under a name (perhaps by an attempt whose answer was lost) is found by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from . import clients
from .clock import Clock
from .service_errors import Words, mapped_errors

PAGE_SIZE: Final = 100


def arn_named(
    action: str,
    paginator: str,
    items: str,
    arn_key: str,
    name: str,
    *,
    words: Words,
    resource: str,
    clock: Clock,
    until: float,
    attempts: int | None = None,
    client: Callable[[float], Any] | None = None,
    **filters: str,
) -> str | None:
    """The ARN (``arn_key``) of the item called ``name`` among the ``items`` that ``action``
    lists (its ``paginator``, with ``filters``), if any; errors named for ``resource``.
    ``client``: the service's client getter (default Clean Rooms ML's)."""

    def look(timeout: float) -> str | None:
        made: Any = (client or clients.cleanroomsml)(timeout)
        pages: Any = made.get_paginator(paginator)
        for page in pages.paginate(**filters, PaginationConfig={"PageSize": PAGE_SIZE}):
            for summary in page[items]:
                if summary["name"] == name:
                    return str(summary[arn_key])
        return None

    with mapped_errors(action, resource, words):
        return clients.call(look, clock=clock, until=until, action=action, attempts=attempts)
