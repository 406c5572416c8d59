"""Names derived when ``name`` is omitted: deterministic, valid, and new when the export changes."""

from __future__ import annotations

import pytest
from constructs import Construct

from cdk_cleanrooms_ml import AudienceExport, AudienceSize
from cdk_cleanrooms_ml._handler import rules
from tests.constructs.support import (
    JOB_ARN,
    JOB_ARNS,
    new_stack,
    only_export_properties,
    template_of,
)


def derived_name(
    *,
    construct_id: str = "Lookalikes",
    stack_name: str = "TestStack",
    job_arn: str = JOB_ARN,
    size: AudienceSize | None = None,
    description: str | None = None,
) -> str:
    stack = new_stack(name=stack_name)
    AudienceExport(
        stack,
        construct_id,
        audience_generation_job_arn=job_arn,
        audience_size=size or AudienceSize.percentage(20),
        description=description,
    )
    name = only_export_properties(template_of(stack))["Name"]
    assert isinstance(name, str)
    return name


def test_same_inputs_same_name() -> None:
    assert derived_name() == derived_name()


def test_name_is_readable_and_valid() -> None:
    name = derived_name()
    assert name.startswith("TestStack-Lookalikes-")
    assert rules.check_name(name) == name


@pytest.mark.parametrize(
    "change",
    [
        {"size": AudienceSize.percentage(10)},
        {"size": AudienceSize.absolute(20)},
        {"description": "another"},
        {"job_arn": JOB_ARNS[1]},
        {"construct_id": "Other"},
        {"stack_name": "OtherStack"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_name_changes_with_the_export(change: dict[str, object]) -> None:
    assert derived_name(**change) != derived_name()  # type: ignore[arg-type]


def test_long_paths_still_give_a_valid_name() -> None:
    stack = new_stack(name="S" * 120)
    scope = Construct(stack, "Nested " * 20)
    export = AudienceExport(
        scope,
        "Very long construct id, with punctuation! " * 5,
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10),
    )
    assert export.name is not None
    assert len(export.name) <= rules.NAME_MAX
    assert rules.check_name(export.name) == export.name


def test_given_name_is_kept() -> None:
    stack = new_stack()
    export = AudienceExport(
        stack,
        "E",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10),
        name="q4-lookalikes",
    )
    assert export.name == "q4-lookalikes"
    assert only_export_properties(template_of(stack))["Name"] == "q4-lookalikes"
