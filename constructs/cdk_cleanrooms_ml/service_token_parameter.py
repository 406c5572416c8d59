"""The provider's ServiceToken in an SSM parameter: read at deploy time, never locked.

A stack that imports an export (``Fn::ImportValue``) locks it: the provider stack can no longer
change or remove it while the importer exists. A stack that reads an SSM parameter through a
template parameter of type ``AWS::SSM::Parameter::Value<String>`` holds no such lock, which is
what consumers of a provider rolled out to many accounts (a StackSet) need.
"""

from __future__ import annotations

import re
from typing import Final

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.imported_provider import ImportedCleanRoomsMlProvider
from cdk_cleanrooms_ml.tokens import is_token

DEFAULT_PARAMETER_NAME: Final = "/cdk-cleanrooms-ml/service-token"
# SSM counts the name with the ARN around it against 1,011 characters; the ARN prefix takes
# at most about 60 of them.
PARAMETER_NAME_MAX: Final = 950
# SSM: letters, digits, _ . - and / (a hierarchy starts with /), at most 15 levels.
_NAME: Final = re.compile(r"[A-Za-z0-9_.\-/]+")
_LEVELS_MAX: Final = 15


def check_parameter_name(name: str, field: str = "service_token_parameter_name") -> str:
    """``name`` if SSM accepts it as a parameter name, else a ``ValidationError``."""
    if not name:
        raise ValidationError(field, "must not be empty")
    if len(name) > PARAMETER_NAME_MAX:
        raise ValidationError(field, f"{len(name)} characters, at most {PARAMETER_NAME_MAX}")
    if not _NAME.fullmatch(name):
        raise ValidationError(field, "only letters, digits, _ . - and / allowed")
    if "/" in name and not name.startswith("/"):
        raise ValidationError(field, "a name with / is a path: it must start with /")
    if name.lstrip("/").lower().startswith(("aws", "ssm")):
        raise ValidationError(field, "must not begin with aws or ssm (reserved by SSM)")
    if name.count("/") > _LEVELS_MAX:
        raise ValidationError(field, f"{name.count('/')} levels, at most {_LEVELS_MAX}")
    return name


def provider_from_parameter(
    scope: Construct, construct_id: str, parameter_name: str = DEFAULT_PARAMETER_NAME
) -> ImportedCleanRoomsMlProvider:
    """The provider whose ServiceToken the SSM parameter ``parameter_name`` holds, read when
    the stack is deployed (see :meth:`CleanRoomsMlProvider.from_service_token_parameter`)."""
    if not is_token(parameter_name):
        check_parameter_name(parameter_name, "parameter_name")
    token = ssm.StringParameter.value_for_string_parameter(scope, parameter_name)
    return ImportedCleanRoomsMlProvider(scope, construct_id, token)
