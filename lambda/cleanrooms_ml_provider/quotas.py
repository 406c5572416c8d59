"""The service quotas a call can hit, as data, and a ServiceQuotaExceeded error classified.

An error is matched to a known quota by its ``quotaName`` (case and spacing aside). A name that
is absent or unknown (renamed) falls back on words the name still holds, then on the call and
its ``quotaValue``, so the reason stays clear; a quota nothing matches gets a generic reason
that still names the value. Whether a quota clears by itself (in-flight work, which Start
waits out) comes from the same match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from botocore.exceptions import ClientError

START_EXPORT: Final = "StartAudienceExportJob"
START_GENERATION_JOB: Final = "StartAudienceGenerationJob"
CREATE_AUDIENCE_MODEL: Final = "CreateAudienceModel"
CREATE_CONFIGURED_MODEL: Final = "CreateConfiguredAudienceModel"
CREATE_ASSOCIATION: Final = "CreateConfiguredAudienceModelAssociation"  # Clean Rooms


@dataclass(frozen=True)
class Quota:
    """A quota a call can hit, and what it means for the user."""

    label: str  # what it counts, shown when the service names none
    operations: tuple[str, ...]  # the calls that hit it
    names: tuple[str, ...] = ()  # its quotaName, as the service (or its documentation) spells it
    words: tuple[str, ...] = ()  # words a renamed quotaName would still hold (lower case)
    default: int | None = None  # the documented default value
    clears: bool = False  # in-flight work: it clears by itself, so Start waits for a slot
    unit: str = ""  # "at most <value> <unit>"; empty when the service documents no value
    advice: str = ""  # what the user does about it


# Sources: ../shared/reference.md (Clean Rooms ML quotas page), the quota names the offline
# endpoint sends (constructs/.../local/cleanroomsml/models), the botocore models' operations.
EXPORTS_PER_JOB: Final = Quota(
    label="active exports per audience generation job",
    operations=(START_EXPORT,),
    names=(
        "Active audience export jobs per audience generation job",
        "Active export jobs per audience generation job",
    ),
    words=("generation job",),
    default=25,
    unit="active exports per audience generation job",
    advice="exports cannot be deleted: use another generation job or request a quota increase",
)
IN_FLIGHT_EXPORTS: Final = Quota(
    label="in-flight exports",
    operations=(START_EXPORT,),
    names=(
        "Pending or in-progress audience export jobs per account",
        "Pending or in-progress export jobs per account",
    ),
    words=("pending", "in progress", "in-progress"),
    default=20,
    clears=True,
    unit="pending or in-progress exports per account",
    advice="it clears as running exports finish",
)
IN_FLIGHT_GENERATION_JOBS: Final = Quota(
    label="in-flight audience generation jobs",
    operations=(START_GENERATION_JOB,),
    names=(
        "Pending or in-progress audience generation jobs per account",
        "Pending or in-progress generation jobs per account",
    ),
    words=("pending", "in progress", "in-progress"),
    default=10,
    clears=True,
    unit="pending or in-progress audience generation jobs per account",
    advice="it clears as running jobs finish",
)
# Counts the user reduces; neither reference.md nor the model documents their names or values.
AUDIENCE_MODELS: Final = Quota(
    label="audience models",
    operations=(CREATE_AUDIENCE_MODEL,),
    advice="delete audience models you no longer use",
)
CONFIGURED_MODELS: Final = Quota(
    label="configured audience models",
    operations=(CREATE_CONFIGURED_MODEL,),
    advice="delete configured audience models you no longer use",
)
ASSOCIATIONS: Final = Quota(
    label="configured audience model associations",
    operations=(CREATE_ASSOCIATION,),
    advice="delete configured audience model associations you no longer use",
)
# In the order they are tried: the per-job quota's words before the in-flight ones.
KNOWN: Final = (
    EXPORTS_PER_JOB,
    IN_FLIGHT_EXPORTS,
    IN_FLIGHT_GENERATION_JOBS,
    AUDIENCE_MODELS,
    CONFIGURED_MODELS,
    ASSOCIATIONS,
)


def normalized(name: str) -> str:
    """``name`` compared: lower case, runs of spaces as one."""
    return " ".join(name.casefold().split())


def shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Hit:
    """A ServiceQuotaExceeded error of ``operation``, and the quota it was matched to."""

    operation: str
    quota: Quota | None  # None: a quota this provider does not know
    name: str  # the service's quotaName ("" when it sent none)
    value: float | None  # the service's quotaValue
    matched_by: str  # "name", "words", "value", "operation" or "nothing"

    @property
    def clears(self) -> bool:
        """Whether the quota clears by itself, so Start waits for a slot."""
        return self.quota is not None and self.quota.clears

    def label(self) -> str:
        """``<quota name> = <value>``: the quota as a slot's wait names it."""
        fallback = self.quota.label if self.quota is not None else "unnamed quota"
        value = f" = {shown(self.value)}" if self.value is not None else ""
        return f"{self.name or fallback}{value}"

    def meaning(self) -> str:
        """What the quota means for the user, with the value the account has."""
        quota = self.quota
        if quota is None:
            return (
                f"a quota of {self.operation} this provider does not know: lower what it counts "
                "or request a quota increase in Service Quotas"
            )
        limit = shown(self.value) if self.value is not None else quota.default
        if quota.unit and limit is not None:
            return f"at most {limit} {quota.unit}; {quota.advice}"
        return quota.advice

    def reason(self) -> str:
        """The reason CloudFormation shows (the service's message is appended after it)."""
        return f"service quota exceeded: {self.label()} ({self.meaning()})"


def _only(quotas: list[Quota]) -> Quota | None:
    return quotas[0] if len(quotas) == 1 else None


def _match(operation: str, key: str, value: float | None) -> tuple[Quota | None, str]:
    """The quota and how it was told; only a name is trusted for a call not listed."""
    listed = [quota for quota in KNOWN if operation in quota.operations]
    for quota in listed or KNOWN:
        if key and key in {normalized(known) for known in quota.names}:
            return quota, "name"
    for quota in listed:
        if key and any(word in key for word in quota.words):
            return quota, "words"
    by_value = _only([q for q in listed if value is not None and q.default == value])
    if by_value is not None:
        return by_value, "value"
    sole = _only(listed)
    return (sole, "operation") if sole is not None else (None, "nothing")


def classify(operation: str, name: str | None, value: object) -> Hit:
    """The quota a ServiceQuotaExceeded error of ``operation`` names (``quotaName``,
    ``quotaValue`` as the service sent them)."""
    number = (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    )
    text = str(name or "").strip()
    quota, matched_by = _match(operation, normalized(text), number)
    return Hit(operation, quota, text, number, matched_by)


def classify_error(operation: str, error: ClientError) -> Hit:
    """:func:`classify` of a botocore ServiceQuotaExceeded error."""
    response = error.response
    return classify(operation, str(response.get("quotaName") or ""), response.get("quotaValue"))
