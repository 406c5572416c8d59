"""A ready stack that deploys one shared provider per account and region and exports its token.

Plain CloudFormation templates (and stacks of other apps) then declare exports with
``ServiceToken: !ImportValue <export name>`` and never deploy a Lambda of their own.
"""

from __future__ import annotations

import re
from typing import Any, Final

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cdk_cleanrooms_ml._handler.rules import RuleError
from cdk_cleanrooms_ml.provider import AudienceExportProvider
from cdk_cleanrooms_ml.tokens import is_token

DEFAULT_STACK_NAME: Final = "CleanRoomsMlAudienceExportProvider"
DEFAULT_EXPORT_NAME: Final = "CleanRoomsMlAudienceExportServiceToken"
EXPORT_NAME_MAX: Final = 255
# CloudFormation accepts only these characters in an export name.
_EXPORT_NAME = re.compile(r"[A-Za-z0-9:-]+")


def check_export_name(export_name: str) -> str:
    """``export_name`` if CloudFormation accepts it as an export name, else a ``RuleError``."""
    if not export_name:
        raise RuleError("export_name", "must not be empty")
    if len(export_name) > EXPORT_NAME_MAX:
        raise RuleError(
            "export_name",
            f"{len(export_name)} characters, at most {EXPORT_NAME_MAX} allowed",
        )
    if not _EXPORT_NAME.fullmatch(export_name):
        raise RuleError("export_name", "only letters, digits, colons (:) and hyphens (-) allowed")
    return export_name


class AudienceExportProviderStack(Stack):
    """The provider alone, scoped to the account's generation jobs, with its token exported.

    Deploy it once per account and region. Its ``ServiceToken`` output is exported as
    ``export_name``; templates use it with ``!ImportValue``, CDK stacks with
    ``AudienceExport(..., service_token=Fn.import_value(export_name))``.
    """

    DEFAULT_STACK_NAME: Final = DEFAULT_STACK_NAME
    DEFAULT_EXPORT_NAME: Final = DEFAULT_EXPORT_NAME

    def __init__(
        self,
        scope: Construct | None = None,
        construct_id: str | None = None,
        *,
        export_name: str = DEFAULT_EXPORT_NAME,
        **kwargs: Any,
    ) -> None:
        """
        :param export_name: the name the ServiceToken is exported as (letters, digits, ``:``
            and ``-``; at most 255 characters); default ``CleanRoomsMlAudienceExportServiceToken``.
        :param kwargs: the usual ``Stack`` props (``env``, ``description``, ...).
        """
        if not is_token(export_name):
            check_export_name(export_name)
        kwargs.setdefault(
            "description",
            "Shared provider of Custom::CleanRoomsMlAudienceExport resources (cdk-cleanrooms-ml)",
        )
        super().__init__(scope, construct_id or DEFAULT_STACK_NAME, **kwargs)
        self.export_name = export_name
        self.provider = AudienceExportProvider(self, "Provider")
        # Its jobs are unknown when it is deployed: every job of this account and region.
        self.provider.grant_account_jobs()
        self.service_token_output = CfnOutput(
            self,
            "ServiceToken",
            value=self.provider.service_token,
            export_name=export_name,
            description="ServiceToken of Custom::CleanRoomsMlAudienceExport resources",
        )
