"""``AudienceExport``: a Clean Rooms ML audience export (StartAudienceExportJob) as a resource."""

from __future__ import annotations

from typing import Any, Final

from aws_cdk import CfnResource, Duration, Token
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml.audience_size import AudienceSize
from cdk_cleanrooms_ml.long_wait import CompletionWait, decide_wait, required_wait
from cdk_cleanrooms_ml.provider import CleanRoomsMlProvider
from cdk_cleanrooms_ml.provider_interface import ICleanRoomsMlProvider
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from cdk_cleanrooms_ml.tokens import is_token

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "RESOURCE_TYPE", "AudienceExport"]

DEFAULT_TIMEOUT_SECONDS: Final = rules.TIMEOUT_MAX_SECONDS


def _concrete(value: object) -> bool:
    return not is_token(value)


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
        audience_generation_job_arn: str,
        audience_size: AudienceSize,
        name: str | None = None,
        description: str | None = None,
        wait_for_completion: bool | Duration = True,
        timeout: Duration | None = None,
        provider: ICleanRoomsMlProvider | None = None,
    ) -> None:
        """
        :param audience_generation_job_arn: the audience generation job to export from.
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
        if not isinstance(audience_size, AudienceSize):
            raise TypeError("audience_size: use AudienceSize.absolute(...) or .percentage(...)")
        if _concrete(audience_generation_job_arn):
            rules.check_job_arn(audience_generation_job_arn)
        if name is not None and _concrete(name):
            rules.check_name(name)
        if description is not None and _concrete(description):
            rules.check_description(description)
        if provider is not None and not isinstance(provider, ICleanRoomsMlProvider):
            raise TypeError(
                "provider: must be an ICleanRoomsMlProvider (a CleanRoomsMlProvider, or"
                " CleanRoomsMlProvider.from_service_token(...))"
            )
        wait = decide_wait(wait_for_completion, timeout)
        timeout_seconds = checked_timeout_seconds(wait.timeout)
        super().__init__(scope, construct_id)

        self.audience_generation_job_arn = audience_generation_job_arn
        self.audience_size = audience_size
        self.description = description
        # As given for a wait beyond 1 hour; else the bool it comes to.
        self.wait_for_completion: bool | Duration = (
            wait_for_completion if wait.long_wait_seconds is not None else wait.wait
        )
        self.timeout = wait.timeout or Duration.seconds(DEFAULT_TIMEOUT_SECONDS)
        self.provider: ICleanRoomsMlProvider = provider or CleanRoomsMlProvider.of(scope)
        grant = self.provider.grant_audience_export(audience_generation_job_arn)

        # Defaults are left out (the handler and CloudFormation apply the same ones): every
        # export is one resource in the template, so its bytes count against the 1 MB limit.
        properties: dict[str, Any] = {
            rules.KEY_SERVICE_TOKEN: self.provider.service_token,
            rules.KEY_JOB_ARN: audience_generation_job_arn,
            rules.KEY_SIZE: audience_size.to_properties(),
        }
        if not wait.wait and wait.long_wait_seconds is None:
            properties[rules.KEY_WAIT] = False
        # Without a name the handler derives one at deploy time (read it from ``export_name``).
        if name is not None:
            properties[rules.KEY_NAME] = name
        if description is not None:
            properties[rules.KEY_DESCRIPTION] = description
        if is_token(timeout_seconds) or timeout_seconds != DEFAULT_TIMEOUT_SECONDS:
            # CloudFormation's wait and the handler's deadline; a string, as CloudFormation sends.
            properties[rules.KEY_TIMEOUT] = (
                Token.as_string(timeout_seconds)
                if is_token(timeout_seconds)
                else str(timeout_seconds)
            )

        # A plain CfnResource: CustomResource would add nothing here but DeletionPolicy and
        # UpdateReplacePolicy "Delete" (CloudFormation's defaults) to every export.
        self.resource = CfnResource(self, "Resource", type=RESOURCE_TYPE, properties=properties)
        self.provider.bind_resource(self.resource)
        self.completion_wait: CompletionWait | None = None
        if wait.long_wait_seconds is not None:
            self.completion_wait = CompletionWait(
                self,
                "CompletionWait",
                resource=self.resource,
                seconds=wait.long_wait_seconds,
                properties=properties,
            )
        # E.g. the policy that grants a job declared in this stack (kept out of the role's own).
        for dependency in grant.depends_on:
            self.resource.node.add_dependency(dependency)

    # --- attributes ---------------------------------------------------------------------------

    @property
    def export_name(self) -> str:
        """The deployed export's name (``Fn::GetAtt Name``): as given, or derived at deploy
        time.

        With a wait beyond 1 hour, ``Fn::Select [0, [<that>, Ref <Wait>]]``: whatever reads it
        waits for the WaitCondition, i.e. until the export is ACTIVE.
        """
        name = Token.as_string(self.resource.get_att(rules.KEY_NAME))
        if self.completion_wait is not None:
            return self.completion_wait.after_completion(name)
        return name

    @property
    def status(self) -> str:
        """The export's status when the resource completed (``Fn::GetAtt Status``)."""
        return Token.as_string(self.resource.get_att("Status"))

    @property
    def output_location(self) -> str:
        """The export's S3 location (``Fn::GetAtt OutputLocation``); needs the resource to wait.

        With ``wait_for_completion=False`` the resource completes before the export is ACTIVE,
        so there is no location yet: asking for it is an error at synth, and with a wait beyond
        1 hour too (read :attr:`completion_data` then). (A raw template that reads it anyway
        gets an empty string, never a failed stack.)
        """
        if self.completion_wait is not None:
            raise rules.ValidationError(
                "output_location",
                f"{self.node.path} waits beyond 1 hour, so the resource completes before the "
                "export has an S3 location; read completion_data instead (the export's final "
                "attributes, OutputLocation among them)",
            )
        if not self.wait_for_completion:
            raise rules.ValidationError(
                "output_location",
                f"{self.node.path} has wait_for_completion=False, so it completes before the "
                "export has an S3 location; set wait_for_completion=True to read it",
            )
        return Token.as_string(self.resource.get_att("OutputLocation"))

    @property
    def completion_data(self) -> str:
        """What the provider signalled when the export became ACTIVE, for a wait beyond 1 hour
        (``Fn::GetAtt <Wait>.Data``): a JSON object string ``{"<export name>": "<JSON of the
        export's final attributes>"}``, e.g. its ``OutputLocation``.

        Without such a wait there is no WaitCondition: asking for it is an error at synth.
        """
        return required_wait(self.completion_wait, self.node.path).completion_data


def checked_timeout_seconds(timeout: Duration | None) -> int | float:
    """The timeout in seconds (a number token passes through), checked when concrete."""
    if timeout is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = timeout.to_seconds(integral=False)
    except RuntimeError as error:  # jsii's error for a token in another unit
        raise rules.ValidationError(
            "timeout", "a token timeout must be Duration.seconds(<token>)"
        ) from error
    if is_token(seconds):
        return seconds
    return rules.check_timeout_seconds(rules.parse_int(seconds, "timeout"))
