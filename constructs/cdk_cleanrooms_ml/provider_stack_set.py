"""The shared provider in every account and region of an organization's units: a
service-managed CloudFormation StackSet, deployed in one command from the management (or a
delegated administrator) account.

The StackSet's template is a :class:`CleanRoomsMlProviderStack` with its allow-lists as
parameters (``allow_lists_as_parameters``), synthesized apart, with no bootstrap version rule
(member accounts need not be bootstrapped) and its code read from ``<prefix>-<region>``
(:mod:`provider_asset_buckets`). Each instance exports its ServiceToken and writes it to an SSM
parameter; consumers in a member account use either, in the instance's region.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Unpack

from aws_cdk import App, DefaultStackSynthesizer, Environment, Stack
from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

from cdk_cleanrooms_ml import stack_set_rules as rules
from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.provider_asset_buckets import (
    DEFAULT_QUALIFIER,
    AssetBucketStack,
    CodeStack,
    bucket_name,
)
from cdk_cleanrooms_ml.provider_grants import partition_of
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, ProviderSettings
from cdk_cleanrooms_ml.provider_parameters import JOB_ARNS_PARAMETER, SEED_ROLE_ARNS_PARAMETER
from cdk_cleanrooms_ml.provider_stack import (
    DEFAULT_EXPORT_NAME,
    CleanRoomsMlProviderStack,
    check_export_name,
)
from cdk_cleanrooms_ml.service_token_parameter import DEFAULT_PARAMETER_NAME, check_parameter_name
from cdk_cleanrooms_ml.stack_set_rules import AccountAllowLists
from cdk_cleanrooms_ml.tokens import is_token

DEFAULT_STACK_SET_NAME: Final = "CleanRoomsMlProvider"
DEFAULT_STACK_SET_STACK: Final = "CleanRoomsMlProviderStackSet"
# CloudFormation: a StackSet's TemplateBody holds at most this many bytes.
TEMPLATE_BODY_MAX: Final = 51_200
# The provider's role has a generated name: instances need CAPABILITY_IAM.
_CAPABILITIES: Final = ["CAPABILITY_IAM"]


class CleanRoomsMlProviderStackSet(Stack):
    """A service-managed StackSet of the shared provider, with its code buckets.

    Adds to the app, besides this stack (the StackSet, in the administrator account's home
    region): per region, ``<id>Bucket<region>`` (unless ``create_asset_buckets`` is False) and
    ``<id>Code<region>`` in the administrator account; ``cdk deploy --all`` deploys them in
    order. The StackSet deploys to every account of ``organizational_unit_ids`` in every one of
    ``regions`` (a service-managed StackSet never deploys to the management account itself),
    and, with ``auto_deploy``, to accounts that join them later.

    Each instance's provider may export every generation job of its account and region and
    pass every role of its account as a seed role, unless ``account_allow_lists`` narrows an
    account's (its values become that account's parameter overrides; the instance's handler
    checks them at deploy, against its own account and region).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str | None = None,
        *,
        organizational_unit_ids: Sequence[str],
        regions: Sequence[str],
        organization_id: str | None = None,
        asset_bucket_prefix: str | None = None,
        create_asset_buckets: bool = True,
        account_allow_lists: Mapping[str, AccountAllowLists] | None = None,
        auto_deploy: bool = True,
        retain_stacks_on_account_removal: bool = False,
        call_as: str = "SELF",
        region_concurrency: str = "SEQUENTIAL",
        max_concurrent_percentage: int | None = None,
        failure_tolerance_percentage: int | None = None,
        stack_set_name: str = DEFAULT_STACK_SET_NAME,
        export_name: str = DEFAULT_EXPORT_NAME,
        service_token_parameter_name: str = DEFAULT_PARAMETER_NAME,
        bootstrap_qualifier: str = DEFAULT_QUALIFIER,
        env: Environment | None = None,
        **provider_options: Unpack[CleanRoomsMlProviderOptions],
    ) -> None:
        """
        :param construct_id: default ``CleanRoomsMlProviderStackSet`` (also the stack name).
        :param organizational_unit_ids: where the StackSet deploys: organizational unit ids
            (``ou-...``) or the organization root's (``r-...``).
        :param regions: the regions of every target account it deploys to.
        :param organization_id: the organization (``o-...``) whose accounts may read the code
            buckets; required when ``create_asset_buckets``.
        :param asset_bucket_prefix: the code buckets are ``<prefix>-<region>`` (S3 names are
            global: make it yours). Default ``cdk-cleanrooms-ml-provider-<account>`` (the
            stack's account must then be known: ``env`` or the CLI's).
        :param create_asset_buckets: False: the buckets exist already, readable by the
            organization's accounts and writable by the CDK CLI's file publishing roles.
        :param account_allow_lists: per member account, narrower allow-lists
            (:class:`AccountAllowLists`).
        :param auto_deploy: deploy to accounts that join the units later (and remove the
            instances of accounts that leave them, unless ``retain_stacks_on_account_removal``).
        :param call_as: ``SELF`` from the management account, ``DELEGATED_ADMIN`` from a
            delegated administrator account.
        :param region_concurrency: ``SEQUENTIAL`` (default) or ``PARALLEL``.
        :param max_concurrent_percentage: of the accounts per region deployed at once (1-100);
            default CloudFormation's (one account at a time).
        :param failure_tolerance_percentage: of the accounts per region that may fail before
            CloudFormation stops the operation in that region (0-100); default 0.
        :param stack_set_name, export_name, service_token_parameter_name: the StackSet's name,
            and each instance's export and SSM parameter of its ServiceToken.
        :param bootstrap_qualifier: the CDK bootstrap qualifier of the administrator account
            (its file publishing roles write the code).
        :param env: the administrator account and home region; default the CLI's.
        :param provider_options: the provider's options (see ``CleanRoomsMlProviderOptions``).
        """
        ous = rules.check_organizational_units(organizational_unit_ids)
        target_regions = rules.check_regions(regions)
        org = None if organization_id is None else rules.check_organization_id(organization_id)
        if create_asset_buckets and org is None:
            raise ValidationError(
                "organization_id",
                "required to create the code buckets (their objects are readable by the"
                " organization's accounts only); or give create_asset_buckets=False",
            )
        env = env or _cli_environment()
        account = env.account if env is not None else None
        if asset_bucket_prefix is None:
            if not isinstance(account, str) or is_token(account):
                raise ValidationError(
                    "asset_bucket_prefix",
                    "required when the stack's account is not known at synth (give env or"
                    " asset_bucket_prefix)",
                )
            asset_bucket_prefix = f"cdk-cleanrooms-ml-provider-{account}"
        prefix = rules.check_bucket_prefix(asset_bucket_prefix, target_regions)
        home_region = env.region if env is not None else None
        partition = partition_of(home_region) if isinstance(home_region, str) else None
        overrides = rules.check_account_allow_lists(account_allow_lists, target_regions, partition)
        rules.check_choice(call_as, "call_as", rules.CALL_AS)
        rules.check_choice(region_concurrency, "region_concurrency", rules.REGION_CONCURRENCY)
        concurrent = rules.check_percentage(
            max_concurrent_percentage, "max_concurrent_percentage", 1
        )
        tolerance = rules.check_percentage(
            failure_tolerance_percentage, "failure_tolerance_percentage", 0
        )
        rules.check_stack_set_name(stack_set_name)
        check_export_name(export_name)
        check_parameter_name(service_token_parameter_name)
        ProviderSettings.of(provider_options)
        template = provider_template(
            prefix,
            bootstrap_qualifier,
            export_name=export_name,
            service_token_parameter_name=service_token_parameter_name,
            provider_options=provider_options,
        )

        construct_id = construct_id or DEFAULT_STACK_SET_STACK
        super().__init__(
            scope,
            construct_id,
            env=env,
            description="StackSet of the cdk-cleanrooms-ml shared provider",
        )
        # The code and bucket stacks are the StackSet stack's siblings, in other regions.
        app = scope
        self.code_stacks: dict[str, CodeStack] = {}
        for region in target_regions:
            region_env = Environment(account=account, region=region)
            bucket = bucket_name(prefix, region)
            code = CodeStack(
                app,
                f"{construct_id}Code{_id_part(region)}",
                bucket=bucket,
                qualifier=bootstrap_qualifier,
                env=region_env,
                stack_name=f"{self.stack_name}-code-{region}",
            )
            if create_asset_buckets:
                assert org is not None
                buckets = AssetBucketStack(
                    app,
                    f"{construct_id}Bucket{_id_part(region)}",
                    bucket=bucket,
                    organization_id=org,
                    qualifier=bootstrap_qualifier,
                    env=region_env,
                    stack_name=f"{self.stack_name}-bucket-{region}",
                )
                code.add_stack_dependency(buckets)
            if code.object_key != template.code_key:
                raise RuntimeError(
                    f"the code published ({code.object_key}) is not the code the template"
                    f" reads ({template.code_key})"
                )
            self.add_stack_dependency(code)
            self.code_stacks[region] = code
        self.code_key = template.code_key
        self.stack_set = cloudformation.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=stack_set_name,
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=auto_deploy,
                retain_stacks_on_account_removal=retain_stacks_on_account_removal,
            ),
            call_as=call_as,
            capabilities=_CAPABILITIES,
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                region_concurrency_type=region_concurrency,
                region_order=target_regions,
                max_concurrent_percentage=concurrent,
                failure_tolerance_percentage=tolerance,
            ),
            parameters=[
                cloudformation.CfnStackSet.ParameterProperty(parameter_key=key, parameter_value="")
                for key in (JOB_ARNS_PARAMETER, SEED_ROLE_ARNS_PARAMETER)
            ],
            stack_instances_group=_instance_groups(ous, target_regions, overrides),
            template_body=template.body,
            description="The cdk-cleanrooms-ml shared provider, in every account of the units",
        )
        self.organizational_unit_ids = ous
        self.regions = target_regions
        self.asset_bucket_prefix = prefix


@dataclass(frozen=True)
class ProviderTemplate:
    """The StackSet's template as a JSON string, and the key of the code it reads."""

    body: str
    code_key: str


def provider_template(
    prefix: str,
    qualifier: str,
    *,
    export_name: str,
    service_token_parameter_name: str,
    provider_options: CleanRoomsMlProviderOptions,
) -> ProviderTemplate:
    """The provider stack, synthesized apart, with its code in ``<prefix>-${AWS::Region}``."""
    outdir = Path(tempfile.mkdtemp(prefix="cdk-cleanrooms-ml-stack-set-"))
    try:
        inner = App(outdir=str(outdir))
        stack = CleanRoomsMlProviderStack(
            inner,
            "Provider",
            export_name=export_name,
            allow_lists_as_parameters=True,
            service_token_parameter_name=service_token_parameter_name,
            synthesizer=DefaultStackSynthesizer(
                qualifier=qualifier,
                file_assets_bucket_name=f"{prefix}-${{AWS::Region}}",
                bucket_prefix="",
                # Member accounts are not bootstrapped; nothing there reads the version.
                generate_bootstrap_version_rule=False,
            ),
            **provider_options,
        )
        inner.synth()
        template = json.loads((outdir / stack.template_file).read_text(encoding="utf-8"))
        assets = json.loads((outdir / f"{stack.artifact_id}.assets.json").read_text())
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    keys = [
        destination["objectKey"]
        for asset in assets.get("files", {}).values()
        if str(asset["source"]["path"]).endswith(".zip")
        for destination in asset["destinations"].values()
    ]
    if len(keys) != 1:
        raise RuntimeError(f"the provider template should read one code zip, it reads {keys}")
    body = json.dumps(template, separators=(",", ":"), sort_keys=True)
    if len(body.encode("utf-8")) > TEMPLATE_BODY_MAX:
        raise ValidationError(
            "provider_options",
            f"the provider's template takes {len(body)} bytes, over a StackSet's"
            f" {TEMPLATE_BODY_MAX}-byte TemplateBody",
        )
    return ProviderTemplate(body, keys[0])


def _instance_groups(
    ous: Sequence[str], regions: Sequence[str], overrides: Mapping[str, AccountAllowLists]
) -> list[Any]:
    """One group for every account of the units but those with allow-lists of their own, and
    one per such account and region (its parameters as overrides)."""
    group = cloudformation.CfnStackSet.StackInstancesProperty
    targets = cloudformation.CfnStackSet.DeploymentTargetsProperty
    parameter = cloudformation.CfnStackSet.ParameterProperty
    if not overrides:
        return [
            group(
                deployment_targets=targets(organizational_unit_ids=list(ous)), regions=list(regions)
            )
        ]
    groups = [
        group(
            deployment_targets=targets(
                organizational_unit_ids=list(ous),
                accounts=sorted(overrides),
                account_filter_type="DIFFERENCE",
            ),
            regions=list(regions),
        )
    ]
    for account, lists in sorted(overrides.items()):
        for region in regions:
            jobs = [p for p in lists.allowed_job_arns or () if p.split(":")[3] == region]
            groups.append(
                group(
                    deployment_targets=targets(
                        organizational_unit_ids=list(ous),
                        accounts=[account],
                        account_filter_type="INTERSECTION",
                    ),
                    regions=[region],
                    parameter_overrides=[
                        parameter(parameter_key=JOB_ARNS_PARAMETER, parameter_value=",".join(jobs)),
                        parameter(
                            parameter_key=SEED_ROLE_ARNS_PARAMETER,
                            parameter_value=",".join(lists.allowed_seed_role_arns or ()),
                        ),
                    ],
                )
            )
    return groups


def _id_part(region: str) -> str:
    """``us-east-1`` -> ``UsEast1`` (a construct id part)."""
    return "".join(part.capitalize() for part in region.split("-"))


def _cli_environment() -> Environment | None:
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    return Environment(account=account, region=region) if account or region else None
