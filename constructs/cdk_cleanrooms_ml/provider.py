"""The Lambda that backs this library's Clean Rooms ML resources: one per stack."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Final, Unpack

from aws_cdk import CfnResource, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from cdk_cleanrooms_ml import job_grants, provider_nag
from cdk_cleanrooms_ml.asset import HANDLER, handler_code
from cdk_cleanrooms_ml.imported_provider import ImportedCleanRoomsMlProvider
from cdk_cleanrooms_ml.model_grants import (
    ASSOCIATION_STATEMENTS,
    AUDIENCE_MODELS,
    CONFIGURED_MODELS,
    POLICY_RESOURCE_ACTIONS,
    association_arns,
)
from cdk_cleanrooms_ml.provider_drain import ProviderDrain
from cdk_cleanrooms_ml.provider_grants import ProviderGrants
from cdk_cleanrooms_ml.provider_interface import ProviderGrant
from cdk_cleanrooms_ml.provider_nag import nag_rendering
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, ProviderSettings
from cdk_cleanrooms_ml.resource_types import (
    AUDIENCE_MODEL_RESOURCE_TYPE,
    GENERATION_JOB_RESOURCE_TYPE,
    function_description,
    role_description,
)
from cdk_cleanrooms_ml.scheduling import PollScheduling
from cdk_cleanrooms_ml.service_token_parameter import (
    DEFAULT_PARAMETER_NAME,
    provider_from_parameter,
)
from cdk_cleanrooms_ml.tokens import is_token

# The handler answers within its inline wait budget and hands longer waits to a new invocation.
FUNCTION_TIMEOUT: Final = Duration.minutes(5)
# The construct id of a stack's shared provider; it names its resources' logical ids, so it
# keeps the name deployed stacks have.
_SINGLETON_ID: Final = "CleanRoomsMlAudienceExportProvider"
# Resources whose Delete may go on in the background: the provider's drain outlives them.
_DELETED_IN_BACKGROUND: Final = (GENERATION_JOB_RESOURCE_TYPE, AUDIENCE_MODEL_RESOURCE_TYPE)
# Scope -> its stack's shared provider: exports mostly share a scope, and each lookup through
# CDK (Stack.of, try_find_child) is a round trip to its Node.js process.
_SHARED: weakref.WeakKeyDictionary[IConstruct, CleanRoomsMlProvider] = weakref.WeakKeyDictionary()


class CleanRoomsMlProvider(Construct):
    """The provider of this library's Clean Rooms ML resources: a Lambda, its role, its logs.

    It is made of two parts. This construct holds the function, its role, its log group and
    the self-invoke policy; :attr:`grants` (a :class:`~cdk_cleanrooms_ml.provider_grants.
    ProviderGrants`) holds what the role is granted: the job ARNs, the IAM size budget, the
    policy resources and the cdk-nag acknowledgements. The ``grant_*`` methods here delegate
    to it.

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

    Options (keyword-only, see :class:`CleanRoomsMlProviderOptions`): ``runtime``,
    ``log_retention``, ``log_removal_policy``, ``log_level``, ``memory_size``, ``vpc``,
    ``vpc_subnets``, ``security_groups``, ``logging_format``, ``application_log_level_v2``,
    ``system_log_level_v2``. A ``ValidationError`` names the first bad one, before anything is
    added to ``scope``.
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
            # Default RETAIN: the logs are the audit trail of exports (provider_options.py).
            removal_policy=settings.log_removal_policy,
        )
        self.grants = ProviderGrants(
            self, log_group_arn=self.log_group.log_group_arn, in_vpc=settings.vpc is not None
        )
        """What the role is granted; the ``grant_*`` methods delegate to it."""
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=role_description(),
            inline_policies={"AudienceExportProvider": self.grants.role_policy},
        )
        self.function = lambda_.Function(
            self,
            "Function",
            code=handler_code(),
            handler=HANDLER,
            runtime=settings.runtime,
            architecture=lambda_.Architecture.ARM_64,
            timeout=FUNCTION_TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            # The handler's own level, in text and in JSON logs alike.
            environment={"LOG_LEVEL": settings.log_level.value},
            description=function_description(),
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
        self_invoke_statements = [invoke_statement, *self.scheduling.caller_statements()]
        self.self_invoke_policy = iam.Policy(
            self, "SelfInvokePolicy", roles=[self.role], statements=self_invoke_statements
        )
        # The self-invoke policy counts towards the role's size limit too.
        self.grants.attach(self.role, self_invoke_statements)
        # Whatever is bound to the provider waits for this policy: through it, for Scheduler's
        # permission to invoke the function too.
        self.self_invoke_policy.node.add_dependency(self.scheduling.invoke_policy)
        self.grants.acknowledge_on(
            self.self_invoke_policy, self.scheduling.nag_schedules(), provider_nag.SCHEDULES
        )
        policy_resource = self.self_invoke_policy.node.default_child
        if not isinstance(policy_resource, CfnResource):
            raise TypeError("iam.Policy without its CfnPolicy")
        self._self_invoke_resource: CfnResource = policy_resource
        self._service_token = self.function.function_arn
        self._drain_resource: ProviderDrain | None = None

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

    @staticmethod
    def from_service_token_parameter(
        scope: Construct, construct_id: str, parameter_name: str = DEFAULT_PARAMETER_NAME
    ) -> ImportedCleanRoomsMlProvider:
        """A provider deployed elsewhere, by the SSM parameter that holds its ServiceToken
        (a provider stack's ``service_token_parameter_name``).

        The stack reads the parameter when it is deployed (a template parameter of type
        ``AWS::SSM::Parameter::Value<String>``), so, unlike ``Fn::ImportValue``, it locks
        nothing in the provider's stack. Otherwise as :meth:`from_service_token`.
        """
        return provider_from_parameter(scope, construct_id, parameter_name)

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
        return self.grants.audience_export(audience_generation_job_arn)

    def grant_audience_exports_in_account(self) -> ProviderGrant:
        """Let the handler start and watch exports of any generation job in its account/region.

        For a provider whose jobs are not known when it is deployed. The resource is
        ``arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/*``, never
        ``*``: exports of jobs in other accounts or regions are denied.
        """
        return self.grants.audience_exports_in_account()

    def grant_audience_exports_matching(self, patterns: Sequence[str]) -> ProviderGrant:
        """Let the handler start and watch exports of the generation jobs matching ``patterns``.

        Each is an ARN that names its partition, region and account and may use IAM's ``*``
        and ``?`` in the job part, e.g.
        ``arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/team-a-*``.
        The narrower alternative to :meth:`grant_audience_exports_in_account` for a shared
        provider: whoever may deploy a stack with its ServiceToken can export only these jobs.
        A ``ValidationError`` names the first bad pattern; nothing is granted then.
        """
        return self.grants.audience_exports_matching(patterns)

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
        return self.grants.audience_generation_job(
            configured_audience_model_arn=configured_audience_model_arn,
            seed_role_arn=seed_role_arn,
            tagging=tagging,
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
        return self.grants.audience_generation_jobs_in_account(seed_role_arns)

    def grant_audience_model(self, training_dataset_arn: str) -> ProviderGrant:
        """Let the handler create, watch, tag and delete audience models trained on one
        training dataset.

        In the policy resource ``AudienceModelsPolicy`` (created on first use), which a model
        resource must depend on (the grant's ``depends_on``): CreateAudienceModel on the
        dataset; Get, Delete and the tag actions on ``audience-model/*`` of the stack's account
        and region (a model's ARN holds an id the service picks at Create); ListAudienceModels,
        which has no resource-level permissions, on ``*``. Tokens are welcome.
        """
        return self.grants.model_owner(AUDIENCE_MODELS, training_dataset_arn)

    def grant_configured_audience_model(
        self, *, audience_model_arn: str, output_role_arn: str
    ) -> ProviderGrant:
        """Let the handler create, read, update, tag and delete configured audience models of
        one audience model, passing ``output_role_arn`` to Clean Rooms ML.

        In the policy resource ``ConfiguredAudienceModelsPolicy`` (created on first use):
        Create and Update on the audience model; Get, Update, Delete and the tag actions on
        ``configured-audience-model/*`` of the stack's account and region;
        ListConfiguredAudienceModels (no resource-level permissions) on ``*``; ``iam:PassRole``
        on exactly the output role, only towards ``cleanrooms-ml.amazonaws.com``.
        """
        return self.grants.model_owner(CONFIGURED_MODELS, audience_model_arn, [output_role_arn])

    def grant_configured_audience_model_policy(
        self, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Let the handler put, read and delete the resource policy of one configured audience
        model: the three policy actions and the tag actions (a refused update's mark) on
        exactly its ARN, in the policy resource ``ConfiguredAudienceModelPoliciesPolicy``
        (created on first use)."""
        return self.grants.exact(
            "ConfiguredAudienceModelPoliciesPolicy",
            [POLICY_RESOURCE_ACTIONS],
            [[configured_audience_model_arn]],
        )

    def grant_configured_audience_model_association(
        self, *, membership_id: str, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Let the handler create, read, update, tag and delete associations of one configured
        model in one membership, in the policy resource
        ``ConfiguredAudienceModelAssociationsPolicy``: Create and List on the membership;
        Create, Get, Update, Delete and the tag actions on its associations
        (``membership/<id>/configuredaudiencemodelassociation/*``: the id is the service's);
        Get and the policy actions on the configured model (what Create and Delete do to it).
        """
        arns = association_arns(self, membership_id, configured_audience_model_arn)
        grant = self.grants.exact(
            "ConfiguredAudienceModelAssociationsPolicy", ASSOCIATION_STATEMENTS, arns
        )
        [policy] = grant.depends_on
        if not is_token(membership_id):
            pattern = f"membership/{membership_id}/configuredaudiencemodelassociation/*"
            self.grants.acknowledge_on(
                policy, nag_rendering(self, "cleanrooms", pattern), provider_nag.ASSOCIATIONS
            )
        return grant

    def job_resources(self) -> job_grants.JobResources:
        """The resources of the export statement: decided once, when first asked at synth."""
        return self.grants.job_resources()

    def bind_resource(self, resource: IConstruct) -> None:
        """Make ``resource`` wait for every permission the handler needs before it is invoked;
        a generation job or audience model of this provider's stack is also deleted before the
        provider's drain
        (:mod:`provider_drain`), so the provider outlives the job's background deletion."""
        if isinstance(resource, CfnResource):
            resource.add_resource_dependency(self._self_invoke_resource)
            if resource.cfn_resource_type in _DELETED_IN_BACKGROUND and (
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
