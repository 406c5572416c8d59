"""The Lambda that backs ``Custom::CleanRoomsMlAudienceExport`` resources: one per stack."""

from __future__ import annotations

import json
import weakref
from typing import Final

from aws_cdk import Acknowledgment, CfnResource, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from cdk_cleanrooms_ml.asset import HANDLER, handler_code
from cdk_cleanrooms_ml.tokens import is_token

EXPORT_ACTIONS: Final = (
    "cleanrooms-ml:StartAudienceExportJob",
    "cleanrooms-ml:ListAudienceExportJobs",
    "cleanrooms-ml:GetAudienceGenerationJob",
)
LOG_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
# The handler answers within its inline wait budget and hands longer waits to a new invocation.
FUNCTION_TIMEOUT: Final = Duration.minutes(5)
LOG_RETENTION: Final = logs.RetentionDays.ONE_YEAR
_SINGLETON_ID: Final = "CleanRoomsMlAudienceExportProvider"
# Scope -> its stack's shared provider: exports mostly share a scope, and each lookup through
# CDK (Stack.of, try_find_child) is a round trip to its Node.js process.
_SHARED: weakref.WeakKeyDictionary[IConstruct, AudienceExportProvider] = weakref.WeakKeyDictionary()


class AudienceExportProvider(Construct):
    """The provider of audience export resources: a Lambda, its role and its log group.

    The role has no managed policies. Its inline policy lets the function write to its own log
    group and, per :meth:`grant_job`, start and watch exports of the given generation jobs. A
    separate policy lets the function invoke itself, to continue waits longer than one
    invocation: it names the function's ARN, so it cannot live in the role's own policy, which
    the function depends on.

    :meth:`of` returns the stack's shared instance; :class:`AudienceExport` uses it. A provider
    shared by stacks or plain templates (see :class:`AudienceExportProviderStack`) cannot know
    its jobs in advance: :meth:`grant_account_jobs` scopes it to the generation jobs of its own
    account and region.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=LOG_RETENTION,
            # Logs outlive the stack (until retention ends): they are the audit trail of exports.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=list(LOG_ACTIONS), resources=[self.log_group.log_group_arn]
                )
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs the Custom::CleanRoomsMlAudienceExport handler",
            inline_policies={"AudienceExportProvider": self._policy},
        )
        self.function = lambda_.Function(
            self,
            "Function",
            code=handler_code(),
            handler=HANDLER,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            timeout=FUNCTION_TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            environment={"LOG_LEVEL": "INFO"},
            description="Custom::CleanRoomsMlAudienceExport provider (AWS Clean Rooms ML exports)",
        )
        self.self_invoke_policy = iam.Policy(
            self,
            "SelfInvokePolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]
                )
            ],
        )
        policy_resource = self.self_invoke_policy.node.default_child
        if not isinstance(policy_resource, CfnResource):
            raise TypeError("iam.Policy without its CfnPolicy")
        self._self_invoke_resource: CfnResource = policy_resource
        self._service_token = self.function.function_arn
        self._granted: set[str] = set()
        self._jobs_statement: iam.PolicyStatement | None = None
        self._account_wide = False

    @staticmethod
    def of(scope: IConstruct) -> AudienceExportProvider:
        """The shared provider of the stack that holds ``scope``, created on first use."""
        cached = _SHARED.get(scope)
        if cached is not None:
            return cached
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_SINGLETON_ID)
        if existing is None:
            existing = AudienceExportProvider(stack, _SINGLETON_ID)
        elif not isinstance(existing, AudienceExportProvider):
            raise TypeError(f"{stack.node.path}/{_SINGLETON_ID} is not an AudienceExportProvider")
        _SHARED[scope] = existing
        return existing

    @property
    def service_token(self) -> str:
        """The ``ServiceToken`` of resources this provider serves: the function's ARN."""
        return self._service_token

    def grant_job(self, job_arn: str) -> None:
        """Let the handler start and watch exports of one audience generation job.

        ``job_arn`` is an ARN or a token; each job is granted once however many exports use it,
        and all jobs share one statement.
        """
        if self._account_wide:
            return
        # Only a token needs resolving (a round trip to CDK) to compare it with others.
        key = (
            json.dumps(Stack.of(self).resolve(job_arn), sort_keys=True)
            if is_token(job_arn)
            else job_arn
        )
        if key in self._granted:
            return
        self._granted.add(key)
        if self._jobs_statement is None:
            self._jobs_statement = iam.PolicyStatement(
                actions=list(EXPORT_ACTIONS), resources=[job_arn]
            )
            self._policy.add_statements(self._jobs_statement)
        else:
            self._jobs_statement.add_resources(job_arn)

    def grant_account_jobs(self) -> None:
        """Let the handler start and watch exports of any generation job in its account/region.

        For a provider whose jobs are not known when it is deployed. The resource is
        ``arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/*``, never
        ``*``: exports of jobs in other accounts or regions are denied.
        """
        if self._account_wide:
            return
        self._account_wide = True
        self._policy.add_statements(
            iam.PolicyStatement(actions=list(EXPORT_ACTIONS), resources=[account_jobs_arn(self)])
        )
        # cdk-nag (AwsSolutions-IAM5) flags any wildcard; this one is the narrowest possible.
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{_nag_rendering(self)}]",
                reason=(
                    "A shared provider serves templates deployed after it, so it cannot name"
                    " their generation jobs: it is scoped to the jobs of its own account and"
                    " region, for the three export actions only."
                ),
            )
        )

    def bind_resource(self, resource: IConstruct) -> None:
        """Make ``resource`` wait for every permission the handler needs before it is invoked."""
        if isinstance(resource, CfnResource):
            resource.add_resource_dependency(self._self_invoke_resource)
        else:
            resource.node.add_dependency(self.self_invoke_policy)


def account_jobs_arn(scope: IConstruct) -> str:
    """Every audience generation job of the stack's account and region (an ARN pattern)."""
    return Stack.of(scope).format_arn(
        service="cleanrooms-ml", resource="audience-generation-job", resource_name="*"
    )


def _nag_rendering(scope: IConstruct) -> str:
    """:func:`account_jobs_arn` as cdk-nag spells it in a finding's id."""
    stack = Stack.of(scope)
    region = "<AWS::Region>" if is_token(stack.region) else stack.region
    account = "<AWS::AccountId>" if is_token(stack.account) else stack.account
    return f"arn:<AWS::Partition>:cleanrooms-ml:{region}:{account}:audience-generation-job/*"
