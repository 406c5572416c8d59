"""A generation job declared elsewhere, known here by its ARN; and ``export``, written once for
every :class:`~cdk_cleanrooms_ml.job_reference.IAudienceGenerationJob` construct."""

from __future__ import annotations

from typing import Final, TypedDict, Unpack

from aws_cdk import Fn
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.arns import check_job_arn
from cdk_cleanrooms_ml.audience_export import AudienceExport
from cdk_cleanrooms_ml.audience_size import SizeOffer
from cdk_cleanrooms_ml.job_reference import ExportOptions
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.tokens import is_token

# What precedes a job's id in its ARN (the id may hold "/": split on the whole prefix).
_ID_PREFIX: Final = ":audience-generation-job/"


class JobExports:
    """:meth:`export` for the job constructs: an export through the job's :attr:`provider`."""

    provider: ICleanRoomsMlProvider | None
    """The provider the job's exports use; None for the stack's own."""

    # The rest of IAudienceGenerationJob, which each job construct defines.
    @property
    def job_arn(self) -> str:
        """The job's ARN."""
        raise NotImplementedError

    @property
    def job_name(self) -> str:
        """The job's name."""
        raise NotImplementedError

    def export(self, construct_id: str, **options: Unpack[ExportOptions]) -> AudienceExport:
        """An ``AudienceExport`` of this job (a child construct), through the job's provider.

        For a job declared in the stack, it depends on the job (its
        ``AudienceGenerationJobArn`` is the job's ``Fn::GetAtt``), so a stack deletion removes
        the export before the job; when the job waits beyond 1 hour, on its WaitCondition too,
        so the export starts once the job is ACTIVE. The options (``audience_size``, ``name``,
        ``description``, ``wait_for_completion``, ``timeout``) are as for ``AudienceExport``.
        """
        if not isinstance(self, Construct):
            raise TypeError(f"{type(self).__name__}: a job reference must be a construct")
        return AudienceExport(self, construct_id, job=self, provider=self.provider, **options)


class ImportedJobOptions(TypedDict, total=False):
    """The options of :meth:`AudienceGenerationJob.from_job_arn
    <cdk_cleanrooms_ml.AudienceGenerationJob.from_job_arn>`."""

    job_name: str | None
    """The job's name, if known (the ARN holds its id)."""
    provider: ICleanRoomsMlProvider | None
    """The provider its exports use; default: the stack's own."""


class ImportedAudienceGenerationJob(JobExports, Construct):
    """A generation job this app does not declare, by its ARN: it adds nothing to the template.

    Made by :meth:`AudienceGenerationJob.from_job_arn
    <cdk_cleanrooms_ml.AudienceGenerationJob.from_job_arn>`. Its exports
    (:meth:`export`) grant their provider this job's ARN, as ``AudienceExport`` does with
    ``audience_generation_job_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        job_arn: str,
        **options: Unpack[ImportedJobOptions],
    ) -> None:
        # Checked before the construct joins the tree: a refused ARN leaves no trace.
        rules.parse_str(job_arn, "job_arn")
        if not is_token(job_arn):
            check_job_arn(job_arn, "job_arn")
        job_name = options.get("job_name")
        if job_name is not None and not is_token(rules.parse_str(job_name, "job_name")):
            rules.check_name(job_name, "job_name")
        super().__init__(scope, construct_id)
        self._job_arn = job_arn
        self._job_name = job_name
        self.provider = options.get("provider")
        # The sizes it offers, when looked up at synth (``AudienceGenerationJob.from_lookup``).
        self.size_offer: SizeOffer | None = None

    @property
    def job_arn(self) -> str:
        """The ARN given (a concrete one was checked at synth)."""
        return self._job_arn

    @property
    def job_id(self) -> str:
        """The job's id: the ARN's last part (``Fn::Select``/``Fn::Split`` of a token ARN)."""
        if is_token(self._job_arn):
            return Fn.select(1, Fn.split(_ID_PREFIX, self._job_arn))
        return self._job_arn.split(_ID_PREFIX, 1)[1]

    @property
    def job_name(self) -> str:
        """The ``job_name`` given to ``from_job_arn``.

        The ARN holds the job's id, which the service picks at Start, not its name: without
        ``job_name`` reading it is a ``ValidationError`` (:attr:`job_id` is the ARN's part).
        """
        if self._job_name is None:
            raise rules.ValidationError(
                "job_name",
                f"{self.node.path} was imported by its ARN, which holds the job's id, not its"
                " name: pass job_name= to AudienceGenerationJob.from_job_arn (or read job_id)",
            )
        return self._job_name
