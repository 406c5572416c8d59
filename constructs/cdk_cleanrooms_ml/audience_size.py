"""The size of an audience export: a number of rows or a percentage of the generated audience."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from aws_cdk import Token

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.fields import audience_export as export_fields
from cdk_cleanrooms_ml.tokens import concrete, is_token


class AudienceSizeType(enum.StrEnum):
    """How :attr:`AudienceSize.value` is measured (the service's ``AudienceSizeType``)."""

    ABSOLUTE = "ABSOLUTE"
    """A number of rows, 1 to 20,000,000."""
    PERCENTAGE = "PERCENTAGE"
    """A percentage of the generated audience, 1 to 100."""


@dataclass(frozen=True)
class AudienceSize:
    """An immutable audience size; build it with :meth:`absolute`, :meth:`percentage` or :meth:`of`.

    Concrete values are checked when the size is created (``audience_size.type`` /
    ``audience_size.value`` errors); tokens (a ``CfnParameter``) are checked by the handler at
    deploy time.
    """

    type: AudienceSizeType | str
    """``AudienceSizeType`` or, for a size chosen at deploy time, a string token."""
    value: int | float
    """A whole number, or a number token."""

    def __post_init__(self) -> None:
        where = "audience_size."
        raw_type = self.type.value if isinstance(self.type, AudienceSizeType) else self.type
        size_type = export_fields.SIZE_TYPE.validate(raw_type, where, concrete=concrete)
        if concrete(size_type):
            object.__setattr__(self, "type", AudienceSizeType(size_type))
        value = export_fields.SIZE_VALUE.validate(self.value, where, concrete=concrete)
        if concrete(value) and concrete(size_type):
            # With a token type the range depends on it: the handler checks at deploy time.
            export_fields.check_size_value(size_type, value)
        object.__setattr__(self, "value", value)

    @staticmethod
    def absolute(value: int | float) -> AudienceSize:
        """A number of rows (1 to 20,000,000), or a number token."""
        return AudienceSize(AudienceSizeType.ABSOLUTE, value)

    @staticmethod
    def percentage(value: int | float) -> AudienceSize:
        """A percentage of the generated audience (1 to 100), or a number token."""
        return AudienceSize(AudienceSizeType.PERCENTAGE, value)

    @staticmethod
    def of(size_type: AudienceSizeType | str, value: int | float | str) -> AudienceSize:
        """A size from values as a CLI or a config file gives them: the type as a string
        (``"ABSOLUTE"``/``"PERCENTAGE"``) or a token, the value as a number, a decimal string
        (``"20"``) or a token."""
        if isinstance(value, str):
            # A string token stands for a number (e.g. a CfnParameter's value_as_string).
            value = (
                Token.as_number(value)
                if is_token(value)
                else rules.parse_int(value, "audience_size.value")
            )
        return AudienceSize(size_type, value)

    @property
    def is_resolved(self) -> bool:
        """Whether both the type and the value are known at synth time."""
        return not (is_token(self.type) or is_token(self.value))

    def to_properties(self) -> dict[str, Any]:
        """The ``AudienceSize`` property of the custom resource (``Type``, ``Value``)."""
        size_type = self.type.value if isinstance(self.type, AudienceSizeType) else self.type
        return {export_fields.KEY_SIZE_TYPE: size_type, export_fields.KEY_SIZE_VALUE: self.value}


class SizeOffer(Protocol):
    """The sizes a generation job will offer, when its configured model is declared in the app
    with size bins and shared metrics (``ConfiguredAudienceModel.generate``)."""

    @property
    def offered_by(self) -> str: ...  # "its configured audience model <path>", ...
    def offers(self, size_type: str, value: int) -> bool: ...
    def describe(self) -> str: ...


def check_offered(job: object, size: AudienceSize) -> None:
    """A concrete size the job's declared configured model does not offer fails at synth,
    before any job is started (and billed); otherwise the handler checks at deploy time."""
    offer: SizeOffer | None = getattr(job, "size_offer", None)
    size_type = size.type.value if isinstance(size.type, AudienceSizeType) else size.type
    if offer is None or not concrete(size_type) or not concrete(size.value):
        return
    if not offer.offers(str(size_type), int(size.value)):
        raise rules.ValidationError(
            "audience_size",
            f"{size_type}:{int(size.value)} is not a size the job offers: {offer.offered_by} "
            f"offers {offer.describe()}",
        )
