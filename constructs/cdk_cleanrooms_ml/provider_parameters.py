"""A shared provider whose allow-lists are CloudFormation parameters, checked at deploy time.

One template then serves every account and region (a StackSet, or a pipeline that passes
parameters): ``AllowedJobArns`` and ``AllowedSeedRoleArns`` are ``CommaDelimitedList``
parameters, empty for "every one of the account". The provider's own handler checks them
(``Custom::CleanRoomsMlProviderAllowLists``) with the rules the constructs apply at synth,
plus the account and region it is deployed in; only then is ``AllowListsPolicy`` attached to
its role, so a refused value grants nothing and the stack rolls back.

The policy holds what ``grant_audience_exports_in_account`` / ``_matching`` and
``grant_audience_generation_jobs_in_account`` grant a provider stack, with each allow-list's
resources chosen by ``Fn::If`` on its parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import CfnCondition, CfnParameter, CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml import provider_nag
from cdk_cleanrooms_ml._handler.fields import provider_allow_lists as allow_list_fields
from cdk_cleanrooms_ml._handler.fields.common import KEY_SERVICE_TOKEN
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_grants import account_jobs_arn
from cdk_cleanrooms_ml.provider_interface import (
    EXPORT_ACTIONS,
    GENERATION_JOB_ACTIONS,
    GENERATION_JOB_MODEL_ACTIONS,
    GENERATION_JOB_TAGGING_ACTIONS,
    PASS_ROLE_ACTION,
    SEED_ROLE_SERVICE,
)
from cdk_cleanrooms_ml.provider_nag import nag_rendering

# The parameters' logical ids: what StackSet parameter overrides and pipelines name.
JOB_ARNS_PARAMETER: Final = "AllowedJobArns"
SEED_ROLE_ARNS_PARAMETER: Final = "AllowedSeedRoleArns"
ALLOW_LISTS_POLICY_ID: Final = "AllowListsPolicy"
_EVERY_JOB: Final = "EveryJobOfTheAccount"
_EVERY_SEED_ROLE: Final = "EverySeedRoleOfTheAccount"
_VERSION: Final = "2012-10-17"
ALLOW_LIST_CHOICE: Final = (
    "An allow-list given as a stack parameter at deploy time (checked by the provider's handler"
    " before this policy is attached): when empty, the jobs or seed roles of the provider's own"
    " account (and region) only, for the same actions as a provider stack's."
)


class AllowListParameters(Construct):
    """The two parameters, the handler's check of their values, and the policy they scope.

    :param defaults_job_arns: the ``AllowedJobArns`` default (checked at synth by the stack);
        None: empty, every generation job of the account and region.
    :param default_seed_role_arns: likewise for ``AllowedSeedRoleArns`` (every role of the
        account).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        provider: CleanRoomsMlProvider,
        *,
        default_job_arns: Sequence[str] | None,
        default_seed_role_arns: Sequence[str] | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.job_arns = self._parameter(
            JOB_ARNS_PARAMETER,
            default_job_arns,
            "Generation jobs the provider may export, as ARN patterns of this account and"
            " region (arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job"
            "/<job>, * or ? in <job>), comma-separated; empty: every job of the account and"
            " region.",
        )
        self.seed_role_arns = self._parameter(
            SEED_ROLE_ARNS_PARAMETER,
            default_seed_role_arns,
            "Seed roles generation jobs may pass to Clean Rooms ML, as role ARNs of this account"
            " (arn:<partition>:iam::<account>:role/<name>, * or ? in <name>), comma-separated;"
            " empty: every role of the account.",
        )
        every_job = self._empty(_EVERY_JOB, self.job_arns)
        every_role = self._empty(_EVERY_SEED_ROLE, self.seed_role_arns)
        # The handler refuses a bad value before anything is granted: the stack rolls back.
        self.check = CfnResource(
            self,
            "Check",
            type=allow_list_fields.ALLOW_LISTS_RESOURCE_TYPE,
            properties={
                KEY_SERVICE_TOKEN: provider.service_token,
                allow_list_fields.KEY_ALLOWED_JOB_ARNS: self.job_arns.value_as_list,
                allow_list_fields.KEY_ALLOWED_SEED_ROLE_ARNS: self.seed_role_arns.value_as_list,
            },
        )
        provider.bind_resource(self.check)
        jobs_in_account = account_jobs_arn(stack)
        any_role = stack.format_arn(service="iam", region="", resource="role", resource_name="*")
        models = stack.format_arn(
            service="cleanrooms-ml", resource="configured-audience-model", resource_name="*"
        )
        job_choice = _choice(every_job, jobs_in_account, self.job_arns)
        role_choice = _choice(every_role, any_role, self.seed_role_arns)
        statements: list[dict[str, Any]] = [
            _statement(EXPORT_ACTIONS, job_choice),
            _statement(GENERATION_JOB_MODEL_ACTIONS, models),
            _statement(GENERATION_JOB_ACTIONS + GENERATION_JOB_TAGGING_ACTIONS, jobs_in_account),
            {
                **_statement((PASS_ROLE_ACTION,), role_choice),
                "Condition": {"StringEquals": {"iam:PassedToService": SEED_ROLE_SERVICE}},
            },
        ]
        self.policy = iam.CfnPolicy(
            self,
            "Policy",
            policy_name=ALLOW_LISTS_POLICY_ID,
            roles=[provider.role.role_name],
            policy_document={"Version": _VERSION, "Statement": statements},
        )
        self.policy.override_logical_id(ALLOW_LISTS_POLICY_ID)
        self.policy.add_resource_dependency(self.check)
        self._acknowledge(stack, provider, (job_choice, role_choice))

    def _parameter(
        self, name: str, default: Sequence[str] | None, description: str
    ) -> CfnParameter:
        parameter = CfnParameter(
            self,
            name,
            type="CommaDelimitedList",
            default=",".join(default or ()),
            description=description,
        )
        parameter.override_logical_id(name)
        return parameter

    def _empty(self, name: str, parameter: CfnParameter) -> CfnCondition:
        condition = CfnCondition(
            self,
            name,
            expression=Fn.condition_equals(Fn.join("", parameter.value_as_list), ""),
        )
        condition.override_logical_id(name)
        return condition

    def _acknowledge(
        self, stack: Stack, provider: CleanRoomsMlProvider, choices: Sequence[object]
    ) -> None:
        acknowledge = provider.grants.acknowledge_on
        for choice in choices:
            # cdk-nag names a resource chosen by Fn::If by the choice's compact JSON.
            rendered = json.dumps(stack.resolve(choice), separators=(",", ":"))
            acknowledge(self.policy, rendered, ALLOW_LIST_CHOICE)
        acknowledge(
            self.policy,
            nag_rendering(stack, "cleanrooms-ml", "configured-audience-model/*"),
            provider_nag.ACCOUNT_MODELS,
        )
        acknowledge(
            self.policy,
            nag_rendering(stack, "cleanrooms-ml", "audience-generation-job/*"),
            provider_nag.ACCOUNT_JOBS,
        )


def _statement(actions: Sequence[str], resource: object) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource}


def _choice(empty: CfnCondition, everything: str, parameter: CfnParameter) -> object:
    """The account-wide pattern when the parameter is empty, else the parameter's list."""
    return Fn.condition_if(empty.logical_id, [everything], parameter.value_as_list)
