"""Requests checked against botocore's ``cleanrooms`` model (with the checks of
:mod:`..cleanroomsml.shapes`), less the one constraint the service's own ARNs break.

The model caps TagResource's ``resourceArn`` (``CleanroomsArn``) at 100 characters, but an
association's ARN (``ConfiguredAudienceModelAssociationArn``, up to 256) is 161 long in every
region: the service cannot refuse the ARNs it hands out, so an association's ARN is checked
against its own shape instead.
"""

from __future__ import annotations

from typing import Final

from botocore.model import OperationModel

from ..cleanroomsml.shapes import operation, service_model, validate
from . import operations as op

SERVICE_NAME: Final = "cleanrooms"
_TAG_OPERATIONS: Final = (op.TAG, op.UNTAG, op.LIST_TAGS)


def cleanrooms_operation(name: str) -> OperationModel:
    return operation(name, SERVICE_NAME)


def request_problems(name: str, params: dict[str, object]) -> list[str]:
    """Every way ``params`` break the operation's input shape; empty when they conform."""
    input_shape = cleanrooms_operation(name).input_shape
    problems = [] if input_shape is None else validate(input_shape, params, "")
    if name in _TAG_OPERATIONS:
        association_arn = service_model(SERVICE_NAME).shape_for(
            "ConfiguredAudienceModelAssociationArn"
        )
        if not validate(association_arn, params.get("resourceArn"), "resourceArn"):
            problems = [p for p in problems if not p.startswith("resourceArn:")]
    return problems
