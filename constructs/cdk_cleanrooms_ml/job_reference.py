"""``IAudienceGenerationJob``: what an export needs of a generation job, declared or imported.

The CDK L2 way (``IQueue``, ``Queue.from_queue_arn``): :class:`AudienceGenerationJob
<cdk_cleanrooms_ml.AudienceGenerationJob>` implements it, and so does what
:meth:`AudienceGenerationJob.from_job_arn <cdk_cleanrooms_ml.AudienceGenerationJob.from_job_arn>`
returns. ``AudienceExport(job=...)`` takes either, beside the ARN string form.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Final, Protocol, Required, TypedDict, Unpack

from aws_cdk import Duration

from cdk_cleanrooms_ml._handler.rules import ValidationError

if TYPE_CHECKING:
    from cdk_cleanrooms_ml.audience_export import AudienceExport
    from cdk_cleanrooms_ml.audience_size import AudienceSize

# The two ways to name the job an export is made from, as the export's fields.
ARN_FIELD: Final = "audience_generation_job_arn"
JOB_FIELD: Final = "job"
_MEMBERS: Final = ("job_arn", "job_name", "export")


class ExportOptions(TypedDict, total=False):
    """The options of an export made by :meth:`IAudienceGenerationJob.export`: as for
    ``AudienceExport`` (the job and the provider are the job's)."""

    audience_size: Required[AudienceSize]
    name: str | None
    description: str | None
    wait_for_completion: bool | Duration
    timeout: Duration | None


class IAudienceGenerationJob(Protocol):
    """An audience generation job: declared in this app (:class:`AudienceGenerationJob
    <cdk_cleanrooms_ml.AudienceGenerationJob>`) or imported by its ARN
    (:meth:`AudienceGenerationJob.from_job_arn
    <cdk_cleanrooms_ml.AudienceGenerationJob.from_job_arn>`).

    A static type only (``isinstance`` does not apply): ``AudienceExport(job=...)`` checks
    that the value has these members.
    """

    @property
    def job_arn(self) -> str:
        """The job's ARN (maybe a token)."""
        ...

    @property
    def job_name(self) -> str:
        """The job's name (maybe a token)."""
        ...

    def export(self, construct_id: str, **options: Unpack[ExportOptions]) -> AudienceExport:
        """An ``AudienceExport`` of this job, as a child construct."""
        ...


def job_arn_of(audience_generation_job_arn: str | None, job: IAudienceGenerationJob | None) -> str:
    """The ARN an export is made from: exactly one of its two forms must be given."""
    if job is None:
        if audience_generation_job_arn is None:
            raise ValidationError(
                ARN_FIELD,
                f"give the job to export from: {ARN_FIELD} (its ARN) or {JOB_FIELD}"
                " (an IAudienceGenerationJob)",
            )
        return audience_generation_job_arn
    if audience_generation_job_arn is not None:
        raise ValidationError(
            JOB_FIELD, f"give {ARN_FIELD} or {JOB_FIELD}, not both: they name the same job"
        )
    # Looked up statically: reading a member may be an error (an imported job's job_name).
    if not all(_has_member(job, member) for member in _MEMBERS):
        raise TypeError(
            f"{JOB_FIELD}: must be an IAudienceGenerationJob (an AudienceGenerationJob, or"
            " AudienceGenerationJob.from_job_arn(...)), not "
            f"{type(job).__name__}"
        )
    return job.job_arn


def _has_member(value: object, member: str) -> bool:
    try:
        inspect.getattr_static(value, member)
    except AttributeError:
        return False
    return True
