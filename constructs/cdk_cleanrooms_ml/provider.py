"""The Lambda that backs this library's Clean Rooms ML resources: one per stack."""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from typing import Any, Final, Unpack

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    CfnResource,
    Duration,
    IAnyProducer,
    IResolveContext,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct, IValidation

from cdk_cleanrooms_ml import job_grants
from cdk_cleanrooms_ml._handler.rules import check_job_arn
from cdk_cleanrooms_ml.asset import HANDLER, handler_code
from cdk_cleanrooms_ml.generation_grants import (
    GENERATION_JOBS_POLICY_ID,
    STACK_JOB_EXPORTS_POLICY_ID,
    GenerationJobsPolicy,
    StackJobExportsPolicy,
    holds_get_att,
    home_stack,
    policy_scope,
)
from cdk_cleanrooms_ml.imported_provider import ImportedCleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_drain import ProviderDrain
from cdk_cleanrooms_ml.provider_interface import (
    EXPORT_ACTIONS,
    ProviderGrant,
    generation_job_actions,
)
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, ProviderSettings
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE
from cdk_cleanrooms_ml.scheduling import PollScheduling
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
# The handler answers within its inline wait budget and hands longer waits to a new invocation.
FUNCTION_TIMEOUT: Final = Duration.minutes(5)
POLICY_SIZE_WARNING: Final = "cdk-cleanrooms-ml:jobPolicyWildcarded"
_UNKNOWN: Final = job_grants.JobScope(None, None, None, None)
# The construct id of a stack's shared provider; it names its resources' logical ids, so it
# keeps the name deployed stacks have.
_SINGLETON_ID: Final = "CleanRoomsMlAudienceExportProvider"
_NAG_IAM5: Final = "AwsSolutions::AwsSolutions-IAM5"
# Scope -> its stack's shared provider: exports mostly share a scope, and each lookup through
# CDK (Stack.of, try_find_child) is a round trip to its Node.js process.
_SHARED: weakref.WeakKeyDictionary[IConstruct, CleanRoomsMlProvider] = weakref.WeakKeyDictionary()


class CleanRoomsMlProvider(Construct):
    """The provider of this library's Clean Rooms ML resources: a Lambda, its role, its logs.

    The role has no managed policies. Its inline policy lets the function write to its own log
    group (and, in a VPC, manage its network interfaces) and, per
    :meth:`grant_audience_export`, start and watch exports of the given generation jobs. A
    separate policy, ``SelfInvokePolicy``, lets the function continue waits longer than one
    invocation: schedule its next poll in its own EventBridge Scheduler group (create and
    delete that group's schedules, pass the scheduler role to Scheduler; see
    :class:`PollScheduling`), and invoke itself. It names the function's ARN, so it cannot live
    in the role's own policy, which the function depends on.

    The job ARNs are named exactly while the role's inline policies fit IAM's 10,240-character
    limit; beyond it (about 100 jobs) the synth replaces them by one pattern per account and
    region and warns. Lambda does not retry the function's asynchronous invocations: the handler
    answers every request itself, and a retry would run a Create twice.

    Generation jobs (:meth:`grant_audience_generation_job`) and exports of jobs declared in a
    stack get policy resources of their own, ``GenerationJobsPolicy`` and
    ``StackJobExportsPolicy``, that the resources using them depend on: the role's inline
    policy cannot name a job the function itself creates (the role would wait for the job,
    the job for the function, the function for the role). A grant that names another stack's
    resources gets its policy in that stack.

    :meth:`of` returns the stack's shared instance; :class:`AudienceExport` uses it. A provider
    shared by stacks or plain templates (see :class:`CleanRoomsMlProviderStack`) cannot know
    its jobs in advance: :meth:`grant_audience_exports_in_account` scopes it to the generation
    jobs of its own account and region, :meth:`grant_audience_exports_matching` to the jobs
    that match given ARN patterns. :meth:`from_service_token` imports a provider deployed
    elsewhere.

    Options (keyword-only, see :class:`CleanRoomsMlProviderOptions`): ``log_retention``,
    ``log_level``, ``memory_size``, ``vpc``, ``vpc_subnets``, ``security_groups``,
    ``logging_format``, ``application_log_level_v2``, ``system_log_level_v2``. A
    ``ValidationError`` names the first bad one, before anything is added to ``scope``.
    """

    def __init__(
        self, scope: Construct, construct_id: str, **options: Unpack[CleanRoomsMlProviderOptions]
    ) -> None:
        settings = ProviderSettings.of(options)
        super().__init__(scope, construct_id)
        self.log_level = settings.log_level
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=settings.log_retention,
            # Logs outlive the stack (until retention ends): they are the audit trail of exports.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._acknowledged: set[str] = set()
        # The statements of the role's policy besides the jobs' one (they count to its size).
        self._fixed_statements = [
            iam.PolicyStatement(actions=list(LOG_ACTIONS), resources=[self.log_group.log_group_arn])
        ]
        if settings.vpc is not None:
            self._fixed_statements += self._network_interface_statements()
        self._policy = iam.PolicyDocument(statements=list(self._fixed_statements))
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs the Custom::CleanRoomsMlAudienceExport handler",
            inline_policies={"AudienceExportProvider": self._policy},
        )
        if settings.vpc is not None:
            self._acknowledge_network_interfaces()
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
            # The handler's own level, in text and in JSON logs alike.
            environment={"LOG_LEVEL": settings.log_level.value},
            description="Custom::CleanRoomsMlAudienceExport provider (AWS Clean Rooms ML exports)",
            # CloudFormation invokes it asynchronously; a retry would re-run a Create.
            retry_attempts=0,
            **settings.function_props(),
        )
        self.scheduling = PollScheduling(self, self.function)
        # The handover of waits started by an older version of the handler still invokes the
        # function directly; new waits go through Scheduler.
        invoke_statement = iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]
        )
        self._self_invoke_statements = [invoke_statement, *self.scheduling.caller_statements()]
        self.self_invoke_policy = iam.Policy(
            self, "SelfInvokePolicy", roles=[self.role], statements=self._self_invoke_statements
        )
        # Whatever is bound to the provider waits for this policy: through it, for Scheduler's
        # permission to invoke the function too.
        self.self_invoke_policy.node.add_dependency(self.scheduling.invoke_policy)
        self._acknowledge_on(
            self.self_invoke_policy,
            self.scheduling.nag_schedules(),
            "The provider's next polls are one-time schedules named when each poll runs:"
            " create and delete only, on the schedules of its own schedule group.",
        )
        policy_resource = self.self_invoke_policy.node.default_child
        if not isinstance(policy_resource, CfnResource):
            raise TypeError("iam.Policy without its CfnPolicy")
        self._self_invoke_resource: CfnResource = policy_resource
        self._service_token = self.function.function_arn
        self._drain_resource: ProviderDrain | None = None
        # Granted job ARNs (or tokens) by a key that compares them, and ARN patterns: kept in
        # Python and rendered once, at synth, when all of them are known.
        self._jobs: dict[str, str] = {}
        self._patterns: dict[str, job_grants.JobScope] = {}
        self._account_wide = False
        self._jobs_statement: iam.PolicyStatement | None = None
        self._decided: job_grants.JobResources | None = None
        self._warned: str | None = None
        # Policy resources of their own, by the path of the stack they are in, each added to
        # the template only when first granted.
        self._generation_jobs: dict[str, GenerationJobsPolicy] = {}
        self._stack_job_exports: dict[str, StackJobExportsPolicy] = {}

    @staticmethod
    def of(scope: IConstruct) -> CleanRoomsMlProvider:
        """The shared provider of the stack that holds ``scope``, created on first use."""
        cached = _SHARED.get(scope)
        if cached is not None:
            return cached
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_SINGLETON_ID)
        if existing is None:
            existing = CleanRoomsMlProvider(stack, _SINGLETON_ID)
        elif not isinstance(existing, CleanRoomsMlProvider):
            raise TypeError(f"{stack.node.path}/{_SINGLETON_ID} is not a CleanRoomsMlProvider")
        _SHARED[scope] = existing
        return existing

    @staticmethod
    def from_service_token(
        scope: Construct, construct_id: str, service_token: str
    ) -> ImportedCleanRoomsMlProvider:
        """A provider deployed elsewhere, by its ServiceToken: a Lambda function ARN or a token
        such as ``Fn.import_value("CleanRoomsMlAudienceExportServiceToken")``.

        It adds nothing to the template. Its role belongs to the stack that deployed it, so its
        grants change nothing (they are recorded; see :class:`ImportedCleanRoomsMlProvider`):
        that stack must already allow the jobs. A concrete token that is not a Lambda function
        ARN is a ``ValidationError``.
        """
        return ImportedCleanRoomsMlProvider(scope, construct_id, service_token)

    @property
    def service_token(self) -> str:
        """The ``ServiceToken`` of resources this provider serves: the function's ARN."""
        return self._service_token

    def grant_audience_export(self, audience_generation_job_arn: str) -> ProviderGrant:
        """Let the handler start and watch exports of one audience generation job.

        The ARN may be a token; each job is granted once however many exports use it, and all
        jobs share one statement. A job that a granted pattern surely covers adds nothing. A
        concrete value that is no job ARN is a ``ValidationError``.

        The ARN of a job declared in a stack (a ``Fn::GetAtt``) goes into a policy resource of
        its own, ``StackJobExportsPolicy``: in the role's policy it would make the role wait for
        the job, which waits for the function, which waits for the role. The grant's
        ``depends_on`` names that policy; the export must depend on it.
        """
        job_arn = audience_generation_job_arn
        # Only a token needs resolving (a round trip to CDK) to compare it with others.
        if is_token(job_arn):
            own = Stack.of(self)
            resolved = own.resolve(job_arn)
            home = home_stack(own, [job_arn])
            if holds_get_att(resolved) or home is not own:
                return self._grant_stack_job_export(home, job_arn)
            key = json.dumps(resolved, sort_keys=True)
        else:
            key = check_job_arn(job_arn)
        if key not in self._jobs:
            self._jobs[key] = job_arn
            self._changed()
        return ProviderGrant(EXPORT_ACTIONS, (job_arn,), success=True)

    def grant_audience_exports_in_account(self) -> ProviderGrant:
        """Let the handler start and watch exports of any generation job in its account/region.

        For a provider whose jobs are not known when it is deployed. The resource is
        ``arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/*``, never
        ``*``: exports of jobs in other accounts or regions are denied.
        """
        granted = ProviderGrant(EXPORT_ACTIONS, (account_jobs_arn(self),), success=True)
        if self._account_wide:
            return granted
        self._account_wide = True
        stack = Stack.of(self)
        # Rendered with the partition as a pseudo parameter, but known from a concrete region.
        self._patterns[granted.resource_arns[0]] = job_grants.JobScope(
            partition_of(stack.region),
            None if is_token(stack.region) else stack.region,
            None if is_token(stack.account) else stack.account,
            "*",
        )
        self._changed()
        # cdk-nag (AwsSolutions-IAM5) flags any wildcard; this one is the narrowest possible.
        self._acknowledge(
            _nag_rendering(self, "cleanrooms-ml", "audience-generation-job/*"),
            "A shared provider serves templates deployed after it, so it cannot name"
            " their generation jobs: it is scoped to the jobs of its own account and"
            " region, for the three export actions only.",
        )
        return granted

    def grant_audience_exports_matching(self, patterns: Sequence[str]) -> ProviderGrant:
        """Let the handler start and watch exports of the generation jobs matching ``patterns``.

        Each is an ARN that names its partition, region and account and may use IAM's ``*``
        and ``?`` in the job part, e.g.
        ``arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/team-a-*``.
        The narrower alternative to :meth:`grant_audience_exports_in_account` for a shared
        provider: whoever may deploy a stack with its ServiceToken can export only these jobs.
        A ``ValidationError`` names the first bad pattern; nothing is granted then.
        """
        checked = job_grants.check_patterns(
            patterns, "patterns", partition_of(Stack.of(self).region)
        )
        for pattern in checked:
            if pattern in self._patterns:
                continue
            self._patterns[pattern] = job_grants.JobScope.parse(pattern) or _UNKNOWN
            if "*" in pattern:
                self._acknowledge(
                    pattern,
                    "The provider's allowed_job_arns: patterns its owner chose, for the three"
                    " export actions only.",
                )
        self._changed()
        return ProviderGrant(EXPORT_ACTIONS, tuple(checked), success=True)

    def grant_audience_generation_job(
        self, *, configured_audience_model_arn: str, seed_role_arn: str, tagging: bool
    ) -> ProviderGrant:
        """Let the handler start, watch and delete generation jobs of one configured audience
        model, passing one seed role to Clean Rooms ML.

        In the policy resource ``GenerationJobsPolicy`` (created on first use), which a job
        resource must depend on (the grant's ``depends_on``): Start and List on the model;
        Start, Get, Delete and ListTagsForResource (with ``tagging``, TagResource and
        UntagResource too) on ``audience-generation-job/*`` of the stack's account and region,
        since a job's ARN holds an id the service picks at Start; ``iam:PassRole`` on exactly
        ``seed_role_arn``, only towards ``cleanrooms-ml.amazonaws.com``. Tokens are welcome.
        """
        jobs = account_jobs_arn(self)
        home = home_stack(Stack.of(self), [configured_audience_model_arn, seed_role_arn])
        policy = self._generation_jobs_in(home).grant(
            models=[configured_audience_model_arn],
            jobs=jobs,
            seed_roles=[seed_role_arn],
            tagging=tagging,
        )
        self._decided = None  # the policy counts towards the role's size limit
        self._acknowledge_account_jobs(home)
        return ProviderGrant(
            generation_job_actions(tagging),
            (configured_audience_model_arn, jobs, seed_role_arn),
            success=True,
            depends_on=(policy,),
        )

    def grant_audience_generation_jobs_in_account(
        self, seed_role_arns: Sequence[str] | None = None
    ) -> ProviderGrant:
        """Let the handler start, watch, tag and delete generation jobs of any configured
        audience model of its account and region, passing the given seed roles (default: any
        role of the account) to Clean Rooms ML only.

        For a provider whose jobs are not known when it is deployed (see
        :class:`CleanRoomsMlProviderStack`); the patterns are the account's and region's,
        never ``*``. ``seed_role_arns`` are role ARNs, maybe with ``*`` or ``?`` in the name.
        """
        stack = Stack.of(self)
        models = stack.format_arn(
            service="cleanrooms-ml", resource="configured-audience-model", resource_name="*"
        )
        jobs = account_jobs_arn(self)
        if seed_role_arns is None:
            seed_roles = [
                stack.format_arn(service="iam", region="", resource="role", resource_name="*")
            ]
        else:
            seed_roles = list(seed_role_arns)
        own = self._generation_jobs_in(stack)
        policy = own.grant(models=[models, jobs], jobs=jobs, seed_roles=seed_roles, tagging=True)
        self._decided = None
        self._acknowledge_account_jobs(stack)
        own.acknowledge(
            _nag_rendering(self, "cleanrooms-ml", "configured-audience-model/*"),
            "A shared provider serves templates deployed after it, so it cannot name their"
            " configured audience models: it may start generation jobs (and list them) for"
            " the models of its own account and region only.",
        )
        if seed_role_arns is None:
            own.acknowledge(
                _nag_rendering(self, "iam", "role/*", regional=False),
                "A shared provider cannot name the seed roles of templates deployed after it:"
                " iam:PassRole on the roles of its own account, only when passed to"
                " cleanrooms-ml.amazonaws.com (iam:PassedToService); allowed_seed_role_arns"
                " narrows it.",
            )
        for seed_role in seed_role_arns or ():
            if "*" in seed_role or "?" in seed_role:
                own.acknowledge(
                    seed_role,
                    "The provider's allowed_seed_role_arns: patterns its owner chose, passed"
                    " to cleanrooms-ml.amazonaws.com only (iam:PassedToService).",
                )
        return ProviderGrant(
            generation_job_actions(True),
            (models, jobs, *seed_roles),
            success=True,
            depends_on=(policy,),
        )

    def bind_resource(self, resource: IConstruct) -> None:
        """Make ``resource`` wait for every permission the handler needs before it is invoked;
        a generation job of this provider's stack is also deleted before the provider's drain
        (:mod:`provider_drain`), so the provider outlives the job's background deletion."""
        if isinstance(resource, CfnResource):
            resource.add_resource_dependency(self._self_invoke_resource)
            if resource.cfn_resource_type == GENERATION_JOB_RESOURCE_TYPE and (
                Stack.of(resource) is Stack.of(self)
            ):
                self._drain().add(resource)
        else:
            resource.node.add_dependency(self.self_invoke_policy)

    def _drain(self) -> ProviderDrain:
        if self._drain_resource is None:
            self._drain_resource = ProviderDrain(self, self._service_token)
            self.bind_resource(self._drain_resource.resource)
        return self._drain_resource

    def job_resources(self) -> job_grants.JobResources:
        """The resources of the export statement: decided once, when first asked at synth."""
        if self._decided is None:
            self._decided = job_grants.decide(
                list(self._jobs.values()), self._patterns, self._fixed_chars()
            )
            self._report(self._decided)
        return self._decided

    # --- helpers ------------------------------------------------------------------------------

    def _grant_stack_job_export(self, home: Stack, job_arn: str) -> ProviderGrant:
        path = home.node.path
        if path not in self._stack_job_exports:
            scope, policy_id = policy_scope(self, home, STACK_JOB_EXPORTS_POLICY_ID)
            self._stack_job_exports[path] = StackJobExportsPolicy(scope, policy_id, self.role)
        policy, added = self._stack_job_exports[path].grant(job_arn)
        if added:
            self._decided = None  # the policy counts towards the role's size limit
        return ProviderGrant(EXPORT_ACTIONS, (job_arn,), success=True, depends_on=(policy,))

    def _generation_jobs_in(self, home: Stack) -> GenerationJobsPolicy:
        path = home.node.path
        if path not in self._generation_jobs:
            scope, policy_id = policy_scope(self, home, GENERATION_JOBS_POLICY_ID)
            self._generation_jobs[path] = GenerationJobsPolicy(
                scope, policy_id, self.role, self._acknowledge_on
            )
        return self._generation_jobs[path]

    def _acknowledge_account_jobs(self, home: Stack) -> None:
        self._generation_jobs_in(home).acknowledge(
            _nag_rendering(self, "cleanrooms-ml", "audience-generation-job/*"),
            "A generation job's ARN holds an id the service picks at Start, unknown before:"
            " the provider may start, read, tag and delete the generation jobs of its own"
            " account and region only.",
        )

    def _changed(self) -> None:
        self._decided = None
        if self._jobs_statement is not None:
            return
        # One statement whose resources CDK asks for at synth, when every export has been
        # granted: only then is the policy's size known.
        resources = Token.as_string(Lazy.uncached_any(_JobResourcesProducer(self)))
        self._jobs_statement = iam.PolicyStatement(
            actions=list(EXPORT_ACTIONS), resources=[resources]
        )
        self._policy.add_statements(self._jobs_statement)
        # Decided (and warned about) before synthesis writes anything, when validation runs.
        self.node.add_validation(_DecideBeforeSynth(self))

    def _fixed_chars(self) -> int:
        skeleton = {"Action": list(EXPORT_ACTIONS), "Effect": "Allow", "Resource": []}
        documents = [
            [statement.to_statement_json() for statement in self._fixed_statements],
            [statement.to_statement_json() for statement in self._self_invoke_statements],
        ]
        # Policy resources attached to the role count towards the same limit.
        documents += [jobs.statements() for jobs in self._generation_jobs.values()]
        documents += [exports.statements() for exports in self._stack_job_exports.values()]
        return job_grants.fixed_chars(documents, skeleton)

    def _network_interface_statements(self) -> list[iam.PolicyStatement]:
        """What Lambda needs of the role to place the function in a VPC: the Describe actions
        on ``*`` (they take no resource), the rest on this account's and region's EC2."""
        account_ec2 = Stack.of(self).format_arn(service="ec2", resource="*", resource_name="*")
        return [
            iam.PolicyStatement(actions=list(NETWORK_DESCRIBE_ACTIONS), resources=["*"]),
            iam.PolicyStatement(actions=list(NETWORK_INTERFACE_ACTIONS), resources=[account_ec2]),
        ]

    def _acknowledge_network_interfaces(self) -> None:
        # cdk-nag (AwsSolutions-IAM5) flags both resources; neither can be narrower.
        self._acknowledge(
            "*",
            "Lambda's VPC attachment: ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets"
            " support no resource-level permissions; nothing else is granted on *.",
        )
        self._acknowledge(
            _nag_rendering(self, "ec2", "*/*"),
            "Lambda's VPC attachment: it creates and deletes the function's network interfaces"
            " in subnets and security groups chosen at deploy time; scoped to this account and"
            " region, for the four network interface actions only.",
        )

    def _report(self, decided: job_grants.JobResources) -> None:
        if not decided.wildcards:
            return
        message = (
            f"The {len(self._jobs)} generation job ARNs granted to this provider would take"
            f" about {decided.exact_chars} characters of inline policy, over IAM's"
            f" {job_grants.ROLE_INLINE_POLICIES_MAX}-character limit for a role: the deploy"
            " would fail. The provider is granted the export actions on every generation job"
            f" of these accounts and regions instead: {', '.join(decided.wildcards)}. To keep"
            " exact grants, spread the exports over more stacks or providers."
        )
        if message != self._warned:
            self._warned = message
            Annotations.of(self).add_warning_v2(POLICY_SIZE_WARNING, message)
        for wildcard in decided.wildcards:
            self._acknowledge(
                wildcard,
                "Too many generation jobs to name within IAM's inline policy size limit: every"
                " job of the accounts and regions they belong to, for the three export actions"
                " only (a synth warning says so).",
            )

    def _acknowledge(self, resource: str, reason: str) -> None:
        self._acknowledge_on(self.role, resource, reason)

    def _acknowledge_on(self, construct: IConstruct, resource: str, reason: str) -> None:
        key = f"{construct.node.path}\n{resource}"
        if key in self._acknowledged:
            return
        self._acknowledged.add(key)
        Validations.of(construct).acknowledge(
            Acknowledgment(id=f"{_NAG_IAM5}[Resource::{resource}]", reason=reason)
        )


@jsii.implements(IAnyProducer)
class _JobResourcesProducer:
    """The export statement's ``Resource``: one value, or a list of them."""

    def __init__(self, provider: CleanRoomsMlProvider) -> None:
        self._provider = provider

    def produce(self, context: IResolveContext) -> Any:
        resources = self._provider.job_resources().resources
        return resources[0] if len(resources) == 1 else resources


@jsii.implements(IValidation)
class _DecideBeforeSynth:
    def __init__(self, provider: CleanRoomsMlProvider) -> None:
        self._provider = provider

    def validate(self) -> list[str]:
        try:
            self._provider.job_resources()
        except job_grants.PolicyTooLargeError as error:
            return [str(error)]
        return []


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


def _nag_rendering(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    """An ARN pattern of the stack's account and region (``Stack.format_arn``) as cdk-nag
    spells it in a finding's id; ``regional=False`` for a global service (IAM)."""
    stack = Stack.of(scope)
    region = "" if not regional else "<AWS::Region>" if is_token(stack.region) else stack.region
    account = "<AWS::AccountId>" if is_token(stack.account) else stack.account
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"
