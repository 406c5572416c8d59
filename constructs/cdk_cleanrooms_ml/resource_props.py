"""What the long-running resources (exports and generation jobs) share at synth: the name,
description, wait and timeout props, the provider, and what they add to the template.

The props are checked against the same field table the handler reads the template with
(``cdk_cleanrooms_ml._handler.fields``): at synth a ``ValidationError`` names the Python prop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import CfnResource, Duration, Lazy, RemovalPolicy, TagManager, Token
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml._handler.fields.table import Table, check_props
from cdk_cleanrooms_ml.long_wait import CompletionWait, WaitChoice, decide_wait
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider, ProviderGrant
from cdk_cleanrooms_ml.tagging import RenderedTags, TagsAreValid
from cdk_cleanrooms_ml.tokens import concrete, is_token

DEFAULT_TIMEOUT_SECONDS: Final = rules.TIMEOUT_MAX_SECONDS


def checked_props(table: Table, values: Mapping[str, object]) -> dict[str, Any]:
    """``values`` (by Python prop) walked over the resource's field ``table``."""
    return check_props(table, values, concrete=concrete)


def checked_timeout_seconds(timeout: Duration | None) -> int | float:
    """The timeout in seconds (a number token passes through), checked when concrete."""
    if timeout is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = timeout.to_seconds(integral=False)
    except RuntimeError as error:  # jsii's error for a token in another unit
        raise rules.ValidationError(
            "timeout", "a token timeout must be Duration.seconds(<token>)"
        ) from error
    checked: int | float = common_fields.TIMEOUT.validate(seconds, concrete=concrete)
    return checked


def check_provider(provider: object) -> None:
    """``provider`` is None or an ``ICleanRoomsMlProvider``."""
    if provider is not None and not isinstance(provider, ICleanRoomsMlProvider):
        raise TypeError(
            "provider: must be an ICleanRoomsMlProvider (a CleanRoomsMlProvider, or"
            " CleanRoomsMlProvider.from_service_token(...))"
        )


@dataclass(frozen=True)
class CommonProps:
    """The checked name, description, wait and timeout of a resource."""

    name: str | None
    description: str | None
    wait_for_completion: bool | Duration
    wait: WaitChoice
    timeout_seconds: int | float

    @staticmethod
    def check(
        table: Table,
        name: str | None,
        description: str | None,
        wait_for_completion: bool | Duration,
        timeout: Duration | None,
    ) -> CommonProps:
        """The props, checked against the resource's ``table`` (its ``name`` and
        ``description`` fields) and the wait rules. (Positional: every resource passes its
        own props of these names, in this order.)"""
        checked_props(table, {"name": name, "description": description})
        wait = decide_wait(wait_for_completion, timeout)
        return CommonProps(
            name,
            description,
            # As given for a wait beyond 1 hour; else the bool it comes to.
            wait_for_completion if wait.long_wait_seconds is not None else wait.wait,
            wait,
            checked_timeout_seconds(wait.timeout),
        )

    @property
    def timeout(self) -> Duration:
        """The resource's own timeout (default: 1 hour)."""
        return self.wait.timeout or Duration.seconds(DEFAULT_TIMEOUT_SECONDS)

    def template_values(self) -> dict[str, Any]:
        """The template's values of these fields, None where the default is left out (the
        handler and CloudFormation apply the same ones: a template's bytes count)."""
        seconds = self.timeout_seconds
        timeout = None if seconds == DEFAULT_TIMEOUT_SECONDS else str(seconds)
        return {
            common_fields.KEY_NAME: self.name,
            common_fields.KEY_DESCRIPTION: self.description,
            common_fields.KEY_WAIT: None
            if self.wait.wait or self.wait.long_wait_seconds
            else False,
            # CloudFormation's wait and the handler's deadline; a string, as CloudFormation sends.
            common_fields.KEY_TIMEOUT: Token.as_string(seconds) if is_token(seconds) else timeout,
        }

    def bind(
        self,
        scope: Construct,
        resource: CfnResource,
        provider: ICleanRoomsMlProvider,
        grant: ProviderGrant,
        *,
        properties: Mapping[str, Any],
        changed_in_place: tuple[str, ...] = (),
    ) -> CompletionWait | None:
        """Bind ``resource`` to its provider, after ``grant``'s dependencies; the WaitCondition
        of a wait beyond 1 hour, if any (``changed_in_place``: the properties the handler
        changes without a new resource, which the WaitCondition must not follow)."""
        provider.bind_resource(resource)
        completion_wait = None
        if self.wait.long_wait_seconds is not None:
            completion_wait = CompletionWait(
                scope,
                "CompletionWait",
                resource=resource,
                seconds=self.wait.long_wait_seconds,
                properties=properties,
                provider=provider,
                changed_in_place=changed_in_place,
            )
        # E.g. the policy that grants a job declared in this stack (kept out of the role's own).
        for dependency in grant.depends_on:
            resource.node.add_dependency(dependency)
        return completion_wait


# What CloudFormation can do with a billed resource when it leaves the stack (none has a
# snapshot).
REMOVAL_POLICIES: Final = (
    RemovalPolicy.DESTROY,
    RemovalPolicy.RETAIN,
    RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
)


def check_removal_policy(removal_policy: RemovalPolicy, what: str) -> None:
    """DESTROY, RETAIN or RETAIN_ON_UPDATE_OR_DELETE (``what``: "a generation job")."""
    if removal_policy not in REMOVAL_POLICIES:
        raise rules.ValidationError(
            "removal_policy",
            f"{removal_policy} is not supported: {what} has no snapshot; use"
            " RemovalPolicy.DESTROY (the default) or RemovalPolicy.RETAIN",
        )


@dataclass(frozen=True)
class TaggedResource:
    """A billed resource's ``CfnResource`` and the WaitCondition of a wait beyond 1 hour."""

    resource: CfnResource
    completion_wait: CompletionWait | None

    @staticmethod
    def declare(
        scope: Construct,
        resource_type: str,
        props: CommonProps,
        grant: ProviderGrant,
        *,
        provider: ICleanRoomsMlProvider,
        own: Mapping[str, Any],
        tags: TagManager,
        removal_policy: RemovalPolicy,
    ) -> TaggedResource:
        """The resource ``Resource`` of ``scope``: its ``own`` properties (None left out) among
        the common ones; its tags (rendered at synth, after ``Tags.of()``; checked then too)
        change in place, so the WaitCondition does not follow them."""
        common = props.template_values()
        properties: dict[str, Any] = {
            common_fields.KEY_SERVICE_TOKEN: provider.service_token,
            **defined(
                {
                    **own,
                    common_fields.KEY_NAME: common[common_fields.KEY_NAME],
                    common_fields.KEY_DESCRIPTION: common[common_fields.KEY_DESCRIPTION],
                    tag_rules.KEY_TAGS: Lazy.any(RenderedTags(tags), omit_empty_array=True),
                    common_fields.KEY_WAIT: common[common_fields.KEY_WAIT],
                    common_fields.KEY_TIMEOUT: common[common_fields.KEY_TIMEOUT],
                }
            ),
        }
        resource = CfnResource(scope, "Resource", type=resource_type, properties=properties)
        if removal_policy != RemovalPolicy.DESTROY:
            # DeletionPolicy and UpdateReplacePolicy: CloudFormation then never asks to delete.
            resource.apply_removal_policy(removal_policy)
        completion_wait = props.bind(
            scope,
            resource,
            provider,
            grant,
            properties=properties,
            changed_in_place=(tag_rules.KEY_TAGS,),  # the handler tags in place
        )
        scope.node.add_validation(TagsAreValid(tags))
        return TaggedResource(resource, completion_wait)


def provider_of(scope: Construct, provider: ICleanRoomsMlProvider | None) -> ICleanRoomsMlProvider:
    """The given provider, or the stack's own."""
    return provider or CleanRoomsMlProvider.of(scope)


def defined(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` but those that are None (left to their defaults)."""
    return {key: value for key, value in values.items() if value is not None}


def waited_attribute(
    resource: CfnResource, completion_wait: CompletionWait | None, attribute: str
) -> str:
    """``Fn::GetAtt <resource>.<attribute>``; with a wait beyond 1 hour, the same attribute as
    the provider signalled it once the work was ACTIVE (the WaitCondition's reader): either way
    the value the resource has when its wait is over."""
    if completion_wait is not None:
        return completion_wait.final_attribute(attribute)
    return Token.as_string(resource.get_att(attribute))


@dataclass(frozen=True)
class FinalAttribute:
    """An attribute known only once the work is ACTIVE (e.g. an export's S3 location): readable
    from a resource that waits, however long; an error at synth otherwise (naming what to do)."""

    prop: str
    attribute: str
    subject: str  # "export", "job"
    known: str  # what the work has once ACTIVE: "has an S3 location"
    pronoun: str  # "it", "them"

    def read(
        self,
        resource: CfnResource,
        path: str,
        wait_for_completion: bool | Duration,
        completion_wait: CompletionWait | None,
    ) -> str:
        """The attribute once the wait is over, or a ``ValidationError`` naming the prop."""
        if completion_wait is None and not wait_for_completion:
            raise rules.ValidationError(
                self.prop,
                f"{path} has wait_for_completion=False, so it completes before the "
                f"{self.subject} {self.known}; set wait_for_completion=True (or a Duration) to "
                f"read {self.pronoun}",
            )
        return waited_attribute(resource, completion_wait, self.attribute)
