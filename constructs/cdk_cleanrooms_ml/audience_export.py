"""``AudienceExport``: a Clean Rooms ML audience export (StartAudienceExportJob) as a resource."""

from __future__ import annotations

from typing import Any, Final

from aws_cdk import CfnResource, Duration, Token
from constructs import Construct

from cdk_cleanrooms_ml._handler.fields import audience_export as export_fields
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml.audience_size import AudienceSize, check_offered
from cdk_cleanrooms_ml.job_reference import IAudienceGenerationJob, job_arn_of
from cdk_cleanrooms_ml.long_wait import required_wait
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_props import (
    DEFAULT_TIMEOUT_SECONDS,
    CommonProps,
    FinalAttribute,
    check_provider,
    checked_props,
    checked_timeout_seconds,
    defined,
    provider_of,
    waited_attribute,
)
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "RESOURCE_TYPE", "AudienceExport", "checked_timeout_seconds"]

# The template's order of the shared fields, for an export.
_COMMON_KEYS: Final = (
    common_fields.KEY_WAIT,
    common_fields.KEY_NAME,
    common_fields.KEY_DESCRIPTION,
    common_fields.KEY_TIMEOUT,
)
_OUTPUT_LOCATION: Final = FinalAttribute(
    "output_location",
    "OutputLocation",
    "export",
    "has an S3 location",
    "it",
)


class AudienceExport(Construct):
    """Exports an audience from an AWS Clean Rooms ML audience generation job.

    Concrete property values are validated here (a ``ValidationError`` naming the prop and the
    rule); tokens are validated by the handler at deploy time. The export has no Delete API:
    deleting the resource leaves the export in Clean Rooms ML.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        audience_generation_job_arn: str | None = None,
        job: IAudienceGenerationJob | None = None,
        audience_size: AudienceSize,
        name: str | None = None,
        description: str | None = None,
        wait_for_completion: bool | Duration = True,
        timeout: Duration | None = None,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param audience_generation_job_arn: the audience generation job to export from, by
            its ARN; or give ``job`` instead (exactly one of the two).
        :param job: the audience generation job to export from, as an
            ``IAudienceGenerationJob``: an ``AudienceGenerationJob`` (the export then
            depends on it, as with its ``job_arn``) or
            ``AudienceGenerationJob.from_job_arn(...)``; the same as passing its ``job_arn``.
        :param audience_size: ``AudienceSize.absolute(rows)`` or ``AudienceSize.percentage(pct)``.
        :param name: the export's name (1-63 characters); default: derived at deploy time from
            the stack name, the resource's logical id and a hash of the other properties (so two
            stacks deployed from one template never share an export, and changing the properties
            replaces it); read it from :attr:`export_name`.
        :param description: the export's description (0-255 characters); default: none.
        :param wait_for_completion: complete the resource only when the export is ACTIVE
            (default); ``False`` completes right after the export is started. A ``Duration``
            of at most 1 hour is ``True`` with that ``timeout``; one over 1 hour, at most
            12 hours, waits through an ``AWS::CloudFormation::WaitCondition`` with that
            Timeout: the resource completes once the export is started, and its dependents
            (those reading :attr:`export_name`) wait until the export is ACTIVE; the stack fails
            with the service's reason if the export fails, or when the Duration runs out.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour);
            default: 1 hour. With a wait beyond 1 hour, it bounds only the export's start.
        :param provider: the provider to use: a ``CleanRoomsMlProvider`` (e.g. one shared by
            several stacks of an app), which is granted this export's job, or one imported with
            ``CleanRoomsMlProvider.from_service_token(...)`` (e.g. the token a
            ``CleanRoomsMlProviderStack`` exports): the stack then holds no Lambda, and that
            provider must already allow this export's job. Default: the stack's own provider,
            created on first use.
        """
        # Checked before anything joins the construct tree: a rejected export leaves no trace.
        audience_generation_job_arn = job_arn_of(audience_generation_job_arn, job)
        if not isinstance(audience_size, AudienceSize):
            raise TypeError("audience_size: use AudienceSize.absolute(...) or .percentage(...)")
        check_offered(job, audience_size)
        fields = export_fields.TABLE
        checked_props(fields, {"audience_generation_job_arn": audience_generation_job_arn})
        props = CommonProps.check(fields, name, description, wait_for_completion, timeout)
        check_provider(provider)
        super().__init__(scope, construct_id)

        self.audience_generation_job_arn = audience_generation_job_arn
        self.audience_size = audience_size
        self.description = description
        self.wait_for_completion: bool | Duration = props.wait_for_completion
        self.timeout = props.timeout
        self.provider: ICleanRoomsMlProvider = provider_of(scope, provider)
        grant = self.provider.grant_audience_export(audience_generation_job_arn)

        # Without a name the handler derives one at deploy time (read it from ``export_name``).
        common = props.template_values()
        properties: dict[str, Any] = {
            common_fields.KEY_SERVICE_TOKEN: self.provider.service_token,
            export_fields.KEY_JOB_ARN: audience_generation_job_arn,
            export_fields.KEY_SIZE: audience_size.to_properties(),
            **defined({key: common[key] for key in _COMMON_KEYS}),
        }
        # A plain CfnResource: CustomResource would add nothing here but DeletionPolicy and
        # UpdateReplacePolicy "Delete" (CloudFormation's defaults) to every export.
        self.resource = CfnResource(self, "Resource", type=RESOURCE_TYPE, properties=properties)
        self.completion_wait = props.bind(
            self, self.resource, self.provider, grant, properties=properties
        )

    # --- attributes ---------------------------------------------------------------------------

    @property
    def export_name(self) -> str:
        """The deployed export's name (``Fn::GetAtt Name``): as given, or derived at deploy
        time.

        With a wait beyond 1 hour, ``Fn::Select [0, [<that>, Ref <Wait>]]``: whatever reads it
        waits for the WaitCondition, i.e. until the export is ACTIVE.
        """
        name = Token.as_string(self.resource.get_att(common_fields.KEY_NAME))
        if self.completion_wait is not None:
            return self.completion_wait.after_completion(name)
        return name

    @property
    def status(self) -> str:
        """The export's status once its wait is over (``Fn::GetAtt Status``): ``ACTIVE`` when
        the resource waits, however long; the status it started with for
        ``wait_for_completion=False``."""
        return waited_attribute(self.resource, self.completion_wait, "Status")

    @property
    def output_location(self) -> str:
        """The export's S3 location (``Fn::GetAtt OutputLocation``); needs the resource to wait.

        With ``wait_for_completion=False`` the resource completes before the export is ACTIVE,
        so there is no location yet: asking for it is an error at synth. With a wait beyond 1
        hour it is read as the WaitCondition received it: the same string. (A raw template
        that reads it from an export that does not wait gets an empty string, never a failed
        stack.)
        """
        return _OUTPUT_LOCATION.read(
            self.resource, self.node.path, self.wait_for_completion, self.completion_wait
        )

    @property
    def completion_data(self) -> str:
        """What the provider signalled when the export became ACTIVE, for a wait beyond 1 hour
        (``Fn::GetAtt <Wait>.Data``): a JSON object string ``{"<export name>": "<JSON of the
        export's final attributes>"}``, e.g. its ``OutputLocation``. (The attributes
        themselves, e.g. :attr:`output_location`, read as plain strings with such a wait too.)

        Without such a wait there is no WaitCondition: asking for it is an error at synth.
        """
        return required_wait(self.completion_wait, self.node.path).completion_data
