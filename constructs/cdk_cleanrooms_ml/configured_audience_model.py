"""``ConfiguredAudienceModel``: the model owner's offer of an audience model to seed owners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

import jsii
from aws_cdk import Duration, ITaggable, RemovalPolicy, TagManager, TagType, Token
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import configured_audience_model as fields
from cdk_cleanrooms_ml.configured_model_policy import (
    COLLABORATION_KEY,
    GENERATE_ACTION,
    ConfiguredAudienceModelPolicy,
)
from cdk_cleanrooms_ml.generation_job import AudienceGenerationJob
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    CommonProps,
    TaggedResource,
    check_provider,
    check_removal_policy,
    checked_props,
    provider_of,
)
from cdk_cleanrooms_ml.resource_types import CONFIGURED_MODEL_RESOURCE_TYPE
from cdk_cleanrooms_ml.seed_audience import role_arn_of
from cdk_cleanrooms_ml.tokens import concrete

__all__ = [
    "CONFIGURED_MODEL_RESOURCE_TYPE",
    "AudienceSizeConfig",
    "ChildResourceTagPolicy",
    "ConfiguredAudienceModel",
    "SharedAudienceMetrics",
]

ATTR_ARN: Final = "ConfiguredAudienceModelArn"


class SharedAudienceMetrics(Enum):
    """Whether seed owners see the model's metrics for their jobs (their offered sizes)."""

    ALL = "ALL"
    NONE = "NONE"


class ChildResourceTagPolicy(Enum):
    """Whether generation jobs on the model get its tags."""

    FROM_PARENT_RESOURCE = "FROM_PARENT_RESOURCE"
    NONE = "NONE"


@dataclass(frozen=True)
class AudienceSizeConfig:
    """The audience sizes the model offers: :meth:`absolute` rows or :meth:`percentage`."""

    size_type: str
    bins: tuple[int, ...]

    @staticmethod
    def absolute(bins: Sequence[int]) -> AudienceSizeConfig:
        """1-25 sizes of 1-20,000,000 rows."""
        return AudienceSizeConfig._checked("ABSOLUTE", bins)

    @staticmethod
    def percentage(bins: Sequence[int]) -> AudienceSizeConfig:
        """1-25 sizes of 1-100 percent."""
        return AudienceSizeConfig._checked("PERCENTAGE", bins)

    @staticmethod
    def _checked(size_type: str, bins: Sequence[int]) -> AudienceSizeConfig:
        values = list(bins)
        if all(concrete(value) for value in values):
            fields.check_bins(size_type, values, "audience_size_config.bins")
        return AudienceSizeConfig(size_type, tuple(values))

    def offers(self, size_type: str, value: int) -> bool:
        """Whether an export of this size is among the bins."""
        return size_type == self.size_type and value in self.bins

    def describe(self) -> str:
        return ", ".join(f"{self.size_type}:{value}" for value in sorted(self.bins))

    def to_properties(self) -> dict[str, Any]:
        return {fields.KEY_SIZE_TYPE: self.size_type, fields.KEY_SIZE_BINS: list(self.bins)}


@jsii.implements(ITaggable)
class ConfiguredAudienceModel(Construct):
    """Configures an audience model for seed owners (CreateConfiguredAudienceModel): where
    generated audiences go, which sizes are offered, whether metrics are shared.

    What UpdateConfiguredAudienceModel takes changes in place (the audience model, the output,
    the shared metrics, the minimum seed size, the size bins, the description), as do tags;
    the name and the child-resource tag policy replace it. :meth:`generate` starts a
    generation job on it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        audience_model_arn: str,
        output_location: str,
        output_role: iam.IRole | str,
        shared_audience_metrics: SharedAudienceMetrics,
        min_matching_seed_size: int | None = None,
        audience_size_config: AudienceSizeConfig | None = None,
        child_resource_tag_policy: ChildResourceTagPolicy | None = None,
        name: str | None = None,
        description: str | None = None,
        timeout: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param audience_model_arn: the audience model (e.g. ``AudienceModel.audience_model_arn``).
        :param output_location: where generated audiences are written (``s3://bucket/prefix``).
        :param output_role: the role Clean Rooms ML writes them with (an ``iam.IRole`` or its
            ARN); the provider may pass exactly it, to Clean Rooms ML only.
        :param shared_audience_metrics: ``ALL`` lets seed owners see the offered sizes'
            metrics; ``NONE`` does not (required: the choice is the owner's).
        :param min_matching_seed_size: 25-500,000 matching seed ids; default: the service's.
        :param audience_size_config: ``AudienceSizeConfig.absolute([...])`` or
            ``.percentage([...])``; default: the service's sizes.
        :param child_resource_tag_policy: whether jobs on it get its tags; default: the
            service's.
        :param name: 1-63 characters, unique in the account; default: derived at deploy time.
        :param description: 0-255 characters; default: none.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour).
        :param removal_policy: ``DESTROY`` (default) or ``RETAIN``.
        :param provider: default the stack's own provider.
        """
        if not isinstance(shared_audience_metrics, SharedAudienceMetrics):
            raise TypeError("shared_audience_metrics: SharedAudienceMetrics.ALL or .NONE")
        if audience_size_config is not None and not isinstance(
            audience_size_config, AudienceSizeConfig
        ):
            raise TypeError("audience_size_config: AudienceSizeConfig.absolute/percentage(...)")
        output_role_arn = role_arn_of(output_role, "output_role")
        checked = checked_props(
            fields.TABLE,
            {
                "audience_model_arn": audience_model_arn,
                "output_location": output_location,
                "output_role": output_role_arn,
                "min_matching_seed_size": min_matching_seed_size,
            },
        )
        props = CommonProps.check(fields.TABLE, name, description, True, timeout)
        check_provider(provider)
        check_removal_policy(removal_policy, "a configured audience model")
        super().__init__(scope, construct_id)
        self.audience_model_arn: str = checked["audience_model_arn"]
        self.audience_size_config = audience_size_config
        self.shared_audience_metrics = shared_audience_metrics
        self._tags = TagManager(
            TagType.KEY_VALUE, CONFIGURED_MODEL_RESOURCE_TYPE, None, tag_property_name="Tags"
        )
        self.provider: ICleanRoomsMlProvider = provider_of(scope, provider)
        grant = self.provider.grant_configured_audience_model(
            audience_model_arn=self.audience_model_arn, output_role_arn=output_role_arn
        )
        declared = TaggedResource.declare(
            self,
            CONFIGURED_MODEL_RESOURCE_TYPE,
            props,
            grant,
            provider=self.provider,
            own={
                fields.KEY_AUDIENCE_MODEL_ARN: self.audience_model_arn,
                fields.KEY_OUTPUT_S3_URI: checked["output_location"],
                fields.KEY_OUTPUT_ROLE_ARN: output_role_arn,
                fields.KEY_SHARED_METRICS: shared_audience_metrics.value,
                fields.KEY_MIN_SEED_SIZE: min_matching_seed_size,
                fields.KEY_SIZE_CONFIG: audience_size_config.to_properties()
                if audience_size_config is not None
                else None,
                fields.KEY_CHILD_TAGS: child_resource_tag_policy.value
                if child_resource_tag_policy is not None
                else None,
            },
            tags=self._tags,
            removal_policy=removal_policy,
        )
        self.resource = declared.resource
        self.policy: ConfiguredAudienceModelPolicy | None = None
        if isinstance(output_role, iam.Role):
            # Create checks the role: wait for its policies in this stack.
            self.resource.node.add_dependency(output_role)

    @property
    def tags(self) -> TagManager:
        """Its tags (``ITaggable``): set them with ``Tags.of(model).add(key, value)``."""
        return self._tags

    @property
    def configured_audience_model_arn(self) -> str:
        """Its ARN (``Fn::GetAtt ConfiguredAudienceModelArn``; also its physical id)."""
        return Token.as_string(self.resource.get_att(ATTR_ARN))

    @property
    def model_name(self) -> str:
        """Its name (``Fn::GetAtt Name``): as given, or derived at deploy time."""
        return Token.as_string(self.resource.get_att("Name"))

    @property
    def audience_size_bins(self) -> str:
        """The sizes it offers (``Fn::GetAtt AudienceSizeBins``), e.g. ``PERCENTAGE:5,...``."""
        return Token.as_string(self.resource.get_att("AudienceSizeBins"))

    def add_to_resource_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToResourcePolicyResult:
        """Add ``statement`` to the model's resource policy (``ConfiguredAudienceModelPolicy``
        ``Policy``, created on first use, served by the model's provider)."""
        if self.policy is None:
            self.policy = ConfiguredAudienceModelPolicy(
                self,
                "Policy",
                configured_audience_model_arn=self.configured_audience_model_arn,
                provider=self.provider,
            )
        self.policy.add_statements(statement)
        return iam.AddToResourcePolicyResult(statement_added=True, policy_dependable=self.policy)

    def grant_generate(
        self, grantee: iam.IGrantable, *, collaboration_id: str | None = None
    ) -> iam.PolicyStatement:
        """Let ``grantee`` (e.g. ``iam.AccountPrincipal(seed_owner)``) start generation jobs
        on the model (``StartAudienceGenerationJob``), only in ``collaboration_id`` if given;
        the statement added to the resource policy."""
        conditions = None
        if collaboration_id is not None:
            conditions = {"StringEquals": {COLLABORATION_KEY: collaboration_id}}
        statement = iam.PolicyStatement(
            actions=[GENERATE_ACTION],
            principals=[grantee.grant_principal],
            resources=[self.configured_audience_model_arn],
            conditions=conditions,
        )
        self.add_to_resource_policy(statement)
        return statement

    def generate(self, construct_id: str, **props: Any) -> AudienceGenerationJob:
        """A generation job on this configured model (``AudienceGenerationJob``'s props but
        ``configured_audience_model_arn``), in this construct's scope."""
        if "configured_audience_model_arn" in props:
            raise rules.ValidationError(
                "configured_audience_model_arn", "is this configured model's: leave it out"
            )
        scope = self.node.scope
        assert isinstance(scope, Construct)
        job = AudienceGenerationJob(
            scope,
            construct_id,
            configured_audience_model_arn=self.configured_audience_model_arn,
            **props,
        )
        sizes = self.audience_size_config
        if sizes is not None and self.shared_audience_metrics is SharedAudienceMetrics.ALL:
            # Its exports' sizes are known at synth: one it does not offer fails there.
            job.size_offer = _Offer(f"its configured audience model {self.node.path}", sizes)
        return job


@dataclass(frozen=True)
class _Offer:
    offered_by: str
    sizes: AudienceSizeConfig

    def offers(self, size_type: str, value: int) -> bool:
        return self.sizes.offers(size_type, value)

    def describe(self) -> str:
        return self.sizes.describe()
