"""``ConfiguredAudienceModelPolicy``: the resource policy of a configured audience model, the
way ``sqs.QueuePolicy`` is a queue's (statements added with ``add_statements``, or through the
model's ``add_to_resource_policy`` and ``grant_generate``)."""

from __future__ import annotations

import json
from typing import Final

import jsii
from aws_cdk import (
    CfnResource,
    Duration,
    IResolveContext,
    IStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml._handler.fields import configured_audience_model_policy as fields
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    DEFAULT_TIMEOUT_SECONDS,
    check_provider,
    check_removal_policy,
    checked_props,
    checked_timeout_seconds,
    provider_of,
)
from cdk_cleanrooms_ml.resource_types import POLICY_RESOURCE_TYPE

__all__ = ["GENERATE_ACTION", "POLICY_RESOURCE_TYPE", "ConfiguredAudienceModelPolicy"]

# What a seed owner's account needs on the configured model to generate audiences from it.
GENERATE_ACTION: Final = "cleanrooms-ml:StartAudienceGenerationJob"
COLLABORATION_KEY: Final = "cleanrooms-ml:CollaborationId"


@jsii.implements(IStringProducer)
class _Rendered:
    """The document as JSON text at synth (tokens become ``Fn::Join``), as the API takes it."""

    def __init__(self, document: iam.PolicyDocument, scope: Construct) -> None:
        self._document = document
        self._scope = scope

    def produce(self, context: IResolveContext) -> str:
        del context
        return Stack.of(self._scope).to_json_string(self._document)


@jsii.implements(IValidation)
class _DocumentIsValid:
    """At synth: at least one statement, each fit for a resource policy (a principal), and,
    when no token is left in it, the API's 20,480 characters."""

    def __init__(self, policy: ConfiguredAudienceModelPolicy) -> None:
        self._policy = policy

    def validate(self) -> list[str]:
        document = self._policy.document
        if document.is_empty:
            return [f"{fields.KEY_POLICY}: policy_document has no statement"]
        errors = list(document.validate_for_resource_policy())
        resolved = Stack.of(self._policy).resolve(document)
        text = json.dumps(resolved, separators=(",", ":"))
        if '"Ref":' not in text and '"Fn::' not in text:  # else checked at deploy
            try:
                fields.check_policy(text)
            except rules.ValidationError as error:
                errors.append(str(error))
        return errors


class ConfiguredAudienceModelPolicy(Construct):
    """The resource policy of one configured audience model (PutConfiguredAudienceModelPolicy).

    It never overwrites a policy it did not write: created only where the model has none, then
    updated only over its own (a policy changed outside the stack fails the update, naming the
    drift), and deleted only while it is still its own. A model has one policy: declare one per
    model (``ConfiguredAudienceModel.add_to_resource_policy`` does).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        configured_audience_model_arn: str,
        statements: list[iam.PolicyStatement] | None = None,
        timeout: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param configured_audience_model_arn: the model (e.g.
            ``ConfiguredAudienceModel.configured_audience_model_arn``).
        :param statements: its first statements (more with :meth:`add_statements`).
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour).
        :param removal_policy: ``DESTROY`` (default: deleted with the stack, if still its own)
            or ``RETAIN`` (kept).
        :param provider: default the stack's own provider.
        """
        checked = checked_props(
            fields.TABLE, {"configured_audience_model_arn": configured_audience_model_arn}
        )
        seconds = checked_timeout_seconds(timeout)
        check_provider(provider)
        check_removal_policy(removal_policy, "a resource policy")
        super().__init__(scope, construct_id)
        self.configured_audience_model_arn: str = checked["configured_audience_model_arn"]
        self.document = iam.PolicyDocument(statements=statements or [])
        self.provider = provider_of(scope, provider)
        grant = self.provider.grant_configured_audience_model_policy(
            self.configured_audience_model_arn
        )
        properties: dict[str, object] = {
            common_fields.KEY_SERVICE_TOKEN: self.provider.service_token,
            fields.KEY_CONFIGURED_MODEL_ARN: self.configured_audience_model_arn,
            fields.KEY_POLICY: Lazy.uncached_string(_Rendered(self.document, self)),
        }
        if seconds != DEFAULT_TIMEOUT_SECONDS:
            properties[common_fields.KEY_TIMEOUT] = str(seconds)
        self.resource = CfnResource(
            self, "Resource", type=POLICY_RESOURCE_TYPE, properties=properties
        )
        if removal_policy != RemovalPolicy.DESTROY:
            self.resource.apply_removal_policy(removal_policy)
        self.provider.bind_resource(self.resource)
        for dependency in grant.depends_on:
            self.resource.node.add_dependency(dependency)
        self.node.add_validation(_DocumentIsValid(self))

    def add_statements(self, *statements: iam.PolicyStatement) -> None:
        """Add statements to the policy."""
        self.document.add_statements(*statements)

    @property
    def policy_hash(self) -> str:
        """The policy's hash as the service computes it (``Fn::GetAtt PolicyHash``)."""
        return self.resource.get_att("PolicyHash").to_string()
