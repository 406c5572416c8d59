"""Waiting beyond CloudFormation's one hour for a custom resource.

A custom resource waits at most 3,600 s; an ``AWS::CloudFormation::WaitCondition`` up to
43,200 s. So for a longer ``wait_for_completion`` the resource answers once its job or export is
started, and a ``WaitConditionHandle`` + ``WaitCondition`` pair, which the resource's dependents
wait for, completes when the provider signals the handle's presigned URL (ACTIVE: SUCCESS;
CREATE_FAILED: FAILURE with the service's reason) or fails at its Timeout.

What the provider signals is the resource's final attributes; a reader resource
(``Custom::CleanRoomsMlFinalAttributes``, made on the first read) gives them back as its own, so
``job.offered_sizes`` or ``export.output_location`` read the same whatever the wait.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import jsii
from aws_cdk import CfnResource, Duration, Fn, IResolveContext, IStringProducer, Lazy, Stack, Token
from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml._handler.fields import final_attributes as reader_fields
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.tokens import is_token

__all__ = [
    "LONG_WAIT_MAX_SECONDS",
    "CompletionWait",
    "WaitChoice",
    "decide_wait",
    "required_wait",
]

FIELD: Final = "wait_for_completion"
# Up to here the custom resource can wait by itself (ServiceTimeout).
RESOURCE_WAIT_MAX_SECONDS: Final = rules.TIMEOUT_MAX_SECONDS
# CloudFormation's ceiling for a WaitCondition's Timeout.
LONG_WAIT_MAX_SECONDS: Final = common_fields.SIGNAL_TIMEOUT_MAX_SECONDS
# CloudFormation's limit on a logical id's length.
_LOGICAL_ID_MAX: Final = 255
_HASH_CHARS: Final = 8


@dataclass(frozen=True)
class WaitChoice:
    """What a resource's ``wait_for_completion`` (and ``timeout``) come to.

    :param wait: the custom resource itself waits for ACTIVE (``WaitForCompletion``).
    :param timeout: the custom resource's own timeout (``None``: the default, 1 hour).
    :param long_wait_seconds: the WaitCondition's Timeout, for a wait beyond 1 hour; else None.
    """

    wait: bool
    timeout: Duration | None
    long_wait_seconds: int | None = None


def decide_wait(wait_for_completion: object, timeout: Duration | None) -> WaitChoice:
    """Check ``wait_for_completion`` (a bool or a ``Duration``) against ``timeout``.

    A Duration of at most 1 hour is ``True`` with that ``timeout``; one over 1 hour, at most
    12 hours, is a long wait. Anything else is a ``ValidationError`` naming the prop.
    """
    if not isinstance(wait_for_completion, Duration):
        return WaitChoice(rules.parse_bool(wait_for_completion, FIELD), timeout)
    seconds = _whole_seconds(wait_for_completion)
    if seconds <= RESOURCE_WAIT_MAX_SECONDS:
        if timeout is not None and _seconds_of(timeout) != seconds:
            raise rules.ValidationError(
                FIELD,
                f"{seconds} seconds differs from timeout; a Duration of at most "
                f"{RESOURCE_WAIT_MAX_SECONDS} seconds is the resource's timeout: give one of them",
            )
        return WaitChoice(True, wait_for_completion)
    return WaitChoice(False, timeout, seconds)


def _whole_seconds(duration: Duration) -> int:
    try:
        seconds = duration.to_seconds(integral=False)
    except RuntimeError as error:  # jsii's error for a token in another unit
        raise _token_refused() from error
    if is_token(seconds):
        raise _token_refused()
    if not float(seconds).is_integer():
        raise rules.ValidationError(FIELD, f"{seconds} seconds is not a whole number of seconds")
    whole = int(seconds)
    if not rules.TIMEOUT_MIN_SECONDS <= whole <= LONG_WAIT_MAX_SECONDS:
        raise rules.ValidationError(
            FIELD,
            f"{whole} seconds is out of range ({rules.TIMEOUT_MIN_SECONDS} to "
            f"{LONG_WAIT_MAX_SECONDS} seconds: 12 hours is CloudFormation's longest wait)",
        )
    return whole


def _token_refused() -> rules.ValidationError:
    # Whether the resource waits itself or through a WaitCondition is decided at synth.
    return rules.ValidationError(
        FIELD, "a Duration must be concrete (not a token): it decides the template's shape"
    )


def _seconds_of(timeout: Duration) -> float | None:
    """The timeout in seconds, or None for a token (which no concrete value can equal)."""
    try:
        seconds = timeout.to_seconds(integral=False)
    except RuntimeError:
        return None
    return None if is_token(seconds) else float(seconds)


class CompletionWait(Construct):
    """A ``WaitConditionHandle`` and a ``WaitCondition`` that complete when the provider
    signals that a job or export is ACTIVE (or fail on its failure or at the timeout).

    The custom resource gets the handle's URL and the timeout as properties, and the
    WaitCondition waits for it. Both logical ids are ``<resource's logical id>WaitHandle<hash>``
    and ``<resource's logical id>Wait<hash>``, where the 8 hex digits hash the resource's
    replacement-relevant properties and the timeout: a WaitCondition cannot be updated, so
    whatever replaces the job (or changes the wait) replaces the pair with it. The hash sees
    the template, not parameter values: a job replaced for a new parameter value keeps its
    (completed) WaitCondition.

    :meth:`final_attribute` reads an attribute as the provider signalled it when the work was
    ACTIVE, through a reader resource ``<path>/FinalAttributes`` made on the first read (none
    for an app that reads nothing: its template is as before). The reader's logical id does not
    follow the hash: when the work is replaced, the reader is updated in place with the new
    WaitCondition's data.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource: CfnResource,
        seconds: int,
        properties: Mapping[str, Any],
        provider: ICleanRoomsMlProvider,
        changed_in_place: tuple[str, ...] = (),
    ) -> None:
        """
        :param resource: the custom resource whose provider signals the handle.
        :param provider: the resource's provider, which serves the reader too.
        :param seconds: the WaitCondition's Timeout (1 to 43,200).
        :param properties: the resource's properties (resolved and hashed at synth, so tokens
            are welcome), but for the ServiceToken, the ServiceTimeout and
            ``changed_in_place``: a change of those does not replace the resource.
        """
        super().__init__(scope, construct_id)
        self.resource = resource
        self.seconds = seconds
        self._provider = provider
        self._reader: CfnResource | None = None
        unhashed = (common_fields.KEY_SERVICE_TOKEN, common_fields.KEY_TIMEOUT, *changed_in_place)
        self._replacement_properties = {
            key: value for key, value in properties.items() if key not in unhashed
        }
        self.handle = cloudformation.CfnWaitConditionHandle(self, "Handle")
        self.condition = cloudformation.CfnWaitCondition(
            self, "Condition", handle=self.handle.ref, timeout=str(seconds), count=1
        )
        self.handle.override_logical_id(Lazy.uncached_string(_LogicalId(self, "WaitHandle")))
        self.condition.override_logical_id(Lazy.uncached_string(_LogicalId(self, "Wait")))
        resource.add_property_override(common_fields.KEY_SIGNAL_URL, self.handle.ref)
        resource.add_property_override(common_fields.KEY_SIGNAL_TIMEOUT, str(seconds))
        # The Timeout counts from the WaitCondition's creation: after the resource started.
        self.condition.node.add_dependency(resource)

    def after_completion(self, value: str) -> str:
        """``value`` as ``Fn::Select [0, [value, Ref Wait]]``: whatever reads it waits for the
        WaitCondition too."""
        return Fn.select(0, [value, self.condition.ref])

    @property
    def completion_data(self) -> str:
        """``Fn::GetAtt <Wait>.Data``, a JSON object string ``{"<name>": "<json of the final
        attributes>"}``, as ``Fn::Select [0, [<that>]]``: the same value, but CloudFormation's
        schema types ``Data`` as an object, so bare it fails cfn-lint (E6101) and CDK's own
        template checks wherever a string goes, e.g. an Output."""
        return Fn.select(0, [Token.as_string(self.condition.get_att("Data"))])

    def final_attribute(self, attribute: str) -> str:
        """``Fn::GetAtt <reader>.<attribute>``: the resource's attribute once the work is ACTIVE,
        as a plain string (a short wait's ``Fn::GetAtt <resource>.<attribute>`` says the
        same). Whatever reads it waits for the WaitCondition too."""
        return Token.as_string(self._final_attributes().get_att(attribute))

    def _final_attributes(self) -> CfnResource:
        if self._reader is None:
            self._reader = CfnResource(
                self,
                "FinalAttributes",
                type=reader_fields.FINAL_ATTRIBUTES_RESOURCE_TYPE,
                properties={
                    common_fields.KEY_SERVICE_TOKEN: self._provider.service_token,
                    # A JSON object string (CloudFormation's GetAtt of a WaitCondition's Data).
                    reader_fields.KEY_WAIT_CONDITION_DATA: self.condition.get_att("Data"),
                },
            )
            self._provider.bind_resource(self._reader)
        return self._reader

    def logical_id_of(self, suffix: str) -> str:
        """``<resource's logical id><suffix><hash>``, at most 255 characters (at synth)."""
        stack = Stack.of(self)
        prefix = str(stack.resolve(self.resource.logical_id))
        fingerprint = json.dumps(
            [stack.resolve(self._replacement_properties), self.seconds],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:_HASH_CHARS].upper()
        tail = f"{suffix}{digest}"
        return f"{prefix[: _LOGICAL_ID_MAX - len(tail)]}{tail}"


def required_wait(wait: CompletionWait | None, path: str) -> CompletionWait:
    """``wait``, or the ``ValidationError`` for reading ``completion_data`` without one."""
    if wait is None:
        raise rules.ValidationError(
            "completion_data",
            f"{path} has no WaitCondition: set wait_for_completion to a Duration over 1 hour to "
            "wait through one (else read the resource's own attributes)",
        )
    return wait


@jsii.implements(IStringProducer)
class _LogicalId:
    """A logical id known at synth only (the resource's may be overridden until then)."""

    def __init__(self, wait: CompletionWait, suffix: str) -> None:
        self._wait = wait
        self._suffix = suffix

    def produce(self, context: IResolveContext) -> str:
        return self._wait.logical_id_of(self._suffix)
