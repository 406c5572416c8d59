"""One call of a service method by name: retried within the budget (:func:`clients.call`), its
errors turned into :mod:`service_errors` kinds named for the resource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import clients, waiting
from .service_errors import Words, mapped_errors


def call_method(
    action: str,
    resource: str,
    words: Words,
    budget: waiting.Budget,
    method: str,
    *,
    client: Callable[[float], Any] = clients.cleanroomsml,
    **kwargs: object,
) -> Any:
    """``client(timeout).<method>(**kwargs)``, as ``action`` on ``resource``."""
    with mapped_errors(action, resource, words):
        return clients.call(
            lambda timeout: getattr(client(timeout), method)(**kwargs),
            clock=budget.clock,
            until=budget.call_until(),
            action=action,
        )
