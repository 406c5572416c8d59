"""``AudienceModel``: a Clean Rooms ML audience model, trained on a training dataset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import jsii
from aws_cdk import (
    Duration,
    ITaggable,
    RemovalPolicy,
    TagManager,
    TagType,
    Token,
)
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import audience_model as model_fields
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    CommonProps,
    TaggedResource,
    check_provider,
    check_removal_policy,
    checked_props,
    provider_of,
    waited_attribute,
)
from cdk_cleanrooms_ml.resource_types import AUDIENCE_MODEL_RESOURCE_TYPE
from cdk_cleanrooms_ml.tokens import concrete

__all__ = ["AUDIENCE_MODEL_RESOURCE_TYPE", "AudienceModel"]

ATTR_MODEL_ARN: Final = "AudienceModelArn"
ATTR_NAME: Final = "Name"
ATTR_STATUS: Final = "Status"
# What the key lets the provider do for the service (an assumption: see the README).
KMS_ACTIONS: Final = ("kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt")


def _timestamp(value: datetime | str | None, prop: str) -> str | None:
    """A window bound as the template carries it: ISO 8601 in UTC (``...Z``)."""
    if value is None or (isinstance(value, str) and not concrete(value)):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise rules.ValidationError(prop, "a datetime needs a time zone (tzinfo)")
        value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checked: str = checked_props(model_fields.TABLE, {prop: value})[prop]
    return checked


@jsii.implements(ITaggable)
class AudienceModel(Construct):
    """Trains a Clean Rooms ML audience model on a training dataset (CreateAudienceModel), and
    deletes it with the resource.

    Training takes hours: the resource waits until the model is ACTIVE (``wait_for_completion``,
    a ``Duration`` of up to 12 hours waits through a WaitCondition), fails with the service's
    reason if training fails (the rollback deletes the model), and its Delete waits until the
    model is gone. Tags (``Tags.of(...)``) change in place; any other change trains a new model
    (there is no update API). Concrete values are checked here, tokens by the handler.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        training_dataset_arn: str,
        training_data_start_time: datetime | str | None = None,
        training_data_end_time: datetime | str | None = None,
        kms_key: kms.IKey | None = None,
        name: str | None = None,
        description: str | None = None,
        wait_for_completion: bool | Duration = True,
        timeout: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param training_dataset_arn: the training dataset (``arn:<partition>:cleanrooms-ml:
            <region>:<account>:training-dataset/<id>``).
        :param training_data_start_time: the start of the training window (an aware
            ``datetime`` or ISO 8601 with its zone); default: the dataset's first record.
        :param training_data_end_time: the end of the window, after its start; default: the
            dataset's last record.
        :param kms_key: a KMS key to encrypt the model's data; the provider is granted its use.
        :param name: the model's name (1-63 characters, unique in the account); default:
            derived at deploy time from the stack name, the logical id and the settings.
        :param description: 0-255 characters; default: none.
        :param wait_for_completion: ``True`` (default) completes when the model is ACTIVE,
            ``False`` once training starts; a ``Duration`` as for ``AudienceGenerationJob``.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour).
        :param removal_policy: ``DESTROY`` (default) deletes the model with the resource;
            ``RETAIN`` keeps it; ``RETAIN_ON_UPDATE_OR_DELETE`` keeps it but for a failed create.
        :param provider: default the stack's own provider, which is granted this dataset.
        """
        checked = checked_props(
            model_fields.TABLE,
            {
                "training_dataset_arn": training_dataset_arn,
                "kms_key": kms_key.key_arn if kms_key is not None else None,
            },
        )
        start = _timestamp(training_data_start_time, model_fields.START_TIME.prop)
        end = _timestamp(training_data_end_time, model_fields.END_TIME.prop)
        if start is not None and end is not None and concrete(start) and concrete(end):
            model_fields.check_window(start, end)
        props = CommonProps.check(
            model_fields.TABLE, name, description, wait_for_completion, timeout
        )
        check_provider(provider)
        check_removal_policy(removal_policy, "an audience model")
        super().__init__(scope, construct_id)
        self.training_dataset_arn: str = checked["training_dataset_arn"]
        self.kms_key = kms_key
        self.wait_for_completion: bool | Duration = props.wait_for_completion
        self.timeout = props.timeout
        self.removal_policy = removal_policy
        self._tags = TagManager(
            TagType.KEY_VALUE, AUDIENCE_MODEL_RESOURCE_TYPE, None, tag_property_name="Tags"
        )
        self.provider: ICleanRoomsMlProvider = provider_of(scope, provider)
        grant = self.provider.grant_audience_model(self.training_dataset_arn)
        if kms_key is not None and isinstance(self.provider, CleanRoomsMlProvider):
            kms_key.grant(self.provider.role, *KMS_ACTIONS)

        declared = TaggedResource.declare(
            self,
            AUDIENCE_MODEL_RESOURCE_TYPE,
            props,
            grant,
            provider=self.provider,
            own={
                model_fields.KEY_TRAINING_DATASET_ARN: self.training_dataset_arn,
                model_fields.KEY_START_TIME: start,
                model_fields.KEY_END_TIME: end,
                model_fields.KEY_KMS_KEY_ARN: checked["kms_key"],
            },
            tags=self._tags,
            removal_policy=removal_policy,
        )
        self.resource, self.completion_wait = declared.resource, declared.completion_wait
        if kms_key is not None and isinstance(self.provider, CleanRoomsMlProvider):
            # The key's grant lands in the role's default policy: wait for it too.
            self.resource.node.add_dependency(self.provider.role)

    @property
    def tags(self) -> TagManager:
        """The model's tags (``ITaggable``): set them with ``Tags.of(model).add(key, value)``."""
        return self._tags

    @property
    def audience_model_arn(self) -> str:
        """The model's ARN (``Fn::GetAtt AudienceModelArn``; also its physical id). With a
        wait beyond 1 hour, whatever reads it waits until the model is ACTIVE."""
        arn = Token.as_string(self.resource.get_att(ATTR_MODEL_ARN))
        if self.completion_wait is not None:
            return self.completion_wait.after_completion(arn)
        return arn

    @property
    def model_name(self) -> str:
        """The model's name (``Fn::GetAtt Name``): as given, or derived at deploy time."""
        return Token.as_string(self.resource.get_att(ATTR_NAME))

    @property
    def status(self) -> str:
        """The model's status once its wait is over (``Fn::GetAtt Status``): ``ACTIVE`` when
        the resource waits, however long; the status it started with for
        ``wait_for_completion=False``."""
        return waited_attribute(self.resource, self.completion_wait, ATTR_STATUS)
