"""What a provider's role may do: the grants half of :class:`CleanRoomsMlProvider`.

The provider holds the function, its role, its log group and the self-invoke policy; its
:attr:`~CleanRoomsMlProvider.grants` hold everything the role is granted: the role's inline
policy (logs, VPC attachment, the export actions on the granted jobs), the policy resources of
their own (``GenerationJobsPolicy``, ``StackJobExportsPolicy``), the IAM size budget they share,
and the cdk-nag acknowledgements of their wildcards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from aws_cdk import (
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct

from cdk_cleanrooms_ml import job_grants, provider_nag
from cdk_cleanrooms_ml._handler.arns import check_job_arn
from cdk_cleanrooms_ml.generation_grants import (
    GENERATION_JOBS_POLICY_ID,
    STACK_JOB_EXPORTS_POLICY_ID,
    GenerationJobsPolicy,
    StackJobExportsPolicy,
    holds_get_att,
    home_stack,
    policy_scope,
)
from cdk_cleanrooms_ml.model_grants import OwnedPolicies, Spec
from cdk_cleanrooms_ml.provider_export_jobs import ExportJobs
from cdk_cleanrooms_ml.provider_interface import (
    EXPORT_ACTIONS,
    ProviderGrant,
    generation_job_actions,
)
from cdk_cleanrooms_ml.provider_nag import NagAcknowledgements, nag_rendering
from cdk_cleanrooms_ml.tokens import is_token

LOG_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
# What Lambda needs to attach a function to a VPC (AWSLambdaVPCAccessExecutionRole's EC2
# actions). The Describe actions have no resource-level permissions: they need "*".
NETWORK_DESCRIBE_ACTIONS: Final = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
NETWORK_INTERFACE_ACTIONS: Final = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
_UNKNOWN: Final = job_grants.JobScope(None, None, None, None)


class ProviderGrants:
    """The grants of one provider's role; the provider's ``grant_*`` methods delegate here.

    Made before the role, whose inline policy is :attr:`role_policy`; :meth:`attach` gives it
    the role once it exists. Granted job ARNs (or tokens) and ARN patterns are kept in Python
    and rendered once, at synth, when all of them are known: named exactly while the role's
    policies fit IAM's 10,240-character limit, else one pattern per account and region, with
    a warning.
    """

    def __init__(self, provider: Construct, *, log_group_arn: str, in_vpc: bool) -> None:
        self._provider = provider
        self._role: iam.Role | None = None
        self._nag = NagAcknowledgements()
        # The statements of the role's policy besides the jobs' one (they count to its size).
        self._fixed_statements = [
            iam.PolicyStatement(actions=list(LOG_ACTIONS), resources=[log_group_arn])
        ]
        if in_vpc:
            self._fixed_statements += network_interface_statements(provider)
        self._in_vpc = in_vpc
        self._other_statements: list[iam.PolicyStatement] = []
        self.role_policy = iam.PolicyDocument(statements=list(self._fixed_statements))
        """The role's inline policy: logs, VPC attachment, exports of the granted jobs."""
        self._export_jobs = ExportJobs(
            provider, self.role_policy, self.fixed_chars, self.acknowledge
        )
        self._account_wide = False
        # Policy resources of their own, by the path of the stack they are in, each added to
        # the template only when first granted.
        self._generation_jobs: dict[str, GenerationJobsPolicy] = {}
        self._stack_job_exports: dict[str, StackJobExportsPolicy] = {}
        self._owned = OwnedPolicies(provider, lambda: self.role, self.acknowledge_on)

    @property
    def role(self) -> iam.Role:
        """The provider's role, once attached."""
        if self._role is None:
            raise RuntimeError(f"{self._provider.node.path}: the grants have no role yet")
        return self._role

    def attach(self, role: iam.Role, other_statements: Sequence[iam.PolicyStatement]) -> None:
        """Grant through ``role``; ``other_statements`` (its other policies) count towards its
        size limit too."""
        self._role = role
        self._other_statements = list(other_statements)
        if self._in_vpc:
            # cdk-nag (AwsSolutions-IAM5) flags both resources; neither can be narrower.
            self.acknowledge("*", provider_nag.VPC_DESCRIBE)
            self.acknowledge(nag_rendering(role, "ec2", "*/*"), provider_nag.VPC_INTERFACES)

    def audience_export(self, job_arn: str) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_export`."""
        # Only a token needs resolving (a round trip to CDK) to compare it with others.
        if is_token(job_arn):
            own = Stack.of(self._provider)
            resolved = own.resolve(job_arn)
            home = home_stack(own, [job_arn])
            if holds_get_att(resolved) or home is not own:
                return self._stack_job_export(home, job_arn)
            key = json.dumps(resolved, sort_keys=True)
        else:
            key = check_job_arn(job_arn)
        self._export_jobs.add_job(key, job_arn)
        return ProviderGrant(EXPORT_ACTIONS, (job_arn,), success=True)

    def audience_exports_in_account(self) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_exports_in_account`."""
        granted = ProviderGrant(EXPORT_ACTIONS, (account_jobs_arn(self._provider),), success=True)
        if self._account_wide:
            return granted
        self._account_wide = True
        stack = Stack.of(self._provider)
        # Rendered with the partition as a pseudo parameter, but known from a concrete region.
        self._export_jobs.add_pattern(
            granted.resource_arns[0],
            job_grants.JobScope(
                partition_of(stack.region),
                None if is_token(stack.region) else stack.region,
                None if is_token(stack.account) else stack.account,
                "*",
            ),
        )
        # cdk-nag (AwsSolutions-IAM5) flags any wildcard; this one is the narrowest possible.
        self.acknowledge(
            nag_rendering(stack, "cleanrooms-ml", "audience-generation-job/*"),
            provider_nag.ACCOUNT_EXPORTS,
        )
        return granted

    def audience_exports_matching(self, patterns: Sequence[str]) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_exports_matching`."""
        checked = job_grants.check_patterns(
            patterns, "patterns", partition_of(Stack.of(self._provider).region)
        )
        for pattern in checked:
            if pattern in self._export_jobs.patterns:
                continue
            scope = job_grants.JobScope.parse(pattern) or _UNKNOWN
            self._export_jobs.add_pattern(pattern, scope)
            if "*" in pattern:
                self.acknowledge(pattern, provider_nag.EXPORT_PATTERNS)
        # Even when nothing was new: the statement exists once patterns are granted.
        self._export_jobs.changed()
        return ProviderGrant(EXPORT_ACTIONS, tuple(checked), success=True)

    def audience_generation_job(
        self, *, configured_audience_model_arn: str, seed_role_arn: str, tagging: bool
    ) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_generation_job`."""
        model = configured_audience_model_arn
        home = home_stack(Stack.of(self._provider), [model, seed_role_arn])
        return self._generation_jobs_grant(home, [model], [seed_role_arn], tagging=tagging)

    def audience_generation_jobs_in_account(
        self, seed_role_arns: Sequence[str] | None = None
    ) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_generation_jobs_in_account`."""
        stack = Stack.of(self._provider)
        models = stack.format_arn(
            service="cleanrooms-ml", resource="configured-audience-model", resource_name="*"
        )
        any_role = stack.format_arn(service="iam", region="", resource="role", resource_name="*")
        seed_roles = [any_role] if seed_role_arns is None else list(seed_role_arns)
        grant = self._generation_jobs_grant(
            stack, [models, account_jobs_arn(stack)], seed_roles, tagging=True
        )
        own = self._generation_jobs_in(stack)
        own.acknowledge(
            nag_rendering(stack, "cleanrooms-ml", "configured-audience-model/*"),
            provider_nag.ACCOUNT_MODELS,
        )
        if seed_role_arns is None:
            own.acknowledge(
                nag_rendering(stack, "iam", "role/*", regional=False),
                provider_nag.ACCOUNT_SEED_ROLES,
            )
        for seed_role in seed_role_arns or ():
            if "*" in seed_role or "?" in seed_role:
                own.acknowledge(seed_role, provider_nag.SEED_ROLE_PATTERNS)
        return grant

    def model_owner(
        self, spec: Spec, parent_arn: str, passed_roles: Sequence[str] = ()
    ) -> ProviderGrant:
        """See :meth:`CleanRoomsMlProvider.grant_audience_model` and
        :meth:`CleanRoomsMlProvider.grant_configured_audience_model`."""
        self._export_jobs.invalidate()  # the policy counts towards the role's size limit
        return self._owned.spec(spec, parent_arn, passed_roles)

    def exact(
        self, policy_id: str, statements: Sequence[tuple[str, ...]], arns: Sequence[Sequence[str]]
    ) -> ProviderGrant:
        """``statements[i]``'s actions on exactly ``arns[i]`` (see :class:`OwnedPolicies`)."""
        self._export_jobs.invalidate()
        return self._owned.exact(policy_id, statements, arns)

    def job_resources(self) -> job_grants.JobResources:
        """See :meth:`CleanRoomsMlProvider.job_resources`."""
        return self._export_jobs.resources()

    def fixed_chars(self) -> int:
        """The characters of the role's policies besides the job ARNs, as IAM counts them."""
        skeleton = {"Action": list(EXPORT_ACTIONS), "Effect": "Allow", "Resource": []}
        documents = [
            [statement.to_statement_json() for statement in self._fixed_statements],
            [statement.to_statement_json() for statement in self._other_statements],
        ]
        # Policy resources attached to the role count towards the same limit.
        documents += [jobs.statements() for jobs in self._generation_jobs.values()]
        documents += [exports.statements() for exports in self._stack_job_exports.values()]
        documents += self._owned.statements()
        return job_grants.fixed_chars(documents, skeleton)

    def acknowledge(self, resource: str, reason: str) -> None:
        """Acknowledge a wildcard ``resource`` of the role's policy for cdk-nag."""
        self._nag.acknowledge(self.role, resource, reason)

    def acknowledge_on(self, construct: IConstruct, resource: str, reason: str) -> None:
        """Acknowledge a wildcard ``resource`` of ``construct``'s policy for cdk-nag."""
        self._nag.acknowledge(construct, resource, reason)

    # --- helpers ------------------------------------------------------------------------------

    def _stack_job_export(self, home: Stack, job_arn: str) -> ProviderGrant:
        path = home.node.path
        if path not in self._stack_job_exports:
            scope, policy_id = policy_scope(self._provider, home, STACK_JOB_EXPORTS_POLICY_ID)
            self._stack_job_exports[path] = StackJobExportsPolicy(scope, policy_id, self.role)
        policy, added = self._stack_job_exports[path].grant(job_arn)
        if added:
            self._export_jobs.invalidate()  # the policy counts towards the role's size limit
        return ProviderGrant(EXPORT_ACTIONS, (job_arn,), success=True, depends_on=(policy,))

    def _generation_jobs_grant(
        self, home: Stack, models: list[str], seed_roles: list[str], *, tagging: bool
    ) -> ProviderGrant:
        jobs = account_jobs_arn(self._provider)
        policy = self._generation_jobs_in(home).grant(
            models=models, jobs=jobs, seed_roles=seed_roles, tagging=tagging
        )
        self._export_jobs.invalidate()  # the policy counts towards the role's size limit
        self._generation_jobs_in(home).acknowledge(
            nag_rendering(self._provider, "cleanrooms-ml", "audience-generation-job/*"),
            provider_nag.ACCOUNT_JOBS,
        )
        return ProviderGrant(
            generation_job_actions(tagging),
            (models[0], jobs, *seed_roles),
            success=True,
            depends_on=(policy,),
        )

    def _generation_jobs_in(self, home: Stack) -> GenerationJobsPolicy:
        path = home.node.path
        if path not in self._generation_jobs:
            scope, policy_id = policy_scope(self._provider, home, GENERATION_JOBS_POLICY_ID)
            self._generation_jobs[path] = GenerationJobsPolicy(
                scope, policy_id, self.role, self.acknowledge_on
            )
        return self._generation_jobs[path]


def network_interface_statements(scope: IConstruct) -> list[iam.PolicyStatement]:
    """What Lambda needs of the role to place the function in a VPC: the Describe actions on
    ``*`` (they take no resource), the rest on the stack's account's and region's EC2."""
    account_ec2 = Stack.of(scope).format_arn(service="ec2", resource="*", resource_name="*")
    return [
        iam.PolicyStatement(actions=list(NETWORK_DESCRIBE_ACTIONS), resources=["*"]),
        iam.PolicyStatement(actions=list(NETWORK_INTERFACE_ACTIONS), resources=[account_ec2]),
    ]


def partition_of(region: str) -> str | None:
    """The partition of a concrete region CDK knows; None for a token or an unknown region."""
    if is_token(region):
        return None
    partition = RegionInfo.get(region).partition
    return str(partition) if partition else None


def account_jobs_arn(scope: IConstruct) -> str:
    """Every audience generation job of the stack's account and region (an ARN pattern)."""
    return Stack.of(scope).format_arn(
        service="cleanrooms-ml", resource="audience-generation-job", resource_name="*"
    )
