"""What each CloudFormation request means for an audience generation job.

Create: adopt a job of the same name and settings (a retried invocation, or a Start whose answer
was lost: Start has no client token, so the name is the idempotency key), refuse one with other
settings, else start one; then wait until it is ACTIVE unless told not to. Once the job exists,
a FAILED answer carries its ARN, so CloudFormation's rollback Delete deletes it.
Update: same name and settings is the same job: tags are set in place. Another name is a new
job (a derived name changes with any setting that cannot change in place), and CloudFormation
deletes the old one; other settings under the same custom name cannot be applied.
Delete: delete the job and wait until it is gone; an id that is no job ARN (a failed Create) has
nothing to delete.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from . import clients, completion, continuation, rules, waiting
from .clock import Clock
from .export_jobs import ConflictError, ServiceError, SlotQuotaError, describe_status
from .generation_calls import Job, NotFoundError, delete_job, find_job, get_job, set_tags, start_job
from .lifecycle import stack_name
from .outcomes import Done, Outcome, RequestError, continue_after
from .signal_url import signal_url_problem

ACTIVE: Final = "ACTIVE"
CREATE_FAILED: Final = "CREATE_FAILED"
CREATE_PENDING: Final = "CREATE_PENDING"
DELETE_FAILED: Final = "DELETE_FAILED"
CREATING: Final = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
DELETING: Final = ("DELETE_PENDING", "DELETE_IN_PROGRESS")
UNKNOWN: Final = "UNKNOWN"
MAX_UNLISTED_CONFLICTS: Final = 3

logger = logging.getLogger(__name__)


class JobFailed(Exception):  # noqa: N818 - carries a failure, with the id to answer it under
    """The request failed after a job of ours existed: answer FAILED under its ARN."""

    def __init__(self, cause: Exception, physical_id: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.physical_id = physical_id


@dataclass(frozen=True)
class JobTarget:
    """The job a request asks for."""

    props: rules.GenerationJobProperties
    name: str
    owner: str  # the value of the ownership tag: which stack resource started the job

    @property
    def request(self) -> dict[str, Any]:
        request = self.props.start_request(self.name)
        request["tags"] = {**self.tags, rules.OWNER_TAG_KEY: self.owner}
        return request

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.props.tags)

    def pending_data(self, arn: str, status: str) -> dict[str, str]:
        return {
            "AudienceGenerationJobArn": arn,
            "Name": self.name,
            "Status": status,
            "OfferedSizes": "",
            "ProtectedQueryIdentifier": "",
        }


@dataclass
class Progress:
    """What this request has done so far: the job it started or adopted."""

    arn: str | None = None
    job: Job | None = None
    started: bool = False


Step = Callable[[JobTarget, waiting.Budget, Progress], Outcome]


def is_generation_event(event: Mapping[str, Any]) -> bool:
    """One function serves both resource types: the type tells them apart (and, for a template
    that names its own ``Custom::`` type, a generation job's required property does)."""
    if event.get("ResourceType") == rules.GENERATION_JOB_RESOURCE_TYPE:
        return True
    properties = event.get("ResourceProperties")
    return (
        event.get("ResourceType") != rules.EXPORT_RESOURCE_TYPE
        and isinstance(properties, Mapping)
        and rules.KEY_MODEL_ARN in properties
    )


def is_job_arn(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        rules.check_job_arn(value, "PhysicalResourceId")
    except rules.RuleError:
        return False
    return True


def target_for(properties: object, event: Mapping[str, Any]) -> JobTarget:
    props = rules.parse_generation_job_properties(properties)
    stack_id, logical_id = str(event.get("StackId", "")), str(event.get("LogicalResourceId", ""))
    target = JobTarget(
        props, props.job_name(f"{stack_name(stack_id)}/{logical_id}"), owner(stack_id, logical_id)
    )
    rules.check_role_partition(
        props.role_arn,
        rules.arn_partition(stack_id),
        f"{rules.KEY_SEED}.{rules.KEY_ROLE_ARN}",
        of="the stack",
    )
    if props.signal is not None:
        # Only a handle of this very stack: anything else would be an SSRF.
        problem = signal_url_problem(props.signal.url, stack_id)
        if problem is not None:
            raise rules.RuleError(rules.KEY_SIGNAL_URL, problem)
    return target


def owner(stack_id: str, logical_id: str) -> str:
    """``<stack id>/<logical id>``: unique to one resource of one stack, even across a stack
    deleted and created again under the same name (a new stack id)."""
    readable = f"{stack_id}/{logical_id}"
    if len(readable) <= rules.TAG_VALUE_MAX:
        return readable
    return "sha256:" + hashlib.sha256(readable.encode("utf-8")).hexdigest()


def create(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle a Create request, or continue one that was handed over."""

    def step(target: JobTarget, budget: waiting.Budget, progress: Progress) -> Outcome:
        return _provision(target, budget, progress, signal=target.props.signal)

    return _handle(event, clock, remaining_s, step)


def update(event: Mapping[str, Any], *, clock: Clock, remaining_s: float) -> Outcome:
    """Handle an Update request, or continue one that was handed over."""

    def step(target: JobTarget, budget: waiting.Budget, progress: Progress) -> Outcome:
        return _update(event, target, budget, progress)

    return _handle(event, clock, remaining_s, step)


def _handle(event: Mapping[str, Any], clock: Clock, remaining_s: float, step: Step) -> Outcome:
    target = target_for(event.get("ResourceProperties"), event)
    try:
        state, budget = continuation.begin(
            event, clock=clock, timeout_s=target.props.timeout_seconds, remaining_s=remaining_s
        )
    except ValueError as error:
        raise RequestError(f"invalid continuation: {error}") from error
    if state is not None:
        # Every step is idempotent by the job's name: a follow-up simply runs it again.
        logger.info("continuing %s wait (invocation %d)", state.phase, state.invocation)
    progress = Progress()
    old_id = event.get("PhysicalResourceId")
    try:
        return step(target, budget, progress)
    except waiting.HandOver as handover:
        physical_id = progress.arn or str(old_id or "") or f"job:{target.name}"
        return continue_after(handover, budget, state, physical_id)
    except (RequestError, ServiceError, waiting.DeadlineError, clients.Unavailable) as error:
        if progress.arn is None or progress.arn == old_id:
            raise
        if event.get("RequestType") == "Create":
            raise JobFailed(error, progress.arn) from error
        # A failed Update keeps the old id: remove the replacement, or it would be orphaned.
        raise RequestError(f"{error}; {_discard(progress.arn, budget)}") from error


def _discard(arn: str, budget: waiting.Budget) -> str:
    try:
        delete_job(arn, clock=budget.clock, until=budget.clock.now() + budget.call_s, attempts=2)
    except NotFoundError:
        return f"new job {arn} is gone"
    except (ServiceError, clients.Unavailable) as error:
        logger.warning("could not delete the new job %s: %s", arn, error)
        return f"new job {arn} could not be deleted yet: delete it"
    return f"new job {arn} is being deleted"


# --- Create ----------------------------------------------------------------------------------


def _provision(
    target: JobTarget,
    budget: waiting.Budget,
    progress: Progress,
    *,
    signal: rules.CompletionSignal | None,
) -> Outcome:
    """Adopt the job if it exists (a retried or duplicated request), else start it."""
    model = target.props.configured_audience_model_arn
    look_first = True
    conflicts = 0
    status = "not started"

    def find(attempts: int | None = None) -> str | None:
        return find_job(
            model, target.name, clock=budget.clock, until=budget.call_until(), attempts=attempts
        )

    def adopt(arn: str) -> str:
        job = get_job(arn, clock=budget.clock, until=budget.call_until())
        different = differences(job, target)
        if different:
            raise RequestError(
                f"Name: an audience generation job named {target.name} already exists with "
                f"other settings ({', '.join(different)}); choose another name (or omit Name)"
            )
        if job.tags.get(rules.OWNER_TAG_KEY) != target.owner:
            # Adopting it would make this resource delete a job it never started.
            raise RequestError(
                f"Name: an audience generation job named {target.name} already exists, started "
                "by another stack or resource; choose another name (or omit Name)"
            )
        if job.status in (*DELETING, DELETE_FAILED):
            raise RequestError(
                f"Name: audience generation job {target.name} is being deleted ({job.status}); "
                "deploy again once it is gone, or choose another name"
            )
        logger.info("adopting existing audience generation job %s (%s)", target.name, job.status)
        progress.arn, progress.job = arn, job
        return job.status

    def start() -> tuple[bool, str]:
        nonlocal conflicts
        try:
            arn = start_job(
                target.request, clock=budget.clock, until=budget.call_until(by_deadline=True)
            )
        except ConflictError as conflict:
            existing = find()
            if existing is not None:
                return True, adopt(existing)
            conflicts += 1
            if conflicts >= MAX_UNLISTED_CONFLICTS:
                raise RequestError(
                    f"Name: StartAudienceGenerationJob reports a conflict for {target.name} "
                    f"({conflict}), but no job of that name is listed for the model"
                ) from conflict
            return False, "CONFLICT (not listed yet)"
        except SlotQuotaError as quota:
            logger.info("waiting for a free generation job slot: %s", quota)
            return False, f"waiting for a free generation job slot (quota {quota.label})"
        except clients.Unavailable as unavailable:
            # Start may have been committed: the next attempt's Conflict tells.
            return False, waiting.unknown_status(unavailable)
        logger.info("started audience generation job %s: %s", target.name, arn)
        progress.arn, progress.started = arn, True
        return True, CREATE_PENDING

    def attempt() -> tuple[bool, str]:
        nonlocal look_first, status
        if look_first:
            look_first = False
            existing = find(attempts=1)
            if existing is not None:
                status = adopt(existing)
                return True, status
        if budget.clock.now() >= budget.deadline:
            return False, status  # never a Start after the deadline: nobody would wait for it
        done, status = start()
        return done, status

    waiting.wait_until(
        budget,
        attempt,
        phase=continuation.PHASE_JOB,
        last_status=status,
        poll_first=True,
        timeout_reason=lambda elapsed, last: (
            f"timed out after {elapsed} s starting audience generation job {target.name} "
            f"(last status {last}); "
            + (
                "it may have been started in Clean Rooms ML"
                if "StartAudienceGenerationJob" in last or "CONFLICT" in last
                else "no job was started"
            )
        ),
    )
    return _finish(target, budget, progress, signal=signal)


def _finish(
    target: JobTarget,
    budget: waiting.Budget,
    progress: Progress,
    *,
    signal: rules.CompletionSignal | None,
) -> Outcome:
    arn = progress.arn
    if arn is None:  # unreachable: _provision returns only once a job is started or adopted
        raise RequestError(f"audience generation job {target.name} was not started")
    job = progress.job
    if job is not None and job.status == CREATE_FAILED:
        raise _job_failed(target, job)
    if signal is not None:
        # A long wait: answer now; the poller signals the WaitCondition once the job is done.
        data = job.data() if job is not None else target.pending_data(arn, CREATE_PENDING)
        poller = completion.follow_up(signal, arn, clock=budget.clock, until=budget.hard_end)
        return Done(arn, data, follow_up=poller)
    if job is not None and (job.status == ACTIVE or not target.props.wait_for_completion):
        return Done(arn, job.data())
    if job is None and not target.props.wait_for_completion:
        return Done(arn, target.pending_data(arn, CREATE_PENDING))
    return _await_active(target, budget, progress, poll_first=job is None)


def _await_active(
    target: JobTarget, budget: waiting.Budget, progress: Progress, *, poll_first: bool
) -> Outcome:
    arn = progress.arn or ""

    def poll() -> tuple[bool, str]:
        job = get_job(arn, clock=budget.clock, until=budget.call_until(), attempts=1)
        progress.job = job
        if job.status == CREATE_FAILED:
            raise _job_failed(target, job)
        if job.status in (*DELETING, DELETE_FAILED):
            raise RequestError(
                f"audience generation job {target.name} is {job.status}: it was deleted while "
                "being created"
            )
        return job.status == ACTIVE, job.status

    waiting.wait_until(
        budget,
        poll,
        phase=continuation.PHASE_JOB,
        last_status=progress.job.status if progress.job else CREATE_PENDING,
        poll_first=poll_first,
        timeout_reason=lambda elapsed, status: (
            f"timed out after {elapsed} s waiting for audience generation job {target.name} "
            f"(last status {status})"
        ),
    )
    if progress.job is None:  # unreachable: the wait returns only once poll saw ACTIVE
        raise RequestError(f"audience generation job {target.name} was not read")
    return Done(arn, progress.job.data())


def _job_failed(target: JobTarget, job: Job) -> RequestError:
    status = describe_status(job.status, job.status_code, job.status_message)
    return RequestError(f"audience generation job {target.name} failed: {status}")


def differences(job: Job, target: JobTarget) -> list[str]:
    """The settings (as the template names them) in which ``job`` differs from ``target``.

    Only what the service shows is compared: it may leave out sensitive or defaulted fields.
    """
    wanted, seen = target.request, job.settings
    found = []
    if seen.get("configuredAudienceModelArn") != wanted["configuredAudienceModelArn"]:
        found.append(rules.KEY_MODEL_ARN)
    seed_wanted: Mapping[str, Any] = wanted["seedAudience"]
    seed_seen = seen.get("seedAudience")
    if isinstance(seed_seen, Mapping):
        if ("dataSource" in seed_seen) != ("dataSource" in seed_wanted):
            found.append(f"{rules.KEY_SEED} source")
        found += [
            f"{rules.KEY_SEED}.{_template_key(key)}"
            for key, value in seed_wanted.items()
            if key in seed_seen and not _covers(seed_seen[key], value)
        ]
    if bool(seen.get("includeSeedInOutput") or False) != wanted["includeSeedInOutput"]:
        found.append(rules.KEY_INCLUDE_SEED)
    if "collaborationId" in wanted and seen.get("collaborationId") != wanted["collaborationId"]:
        found.append(rules.KEY_COLLABORATION_ID)
    if (seen.get("description") or "") != (wanted.get("description") or ""):
        found.append(rules.KEY_DESCRIPTION)
    return found


def _template_key(key: str) -> str:
    return key[:1].upper() + key[1:]


def _covers(seen: object, wanted: object) -> bool:
    """``seen`` has every value of ``wanted`` (keys the service left out are not compared)."""
    if isinstance(wanted, Mapping):
        if not isinstance(seen, Mapping):
            return False
        return all(key not in seen or _covers(seen[key], value) for key, value in wanted.items())
    return seen == wanted or str(seen) == str(wanted)


# --- Update ----------------------------------------------------------------------------------


def _update(
    event: Mapping[str, Any], target: JobTarget, budget: waiting.Budget, progress: Progress
) -> Outcome:
    old_arn = event.get("PhysicalResourceId")
    if not is_job_arn(old_arn):
        logger.info("no job behind %s: starting %s", old_arn, target.name)
        return _provision(target, budget, progress, signal=target.props.signal)
    arn = str(old_arn)
    try:
        job = get_job(arn, clock=budget.clock, until=budget.call_until())
    except NotFoundError:
        logger.info("job %s is gone: starting %s", arn, target.name)
        return _provision(target, budget, progress, signal=target.props.signal)
    except (ServiceError, clients.Unavailable):
        if _unchanged(event, target):
            # A no-op update (or the rollback to these properties) must not fail, or the stack
            # could end UPDATE_ROLLBACK_FAILED; the job itself has not changed.
            logger.warning(
                "cannot read job %s; nothing changed, answering as is", arn, exc_info=True
            )
            return Done(arn, target.pending_data(arn, UNKNOWN))
        raise
    if job.name != target.name:
        logger.info("new name %s: starting it, CloudFormation deletes %s", target.name, job.name)
        return _provision(target, budget, progress, signal=target.props.signal)
    different = differences(job, target)
    if different:
        raise RequestError(
            f"Name: cannot change audience generation job {target.name} in place "
            f"({', '.join(different)}); it has a custom name: rename it (or omit Name) to "
            "replace it"
        )
    added, removed = set_tags(
        arn, target.tags, job.tags, clock=budget.clock, until=budget.call_until()
    )
    if added or removed:
        logger.info("tags of %s: set %s, removed %s", target.name, added, removed)
    progress.job = job
    signal = target.props.signal
    if completion.newly_requested(event, signal):
        # Another WaitCondition (a raw template changed its handle): signal that one too.
        progress.arn = arn
        return _finish(target, budget, progress, signal=signal)
    if job.status == ACTIVE or not target.props.wait_for_completion or signal is not None:
        return Done(arn, job.data())
    if job.status == CREATE_FAILED:
        raise _job_failed(target, job)
    progress.arn = arn
    return _await_active(target, budget, progress, poll_first=False)


def _unchanged(event: Mapping[str, Any], target: JobTarget) -> bool:
    try:
        old = target_for(event.get("OldResourceProperties"), event)
    except rules.RuleError:
        return False
    return (old.name, old.request) == (target.name, target.request)
