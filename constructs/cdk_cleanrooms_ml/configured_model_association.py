"""``ConfiguredAudienceModelAssociation``: a configured audience model offered to a
collaboration, in the model owner's membership of it (the cleanrooms API)."""

from __future__ import annotations

from typing import Final

import jsii
from aws_cdk import Duration, ITaggable, RemovalPolicy, TagManager, TagType, Token
from constructs import Construct

from cdk_cleanrooms_ml._handler.fields import configured_audience_model_association as fields
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    CommonProps,
    TaggedResource,
    check_provider,
    check_removal_policy,
    checked_props,
    provider_of,
)
from cdk_cleanrooms_ml.resource_types import ASSOCIATION_RESOURCE_TYPE

__all__ = ["ASSOCIATION_RESOURCE_TYPE", "ConfiguredAudienceModelAssociation"]

ATTR_ARN: Final = "ConfiguredAudienceModelAssociationArn"


@jsii.implements(ITaggable)
class ConfiguredAudienceModelAssociation(Construct):
    """Associates a configured audience model with a collaboration
    (CreateConfiguredAudienceModelAssociation, in the owner's membership), so that its
    members can generate audiences from it.

    The name and the description change in place, as do tags; the membership, the model and
    ``manage_resource_policies`` make a new association (a membership holds one per model).
    With ``manage_resource_policies=True`` Clean Rooms writes the model's resource policy
    itself: do not also declare one (``ConfiguredAudienceModel.grant_generate``), or each
    would see the other's statements as drift.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        membership_id: str,
        configured_audience_model_arn: str,
        manage_resource_policies: bool,
        name: str | None = None,
        description: str | None = None,
        timeout: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param membership_id: the model owner's membership of the collaboration (a UUID).
        :param configured_audience_model_arn: the configured model (e.g.
            ``ConfiguredAudienceModel.configured_audience_model_arn``).
        :param manage_resource_policies: whether Clean Rooms manages the model's resource
            policy for the collaboration (required: the choice is the owner's).
        :param name: 1-100 characters, unique in the membership; default: derived at deploy.
        :param description: 0-255 characters; default: none.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour).
        :param removal_policy: ``DESTROY`` (default) or ``RETAIN``.
        :param provider: default the stack's own provider.
        """
        if not isinstance(manage_resource_policies, bool):
            raise TypeError("manage_resource_policies: True or False")
        checked = checked_props(
            fields.TABLE,
            {
                "membership_id": membership_id,
                "configured_audience_model_arn": configured_audience_model_arn,
            },
        )
        props = CommonProps.check(fields.TABLE, name, description, True, timeout)
        check_provider(provider)
        check_removal_policy(removal_policy, "an association")
        super().__init__(scope, construct_id)
        self.membership_id: str = checked["membership_id"]
        self.configured_audience_model_arn: str = checked["configured_audience_model_arn"]
        self._tags = TagManager(
            TagType.KEY_VALUE, ASSOCIATION_RESOURCE_TYPE, None, tag_property_name="Tags"
        )
        self.provider: ICleanRoomsMlProvider = provider_of(scope, provider)
        grant = self.provider.grant_configured_audience_model_association(
            membership_id=self.membership_id,
            configured_audience_model_arn=self.configured_audience_model_arn,
        )
        self.resource = TaggedResource.declare(
            self,
            ASSOCIATION_RESOURCE_TYPE,
            props,
            grant,
            provider=self.provider,
            own={
                fields.KEY_MEMBERSHIP_ID: self.membership_id,
                fields.KEY_CONFIGURED_MODEL_ARN: self.configured_audience_model_arn,
                # A string, as CloudFormation hands every property to the handler.
                fields.KEY_MANAGE_POLICIES: str(manage_resource_policies).lower(),
            },
            tags=self._tags,
            removal_policy=removal_policy,
        ).resource

    @property
    def tags(self) -> TagManager:
        """Its tags (``ITaggable``): set them with ``Tags.of(association).add(key, value)``."""
        return self._tags

    @property
    def association_arn(self) -> str:
        """Its ARN (``Fn::GetAtt ConfiguredAudienceModelAssociationArn``; its physical id)."""
        return Token.as_string(self.resource.get_att(ATTR_ARN))

    @property
    def association_id(self) -> str:
        """Its id (``Fn::GetAtt ConfiguredAudienceModelAssociationId``)."""
        return Token.as_string(self.resource.get_att("ConfiguredAudienceModelAssociationId"))

    @property
    def association_name(self) -> str:
        """Its name (``Fn::GetAtt Name``): as given, or derived at deploy time."""
        return Token.as_string(self.resource.get_att("Name"))

    @property
    def collaboration_id(self) -> str:
        """The collaboration's id (``Fn::GetAtt CollaborationId``)."""
        return Token.as_string(self.resource.get_att("CollaborationId"))
