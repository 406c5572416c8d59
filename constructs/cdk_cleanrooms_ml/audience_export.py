"""``AudienceExport``: a Clean Rooms ML audience export (StartAudienceExportJob) as a resource."""

from __future__ import annotations

import re
from typing import Any, Final

from aws_cdk import CfnResource, Duration, Token
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml.audience_size import AudienceSize
from cdk_cleanrooms_ml.provider import AudienceExportProvider
from cdk_cleanrooms_ml.tokens import is_token

RESOURCE_TYPE: Final = "Custom::CleanRoomsMlAudienceExport"
DEFAULT_TIMEOUT_SECONDS: Final = rules.TIMEOUT_MAX_SECONDS
# The provider is a Lambda function, maybe with a version or alias qualifier.
_FUNCTION_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:lambda:[-a-z0-9]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?"
)


def _concrete(value: object) -> bool:
    return not is_token(value)


class AudienceExport(Construct):
    """Exports an audience from an AWS Clean Rooms ML audience generation job.

    Concrete property values are validated here (a ``ValueError`` naming the prop and the rule);
    tokens are validated by the handler at deploy time. The export has no Delete API: deleting
    the resource leaves the export in Clean Rooms ML.
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
        wait_for_completion: bool = True,
        timeout: Duration | None = None,
        provider: AudienceExportProvider | None = None,
        service_token: str | None = None,
    ) -> None:
        """
        :param audience_generation_job_arn: the audience generation job to export from.
        :param audience_size: ``AudienceSize.absolute(rows)`` or ``AudienceSize.percentage(pct)``.
        :param name: the export's name (1-63 characters); default: derived from the construct
            path and a hash of the other properties, so changing them replaces the export.
        :param description: the export's description (0-255 characters); default: none.
        :param wait_for_completion: complete the resource only when the export is ACTIVE
            (default); ``False`` completes right after the export is started.
        :param timeout: how long CloudFormation and the handler wait (1 second to 1 hour);
            default: 1 hour.
        :param provider: an existing provider to use (e.g. one shared by several stacks of an
            app); it is granted this export's job. Default: the stack's own provider, created
            on first use.
        :param service_token: the ServiceToken of a provider deployed elsewhere, e.g.
            ``Fn.import_value("CleanRoomsMlAudienceExportServiceToken")`` of an
            ``AudienceExportProviderStack``; the stack then holds no Lambda. That provider must
            already be allowed to use this export's job. Not together with ``provider``.
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
        if provider is not None and service_token is not None:
            raise ValueError(
                "provider, service_token: give one or neither (a provider has its own token)"
            )
        if provider is not None and not isinstance(provider, AudienceExportProvider):
            raise TypeError("provider: must be an AudienceExportProvider")
        if service_token is not None and _concrete(service_token):
            _check_service_token(service_token)
        wait_for_completion = rules.parse_bool(wait_for_completion, "wait_for_completion")
        timeout_seconds = _timeout_seconds(timeout)
        super().__init__(scope, construct_id)

        self.audience_generation_job_arn = audience_generation_job_arn
        self.audience_size = audience_size
        self.description = description
        self.wait_for_completion = wait_for_completion
        self.timeout = timeout or Duration.seconds(DEFAULT_TIMEOUT_SECONDS)
        # None when it depends on tokens: the handler then derives it at deploy time.
        self.name: str | None = name if name is not None else self._default_name()
        # None when the export was given a service token: the stack then holds no provider.
        self.provider: AudienceExportProvider | None = None
        if service_token is None:
            self.provider = provider or AudienceExportProvider.of(scope)
            self.provider.grant_job(audience_generation_job_arn)
            service_token = self.provider.service_token

        # Defaults are left out (the handler and CloudFormation apply the same ones): every
        # export is one resource in the template, so its bytes count against the 1 MB limit.
        properties: dict[str, Any] = {
            rules.KEY_SERVICE_TOKEN: service_token,
            rules.KEY_JOB_ARN: audience_generation_job_arn,
            rules.KEY_SIZE: audience_size.to_properties(),
        }
        if not wait_for_completion:
            properties[rules.KEY_WAIT] = False
        if self.name is not None:
            properties[rules.KEY_NAME] = self.name
        if description is not None:
            properties[rules.KEY_DESCRIPTION] = description
        if timeout is not None:
            # CloudFormation's wait and the handler's deadline; a string, as CloudFormation sends.
            properties[rules.KEY_TIMEOUT] = (
                Token.as_string(timeout_seconds)
                if is_token(timeout_seconds)
                else str(timeout_seconds)
            )

        # A plain CfnResource: CustomResource would add nothing here but DeletionPolicy and
        # UpdateReplacePolicy "Delete" (CloudFormation's defaults) to every export.
        self.resource = CfnResource(self, "Resource", type=RESOURCE_TYPE, properties=properties)
        if self.provider is not None:
            self.provider.bind_resource(self.resource)

    # --- attributes ---------------------------------------------------------------------------

    @property
    def export_name(self) -> str:
        """The export's name (``Fn::GetAtt Name``): as given or derived."""
        return Token.as_string(self.resource.get_att(rules.KEY_NAME))

    @property
    def status(self) -> str:
        """The export's status when the resource completed (``Fn::GetAtt Status``)."""
        return Token.as_string(self.resource.get_att("Status"))

    @property
    def output_location(self) -> str:
        """The export's S3 location once ACTIVE (``Fn::GetAtt OutputLocation``)."""
        return Token.as_string(self.resource.get_att("OutputLocation"))

    # --- helpers ------------------------------------------------------------------------------

    def _default_name(self) -> str | None:
        size = self.audience_size
        inputs = (self.audience_generation_job_arn, size.type, size.value, self.description)
        if not all(_concrete(value) for value in inputs):
            return None
        return rules.default_name(
            self.node.path,
            job_arn=self.audience_generation_job_arn,
            size_type=str(size.to_properties()[rules.KEY_SIZE_TYPE]),
            size_value=size.value,
            description=self.description,
        )


def _timeout_seconds(timeout: Duration | None) -> int | float:
    """The timeout in seconds (a number token passes through), checked when concrete."""
    if timeout is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = timeout.to_seconds(integral=False)
    except RuntimeError as error:  # jsii's error for a token in another unit
        raise rules.RuleError(
            "timeout", "a token timeout must be Duration.seconds(<token>)"
        ) from error
    if is_token(seconds):
        return seconds
    return rules.check_timeout_seconds(rules.parse_int(seconds, "timeout"))


def _check_service_token(service_token: str) -> None:
    if not _FUNCTION_ARN.fullmatch(service_token):
        raise rules.RuleError(
            "service_token",
            f"{service_token!r} is not a Lambda function ARN"
            " (arn:<partition>:lambda:<region>:<account>:function:<name>)",
        )
