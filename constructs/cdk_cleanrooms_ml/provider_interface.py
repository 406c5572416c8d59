"""What a resource needs of its provider: a ServiceToken, grants, and what to wait for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from constructs import IConstruct

from cdk_cleanrooms_ml._handler.rules import ValidationError

EXPORT_ACTIONS: Final = (
    "cleanrooms-ml:StartAudienceExportJob",
    "cleanrooms-ml:ListAudienceExportJobs",
    "cleanrooms-ml:GetAudienceGenerationJob",
)
# A generation job's own actions. Start needs both the configured audience model and the job
# ARN it makes; List filters by the model; the rest act on a job, whose id the service picks.
GENERATION_JOB_MODEL_ACTIONS: Final = (
    "cleanrooms-ml:StartAudienceGenerationJob",
    "cleanrooms-ml:ListAudienceGenerationJobs",
)
GENERATION_JOB_ACTIONS: Final = (
    "cleanrooms-ml:StartAudienceGenerationJob",
    "cleanrooms-ml:GetAudienceGenerationJob",
    "cleanrooms-ml:DeleteAudienceGenerationJob",
    "cleanrooms-ml:ListTagsForResource",
)
GENERATION_JOB_TAGGING_ACTIONS: Final = (
    "cleanrooms-ml:TagResource",
    "cleanrooms-ml:UntagResource",
)
PASS_ROLE_ACTION: Final = "iam:PassRole"
# The only service the seed role may be passed to (condition key iam:PassedToService).
SEED_ROLE_SERVICE: Final = "cleanrooms-ml.amazonaws.com"


def generation_job_actions(tagging: bool) -> tuple[str, ...]:
    """Every action a generation job grant allows, each once."""
    actions: tuple[str, ...] = (
        *GENERATION_JOB_MODEL_ACTIONS,
        *GENERATION_JOB_ACTIONS,
        PASS_ROLE_ACTION,
    )
    if tagging:
        actions += GENERATION_JOB_TAGGING_ACTIONS
    return tuple(dict.fromkeys(actions))


@dataclass(frozen=True)
class ProviderGrant:
    """What a ``grant_*`` call on a provider allowed (the counterpart of ``iam.Grant``).

    ``resource_arns`` are the job ARNs or patterns as they were granted (for a generation job:
    its configured audience model, the jobs pattern and the seed role). A provider this app
    deploys renders them into its role's one inline policy at synth; when they would not fit
    IAM's size limit it widens them to their accounts and regions (with a synth warning).
    ``success`` is False when the grant could not change the provider's role: the role of an
    imported provider belongs to the stack that deployed it, which must allow the jobs itself.
    """

    actions: tuple[str, ...]
    resource_arns: tuple[str, ...]
    success: bool
    reason: str = ""
    """Why the grant did not apply (empty when it did)."""
    depends_on: tuple[IConstruct, ...] = ()
    """What a resource using the grant must depend on: a policy resource of its own, kept out
    of the role's inline policy (which the function, hence every resource, waits for)."""

    def assert_success(self) -> None:
        """Raise a ``ValidationError`` if the grant did not change the provider's role."""
        if not self.success:
            raise ValidationError("grant", self.reason)


@runtime_checkable
class ICleanRoomsMlProvider(Protocol):
    """A provider of Clean Rooms ML resources, deployed by this app or imported by its token.

    Implemented by :class:`~cdk_cleanrooms_ml.CleanRoomsMlProvider` and by what
    :meth:`CleanRoomsMlProvider.from_service_token
    <cdk_cleanrooms_ml.CleanRoomsMlProvider.from_service_token>` returns.
    """

    @property
    def service_token(self) -> str:
        """The ``ServiceToken`` of the resources this provider serves (a Lambda function ARN)."""
        ...

    def grant_audience_export(self, audience_generation_job_arn: str) -> ProviderGrant:
        """Let the provider start and watch exports of one audience generation job."""
        ...

    def grant_audience_generation_job(
        self, *, configured_audience_model_arn: str, seed_role_arn: str, tagging: bool
    ) -> ProviderGrant:
        """Let the provider start, watch, tag and delete generation jobs of one configured
        audience model, passing ``seed_role_arn`` to Clean Rooms ML; ``tagging`` adds
        TagResource and UntagResource."""
        ...

    def grant_audience_model(self, training_dataset_arn: str) -> ProviderGrant:
        """Let the provider create, watch, tag and delete audience models trained on one
        training dataset."""
        ...

    def grant_configured_audience_model(
        self, *, audience_model_arn: str, output_role_arn: str
    ) -> ProviderGrant:
        """Let the provider create, read, update, tag and delete configured audience models of
        one audience model, passing ``output_role_arn`` to Clean Rooms ML."""
        ...

    def grant_configured_audience_model_policy(
        self, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Let the provider put, read and delete the resource policy of one configured
        audience model."""
        ...

    def grant_configured_audience_model_association(
        self, *, membership_id: str, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Let the provider create, read, update, tag and delete associations of one
        configured audience model in one membership."""
        ...

    def bind_resource(self, resource: IConstruct) -> None:
        """Make ``resource`` wait for whatever the provider needs before it is invoked."""
        ...
