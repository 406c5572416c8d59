"""A ready stack that deploys one shared provider per account and region and exports its token.

Plain CloudFormation templates (and stacks of other apps) then declare exports with
``ServiceToken: !ImportValue <export name>`` and never deploy a Lambda of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Unpack

from aws_cdk import CfnOutput, Environment, IStackSynthesizer, PermissionsBoundary, Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_cleanrooms_ml import job_grants
from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.generation_grants import check_seed_role_patterns
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_grants import partition_of
from cdk_cleanrooms_ml.provider_model_owner import ModelOwnerAllowList, grant_model_owner
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, ProviderSettings
from cdk_cleanrooms_ml.provider_parameters import AllowListParameters
from cdk_cleanrooms_ml.service_token_parameter import check_parameter_name
from cdk_cleanrooms_ml.tokens import is_token

# Deployed pipelines import the token by this export name, and find the stack by this name.
DEFAULT_STACK_NAME: Final = "CleanRoomsMlAudienceExportProvider"
DEFAULT_EXPORT_NAME: Final = "CleanRoomsMlAudienceExportServiceToken"
DEFAULT_DESCRIPTION: Final = (
    "Shared provider of Custom::CleanRoomsMlAudienceExport resources (cdk-cleanrooms-ml)"
)
EXPORT_NAME_MAX: Final = 255
# CloudFormation accepts only these characters in an export name.
_EXPORT_NAME = re.compile(r"[A-Za-z0-9:-]+")


def check_export_name(export_name: str) -> str:
    """``export_name`` if CloudFormation accepts it as an export name, else a
    ``ValidationError``."""
    if not export_name:
        raise ValidationError("export_name", "must not be empty")
    if len(export_name) > EXPORT_NAME_MAX:
        raise ValidationError(
            "export_name",
            f"{len(export_name)} characters, at most {EXPORT_NAME_MAX} allowed",
        )
    if not _EXPORT_NAME.fullmatch(export_name):
        raise ValidationError(
            "export_name", "only letters, digits, colons (:) and hyphens (-) allowed"
        )
    return export_name


class CleanRoomsMlProviderStack(Stack):
    """The provider alone, scoped to the account's generation jobs, with its token exported.

    Deploy it once per account and region. Its ``ServiceToken`` output is exported as
    ``export_name``; templates use it with ``!ImportValue``, CDK stacks with
    ``CleanRoomsMlProvider.from_service_token(self, id, Fn.import_value(export_name))`` as an
    export's ``provider``.

    Whoever may deploy a stack that uses the token can export any job the provider may use,
    and have the answer (with the export's S3 location) sent to a URL of their choosing:
    ``allowed_job_arns`` narrows that from every job of the account and region.

    It serves generation jobs too: it may start them for any configured audience model of its
    account and region, read, tag and delete the account's generation jobs, and pass seed
    roles of its account to Clean Rooms ML (``iam:PassedToService``);
    ``allowed_seed_role_arns`` narrows the roles.
    """

    DEFAULT_STACK_NAME: Final = DEFAULT_STACK_NAME
    DEFAULT_EXPORT_NAME: Final = DEFAULT_EXPORT_NAME

    def __init__(
        self,
        scope: Construct | None = None,
        construct_id: str | None = None,
        *,
        export_name: str = DEFAULT_EXPORT_NAME,
        allowed_job_arns: Sequence[str] | None = None,
        allowed_seed_role_arns: Sequence[str] | None = None,
        model_owner: ModelOwnerAllowList | None = None,
        allow_lists_as_parameters: bool = False,
        service_token_parameter_name: str | None = None,
        env: Environment | None = None,
        stack_name: str | None = None,
        description: str = DEFAULT_DESCRIPTION,
        termination_protection: bool | None = None,
        synthesizer: IStackSynthesizer | None = None,
        tags: Mapping[str, str] | None = None,
        analytics_reporting: bool | None = None,
        cross_region_references: bool | None = None,
        notification_arns: Sequence[str] | None = None,
        permissions_boundary: PermissionsBoundary | None = None,
        suppress_template_indentation: bool | None = None,
        **provider_options: Unpack[CleanRoomsMlProviderOptions],
    ) -> None:
        """
        :param construct_id: default ``CleanRoomsMlAudienceExportProvider``, which is also the
            stack name unless ``stack_name`` says otherwise.
        :param export_name: the name the ServiceToken is exported as (letters, digits, ``:``
            and ``-``; at most 255 characters); default ``CleanRoomsMlAudienceExportServiceToken``.
        :param allowed_job_arns: the generation jobs the provider may export, as ARN patterns
            (``arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/<job>``,
            ``*`` and ``?`` allowed in ``<job>`` only; the stack's partition when its region is
            known). Default: every generation job of the stack's account and region.
        :param allowed_seed_role_arns: the seed roles generation jobs may pass to Clean Rooms
            ML, as role ARNs (``arn:<partition>:iam::<account>:role/<name>``, ``*`` and ``?``
            allowed in ``<name>``). Default: every role of the stack's account.
        :param model_owner: what the provider may make of the model owner's resources
            (audience models, configured models, their policies and associations): a
            ``ModelOwnerAllowList``. Default: none of them.
        :param allow_lists_as_parameters: take ``allowed_job_arns`` and
            ``allowed_seed_role_arns`` at deploy time, as the ``CommaDelimitedList`` parameters
            ``AllowedJobArns`` and ``AllowedSeedRoleArns`` (empty: every job of the account and
            region, every role of the account), so that one template serves every account and
            region. The values given here become their defaults. The provider's handler checks
            them when the stack is deployed or updated, with the rules applied here plus the
            account and region it runs in, before ``AllowListsPolicy`` grants anything; a
            refused value fails the deploy naming the parameter, and the stack rolls back.
            Not with ``model_owner`` (yet). Default: False (the lists are fixed at synth).
        :param service_token_parameter_name: also write the ServiceToken to this SSM String
            parameter (e.g. ``/cdk-cleanrooms-ml/service-token``): consumers that read it
            (``CleanRoomsMlProvider.from_service_token_parameter``) do not lock the export the
            way ``Fn::ImportValue`` does. Default: no parameter.
        :param env, stack_name, description, termination_protection, synthesizer, tags,
            analytics_reporting, cross_region_references, notification_arns,
            permissions_boundary, suppress_template_indentation: as for any ``Stack``
            (``description`` defaults to one that names this library).
        :param provider_options: the provider's options (``runtime``, ``log_retention``,
            ``log_removal_policy``, ``log_level``, ``memory_size``, ``vpc``, ...: see
            ``CleanRoomsMlProviderOptions``).
        """
        # Checked before the stack exists: a refused stack leaves no trace in the app.
        if not is_token(export_name):
            check_export_name(export_name)
        if allowed_job_arns is not None:
            allowed_job_arns = job_grants.check_patterns(
                allowed_job_arns, "allowed_job_arns", _partition(env)
            )
        if allowed_seed_role_arns is not None:
            allowed_seed_role_arns = check_seed_role_patterns(
                allowed_seed_role_arns, "allowed_seed_role_arns", _partition(env)
            )
        if model_owner is not None:
            model_owner = model_owner.checked(_partition(env))
        if allow_lists_as_parameters and model_owner is not None:
            raise ValidationError(
                "model_owner",
                "not with allow_lists_as_parameters: the model owner's allow-list is fixed at"
                " synth (deploy a second provider stack for it)",
            )
        if service_token_parameter_name is not None and not is_token(service_token_parameter_name):
            check_parameter_name(service_token_parameter_name)
        ProviderSettings.of(provider_options)
        stack_props: dict[str, Any] = {
            "env": env,
            "stack_name": stack_name,
            "description": description,
            "termination_protection": termination_protection,
            "synthesizer": synthesizer,
            "tags": tags,
            "analytics_reporting": analytics_reporting,
            "cross_region_references": cross_region_references,
            "notification_arns": notification_arns,
            "permissions_boundary": permissions_boundary,
            "suppress_template_indentation": suppress_template_indentation,
        }
        super().__init__(
            scope,
            construct_id or DEFAULT_STACK_NAME,
            **{key: value for key, value in stack_props.items() if value is not None},
        )
        self.export_name = export_name
        self.provider = CleanRoomsMlProvider(self, "Provider", **provider_options)
        self.allowed_job_arns = allowed_job_arns
        self.allowed_seed_role_arns = allowed_seed_role_arns
        self.allow_list_parameters: AllowListParameters | None = None
        """The allow-lists' parameters and their check, with ``allow_lists_as_parameters``."""
        if allow_lists_as_parameters:
            self.allow_list_parameters = AllowListParameters(
                self,
                "AllowLists",
                self.provider,
                default_job_arns=allowed_job_arns,
                default_seed_role_arns=allowed_seed_role_arns,
            )
        else:
            if allowed_job_arns is None:
                # Its jobs are unknown when it is deployed: every job of this account and region.
                self.provider.grant_audience_exports_in_account()
            else:
                self.provider.grant_audience_exports_matching(allowed_job_arns)
            self.provider.grant_audience_generation_jobs_in_account(allowed_seed_role_arns)
        self.model_owner = model_owner
        if model_owner is not None:
            grant_model_owner(self.provider, model_owner)
        self.service_token_output = CfnOutput(
            self,
            "ServiceToken",
            value=self.provider.service_token,
            export_name=export_name,
            description="ServiceToken of Custom::CleanRoomsMlAudienceExport resources",
        )
        self.service_token_parameter: ssm.StringParameter | None = None
        if service_token_parameter_name is not None:
            self.service_token_parameter = ssm.StringParameter(
                self,
                "ServiceTokenParameter",
                parameter_name=service_token_parameter_name,
                string_value=self.provider.service_token,
                description="ServiceToken of the cdk-cleanrooms-ml provider (read, not imported)",
            )


def _partition(env: Environment | None) -> str | None:
    """The partition of the ``env`` a stack is given, when its region is known."""
    region = env.region if isinstance(env, Environment) else None
    return partition_of(region) if isinstance(region, str) else None
