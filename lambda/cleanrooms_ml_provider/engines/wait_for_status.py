"""Wait for a status: look at the resource until it is done, within the request's budget.

The waiting itself is :func:`waiting.wait_until`'s: back-off with jitter, a throttled or
unreachable look (throttling, 5xx) is an unknown status and the wait goes on, and a wait longer
than the invocation is handed over to a scheduled poll.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from .. import waiting
from ..service_errors import RequestError

T = TypeVar("T")


class _Last(Generic[T]):
    """The last thing seen, across the looks of one wait."""

    def __init__(self, seen: T | None) -> None:
        self.seen = seen


def wait_for_status(
    budget: waiting.Budget,
    read: Callable[[], T | None],
    *,
    status: Callable[[T], str],
    done: Callable[[T], bool],
    phase: str,
    seen: T | None,
    unseen_status: str,
    poll_first: bool,
    timeout_reason: Callable[[int, str], str],
    missing: str,
) -> T:
    """Look (``read``, one attempt per look) until ``done``; the last thing seen.

    ``read`` returns None while the resource is not visible yet (``unseen_status``); ``done``
    raises to fail the request on a failed status. ``missing``: the reason should the wait
    end with nothing seen (unreachable: it ends only once ``done``).
    """
    last = _Last(seen)

    def look() -> tuple[bool, str]:
        current = read()
        if current is None:
            return False, unseen_status
        last.seen = current
        return done(current), status(current)

    waiting.wait_until(
        budget,
        look,
        phase=phase,
        last_status=status(seen) if seen is not None else unseen_status,
        poll_first=poll_first,
        timeout_reason=timeout_reason,
    )
    if last.seen is None:
        raise RequestError(missing)
    return last.seen
