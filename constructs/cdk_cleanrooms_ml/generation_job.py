"""``AudienceGenerationJob``: a Clean Rooms ML audience generation job as a resource."""

from __future__ import annotations

from typing import Final

import jsii
from aws_cdk import (
    Duration,
    ITaggable,
    RemovalPolicy,
    Stack,
    TagManager,
    TagType,
    Token,
)
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from cdk_cleanrooms_ml._handler import arns
from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml._handler.fields import audience_generation_job as job_fields
from cdk_cleanrooms_ml.audience_size import SizeOffer
from cdk_cleanrooms_ml.imported_job import ImportedAudienceGenerationJob, JobExports
from cdk_cleanrooms_ml.job_lookup import look_up_job
from cdk_cleanrooms_ml.long_wait import required_wait
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    CommonProps,
    FinalAttribute,
    TaggedResource,
    check_provider,
    check_removal_policy,
    checked_props,
    provider_of,
    waited_attribute,
)
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE
from cdk_cleanrooms_ml.seed_audience import SeedAudience
from cdk_cleanrooms_ml.tokens import concrete

__all__ = ["GENERATION_JOB_RESOURCE_TYPE", "AudienceGenerationJob"]

ATTR_JOB_ARN: Final = "AudienceGenerationJobArn"
ATTR_NAME: Final = "Name"
ATTR_STATUS: Final = "Status"
ATTR_OFFERED_SIZES: Final = "OfferedSizes"
ATTR_PROTECTED_QUERY: Final = "ProtectedQueryIdentifier"
_OFFERED_SIZES: Final = FinalAttribute(
    "offered_sizes",
    ATTR_OFFERED_SIZES,
    "job",
    "has metrics",
    "them",
)


@jsii.implements(ITaggable)
class AudienceGenerationJob(JobExports, Construct):
    """Generates a lookalike audience from a seed with a configured audience model
    (StartAudienceGenerationJob), and deletes the job with the resource.

    Concrete property values are validated here (a ``ValidationError`` naming the prop and the
    rule, before anything joins the tree); tokens are validated by the handler at deploy time.
    Tags come from ``Tags.of(...)`` (this construct or any scope above it) and change in place;
    any other change replaces the job. :meth:`export` exports an audience from it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        configured_audience_model_arn: str,
        seed_audience: SeedAudience,
        name: str | None = None,
        description: str | None = None,
        include_seed_in_output: bool = False,
        collaboration_id: str | None = None,
        wait_for_completion: bool | Duration = True,
        timeout: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param configured_audience_model_arn: the configured audience model that generates the
            audience (``arn:<partition>:cleanrooms-ml:<region>:<account>:
            configured-audience-model/<id>``).
        :param seed_audience: ``SeedAudience.from_s3(uri, role=...)`` or
            ``SeedAudience.from_sql(role=..., query=... | analysis_template_arn=..., ...)``.
        :param name: the job's name (1-63 characters, unique in the account); default: derived
            at deploy time from the stack name, the resource's logical id and a hash of the
            settings (changing one replaces the job); read it from :attr:`job_name`. A given
            name cannot be replaced in place: changing a setting then fails the update.
        :param description: the job's description (0-255 characters); default: none.
        :param include_seed_in_output: put the seed's users in the generated audience too;
            default ``False``.
        :param collaboration_id: the collaboration the job runs in (a lower-case UUID), for a
            SQL seed or a configured audience model of another member; default: none.
        :param wait_for_completion: complete the resource only when the job is ACTIVE
            (default); ``False`` completes right after the job is started. A ``Duration`` of
            at most 1 hour is ``True`` with that ``timeout``; one over 1 hour, at most 12 hours,
            waits through an ``AWS::CloudFormation::WaitCondition`` with that Timeout: the
            resource completes once the job is started, and its dependents (those reading
            :attr:`job_arn`, e.g. :meth:`export`) wait until the job is ACTIVE; the stack fails
            with the service's reason if the job fails, or when the Duration runs out.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour);
            default: 1 hour. With a wait beyond 1 hour, it bounds only the job's start.
        :param removal_policy: ``DESTROY`` (default) deletes the job, and its data, with the
            resource; ``RETAIN`` keeps it (CloudFormation then sends no Delete);
            ``RETAIN_ON_UPDATE_OR_DELETE`` keeps it but for a failed create.
        :param provider: as for ``AudienceExport``: default the stack's own provider, which
            is granted this job's model and seed role; an imported provider must allow them.
        """
        # Checked before anything joins the construct tree: a rejected job leaves no trace.
        if not isinstance(seed_audience, SeedAudience):
            raise TypeError(
                "seed_audience: use SeedAudience.from_s3(...) or SeedAudience.from_sql(...)"
            )
        checked = checked_props(
            job_fields.TABLE,
            {
                "configured_audience_model_arn": configured_audience_model_arn,
                "include_seed_in_output": include_seed_in_output,
                "collaboration_id": collaboration_id,
            },
        )
        model_arn: str = checked["configured_audience_model_arn"]
        _check_seed_partition(scope, model_arn, seed_audience.role_arn)
        props = CommonProps.check(job_fields.TABLE, name, description, wait_for_completion, timeout)
        check_provider(provider)
        check_removal_policy(removal_policy, "a generation job")
        super().__init__(scope, construct_id)

        self.configured_audience_model_arn = model_arn
        self.seed_audience = seed_audience
        self.description = description
        self.include_seed_in_output: bool = checked["include_seed_in_output"]
        self.collaboration_id = collaboration_id
        self.wait_for_completion: bool | Duration = props.wait_for_completion
        self.timeout = props.timeout
        self.removal_policy = removal_policy
        self._tags = TagManager(
            TagType.KEY_VALUE,
            GENERATION_JOB_RESOURCE_TYPE,
            None,
            tag_property_name=tag_rules.KEY_TAGS,
        )
        self.provider: ICleanRoomsMlProvider = provider_of(scope, provider)
        # Tagging always: tags come from Tags.of() at synth, and removing them later needs
        # UntagResource while the policy is updated before the job.
        grant = self.provider.grant_audience_generation_job(
            configured_audience_model_arn=model_arn,
            seed_role_arn=seed_audience.role_arn,
            tagging=True,
        )

        # Defaults are left out (the handler applies the same ones), as for exports.
        declared = TaggedResource.declare(
            self,
            GENERATION_JOB_RESOURCE_TYPE,
            props,
            grant,
            provider=self.provider,
            own={
                job_fields.KEY_MODEL_ARN: model_arn,
                job_fields.KEY_SEED: seed_audience.to_properties(),
                job_fields.KEY_INCLUDE_SEED: True if self.include_seed_in_output else None,
                job_fields.KEY_COLLABORATION_ID: collaboration_id,
            },
            tags=self._tags,
            removal_policy=removal_policy,
        )
        self.resource, self.completion_wait = declared.resource, declared.completion_wait
        # The sizes its configured model offers, when declared in the app (``generate``).
        self.size_offer: SizeOffer | None = None
        role = seed_audience.role_construct
        if role is not None and Stack.of(role) is Stack.of(self):
            # Start checks the seed role's permissions: wait for its policies in this stack.
            self.resource.node.add_dependency(role)

    @property
    def tags(self) -> TagManager:
        """The job's tags (``ITaggable``): set them with ``Tags.of(job).add(key, value)``."""
        return self._tags

    # --- attributes ---------------------------------------------------------------------------

    @property
    def job_arn(self) -> str:
        """The job's ARN (``Fn::GetAtt AudienceGenerationJobArn``; also its physical id).

        With a wait beyond 1 hour, ``Fn::Select [0, [<that>, Ref <Wait>]]``: whatever reads it
        waits for the WaitCondition, i.e. until the job is ACTIVE.
        """
        arn = Token.as_string(self.resource.get_att(ATTR_JOB_ARN))
        if self.completion_wait is not None:
            return self.completion_wait.after_completion(arn)
        return arn

    @property
    def job_name(self) -> str:
        """The job's name (``Fn::GetAtt Name``): as given, or derived at deploy time."""
        return Token.as_string(self.resource.get_att(ATTR_NAME))

    @property
    def status(self) -> str:
        """The job's status once its wait is over (``Fn::GetAtt Status``): ``ACTIVE`` when the
        resource waits, however long (beyond 1 hour, as the WaitCondition received it); the
        status it started with for ``wait_for_completion=False``."""
        return waited_attribute(self.resource, self.completion_wait, ATTR_STATUS)

    @property
    def offered_sizes(self) -> str:
        """The audience sizes the model owner shares metrics for (``Fn::GetAtt OfferedSizes``),
        e.g. ``ABSOLUTE:10000,PERCENTAGE:20``, sorted; empty when no metrics are shared.

        They are known once the job is ACTIVE: the resource must wait (``True`` or a
        ``Duration``, the same plain string either way); with ``wait_for_completion=False``
        asking for them is an error at synth.
        """
        return _OFFERED_SIZES.read(
            self.resource, self.node.path, self.wait_for_completion, self.completion_wait
        )

    @property
    def completion_data(self) -> str:
        """What the provider signalled when the job became ACTIVE, for a wait beyond 1 hour
        (``Fn::GetAtt <Wait>.Data``): a JSON object string ``{"<job name>": "<JSON of the
        job's final attributes>"}``, e.g. its ``OfferedSizes``. (The attributes themselves,
        e.g. :attr:`offered_sizes`, read as plain strings with such a wait too.)

        Without such a wait there is no WaitCondition: asking for it is an error at synth.
        """
        return required_wait(self.completion_wait, self.node.path).completion_data

    @property
    def protected_query_identifier(self) -> str:
        """The protected query of a SQL seed (``Fn::GetAtt ProtectedQueryIdentifier``); empty
        when there is none."""
        return Token.as_string(self.resource.get_att(ATTR_PROTECTED_QUERY))

    # --- references (IAudienceGenerationJob; export() is JobExports') ------------------------

    @staticmethod
    def from_lookup(
        scope: Construct,
        construct_id: str,
        job_arn: str,
        *,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> ImportedAudienceGenerationJob:
        """A generation job made elsewhere, looked up at synth: as :meth:`from_job_arn`, with
        its name (``job_name``) and the sizes it offers known, so an export of a size it does
        not offer fails at synth, before anything is started.

        The job must be ACTIVE. The answer is kept in ``cdk.context.json`` (in the folder the
        app runs in) under ``cdk-cleanrooms-ml:audience-generation-job:<ARN>`` and read from
        there, or from the app's context, on later synths; ``cdk context --reset`` that key to
        look again. The lookup uses boto3 and the caller's credentials; without them, give the
        sizes as context (``-c <key>=PERCENTAGE:20,ABSOLUTE:10000``). A ``ValidationError``
        naming ``job_arn`` when it cannot be looked up (a token ARN included).
        """
        found = look_up_job(scope, job_arn)
        job = ImportedAudienceGenerationJob(
            scope, construct_id, job_arn, job_name=found.name, provider=provider
        )
        job.size_offer = found if found.sizes else None
        return job

    @staticmethod
    def from_job_arn(
        scope: Construct,
        construct_id: str,
        job_arn: str,
        *,
        job_name: str | None = None,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> ImportedAudienceGenerationJob:
        """A generation job this app does not declare, by its ARN, to export from
        (``job.export(...)`` or ``AudienceExport(job=...)``); it adds nothing to the template.

        A concrete ``job_arn`` is checked at synth (a ``ValidationError`` naming ``job_arn``);
        a token is taken as is. The ARN holds the job's id, not its name: give ``job_name`` to
        read it from ``job_name``. ``provider`` is the one its exports use (default: the
        stack's own, which is granted the job's ARN).
        """
        return ImportedAudienceGenerationJob(
            scope, construct_id, job_arn, job_name=job_name, provider=provider
        )


def _check_seed_partition(scope: Construct, model_arn: str, role_arn: str) -> None:
    """The seed role is in the model's partition and the stack's, as far as they are concrete
    (the stack's from its region): otherwise the job could never start, and the provider would
    be granted PassRole on a role it cannot pass."""
    if not concrete(role_arn):
        return
    field = "seed_audience.role"
    if concrete(model_arn):
        arns.check_role_partition(
            role_arn, arns.arn_partition(model_arn), field, of="the configured audience model"
        )
    region = Stack.of(scope).region
    if concrete(region):
        arns.check_role_partition(
            role_arn, RegionInfo.get(region).partition, field, of=f"the stack (region {region})"
        )
