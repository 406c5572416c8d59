"""A kind of billed resource that a Create call starts and the service makes ACTIVE in its
own time (a generation job, an audience model): its words, its calls, what a request asks for,
and what :mod:`lifecycle` and :mod:`deletion` derive from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .. import completion, waiting
from .. import tags as tag_rules
from ..clock import Clock
from ..fields.common import CompletionSignal
from ..service_errors import RequestError, Words
from ..statuses import describe_status
from . import deletion


class Seen(Protocol):
    """The resource as its Get call shows it."""

    @property
    def arn(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def status_code(self) -> str: ...
    @property
    def status_message(self) -> str: ...
    @property
    def tags(self) -> dict[str, str]: ...
    def data(self) -> dict[str, str]: ...


class Props(Protocol):
    """The validated properties of a resource."""

    @property
    def signal(self) -> CompletionSignal | None: ...
    @property
    def wait_for_completion(self) -> bool: ...
    @property
    def timeout_seconds(self) -> int: ...
    @property
    def tags(self) -> tuple[tuple[str, str], ...]: ...
    def create_request(self, name: str) -> dict[str, object]: ...


P = TypeVar("P", bound=Props)


@dataclass(frozen=True)
class OwnedTarget(Generic[P]):
    """The resource a request asks for: its properties, its name, and its owner (the value of
    the ownership tag: which stack resource created it)."""

    props: P
    name: str
    owner: str

    @property
    def request(self) -> dict[str, Any]:
        """The create request: the user's tags and the ownership tag."""
        request = dict(self.props.create_request(self.name))
        request["tags"] = {**self.tags, tag_rules.OWNER_TAG_KEY: self.owner}
        return request

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.props.tags)


class Target(Protocol):
    """The resource a request asks for."""

    @property
    def props(self) -> Props: ...
    @property
    def name(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def request(self) -> dict[str, Any]: ...
    def pending_data(self, arn: str, status: str) -> dict[str, str]: ...


class DeleteCall(Protocol):
    def __call__(self, arn: str, *, clock: Clock, until: float, attempts: int | None) -> None: ...


T = TypeVar("T", bound=Target)
S = TypeVar("S", bound=Seen)


@dataclass(frozen=True)
class Kind(Generic[T, S]):
    """One kind of resource: its words and its calls (errors as :mod:`service_errors` kinds)."""

    what: str  # "audience generation job"
    noun: str  # "job": in "no job was started", and ids "job:<name>" before it exists
    phase: str  # the continuation phase of its start and wait
    start_action: str
    slot: str  # what a quota slot is for
    listed_where: str  # " for the model": where the listing looks after a Conflict
    words: Words
    is_id: Callable[[object], bool]  # whether a physical id names one
    parse: Callable[[object, Mapping[str, Any]], T]
    get: Callable[[str, waiting.Budget, int | None], S]
    find: Callable[[T, waiting.Budget, int | None], str | None]
    start: Callable[[T, waiting.Budget], str]
    differences: Callable[[S, Mapping[str, Any]], list[str]]
    ask_deletion: DeleteCall  # asynchronous; Conflict while it is being created
    # The settings (template keys) an update call changes in place, and that call: it sets
    # them as the target asks and returns the resource as it is then.
    updatable: tuple[str, ...] = ()
    apply_update: Callable[[S, T, waiting.Budget], S] | None = None
    # The name is one of the settings the update call changes (else a new name is a new one).
    renames_in_place: bool = False
    # Its service's client getter, for tags (default Clean Rooms ML's).
    client: Callable[[float], Any] | None = None

    def unnamed_id(self, name: str) -> str:
        return f"{self.noun}:{name}"

    def failed(self, name: str, seen: S) -> RequestError:
        """The request's failure: the resource failed to be created."""
        status = describe_status(seen.status, seen.status_code, seen.status_message)
        return RequestError(f"{self.what} {name} failed: {status}")

    def discard(self, arn: str, budget: waiting.Budget) -> str:
        """Delete the resource a failed Update created (past the deadline: one call's time);
        what became of it."""
        until = budget.clock.now() + budget.call_s

        def request() -> None:
            self.ask_deletion(arn, clock=budget.clock, until=until, attempts=2)

        return deletion.discard(f"new {self.noun} {arn}", request)

    def deleter(self) -> deletion.Deleter:
        """Its calls for :mod:`deletion`."""

        def status(arn: str, budget: waiting.Budget) -> tuple[str, str]:
            seen = self.get(arn, budget, 1)
            return seen.status, describe_status(seen.status, seen.status_code, seen.status_message)

        return deletion.Deleter(
            is_id=self.is_id,
            status=status,
            request=lambda arn, budget: self.ask_deletion(
                arn, clock=budget.clock, until=budget.call_until(), attempts=1
            ),
            what=self.what,
        )

    def physical_id(self, event: Mapping[str, Any]) -> str:
        """The resource's ARN once it exists; ``<noun>:<name>`` before."""
        old = event.get("PhysicalResourceId")
        if self.is_id(old):
            return str(old)
        return self.unnamed_id(self.parse(event.get("ResourceProperties"), event).name)

    def completion(
        self, event: Mapping[str, Any]
    ) -> tuple[CompletionSignal | None, Callable[[str], completion.Check]]:
        """The poller's signal, and its look at the resource by ARN (the physical id)."""
        target = self.parse(event.get("ResourceProperties"), event)

        def check(arn: str) -> completion.Check:
            return completion.status_check(
                self.what, target.name, arn, lambda budget: self.get(arn, budget, 1)
            )

        return target.props.signal, check
