"""Names: a given name is rendered as is; an omitted one is left to the handler.

The handler derives it at deploy time from the stack name and the logical id (as CloudFormation
names physical resources), so one template deployed as two stacks never shares an export; the
deploy-time rule itself is tested in tests/handler and, across two stacks, in tests/local.
"""

from __future__ import annotations

import pytest
from aws_cdk import CfnParameter, Duration, Token

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, ValidationError
from cdk_cleanrooms_ml._handler.fields import common as common_fields
from tests.constructs.support import JOB_ARN, new_stack, only_export_properties, template_of


@pytest.mark.parametrize("token_size", [False, True], ids=["concrete", "token-size"])
def test_omitted_name_is_derived_at_deploy_time(token_size: bool) -> None:
    stack = new_stack()
    value = (
        Token.as_number(CfnParameter(stack, "Size", type="Number").value_as_number)
        if token_size
        else 20
    )
    export = AudienceExport(
        stack,
        "Lookalikes",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.percentage(value),
    )
    properties = only_export_properties(template_of(stack))
    # One rule whatever the inputs: no Name in the template, so the stack name decides.
    assert common_fields.KEY_NAME not in properties
    assert not hasattr(export, "name")  # the name is read from export_name, once deployed
    assert stack.resolve(export.export_name) == {
        "Fn::GetAtt": [stack.get_logical_id(export.resource), common_fields.KEY_NAME]
    }


def test_given_name_is_kept() -> None:
    stack = new_stack()
    export = AudienceExport(
        stack,
        "E",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10),
        name="q4-lookalikes",
    )
    assert only_export_properties(template_of(stack))["Name"] == "q4-lookalikes"
    # A given name is read like a derived one: the deployed export's, from the resource.
    assert not hasattr(export, "name")
    assert stack.resolve(export.export_name) == {
        "Fn::GetAtt": [stack.get_logical_id(export.resource), common_fields.KEY_NAME]
    }


@pytest.mark.parametrize(
    ("timeout", "rendered"),
    [
        (None, None),
        (Duration.hours(1), None),
        (Duration.minutes(60), None),
        (Duration.minutes(59), "3540"),
    ],
)
def test_service_timeout_is_rendered_only_when_not_the_default(
    timeout: Duration | None, rendered: str | None
) -> None:
    stack = new_stack()
    AudienceExport(
        stack,
        "E",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10),
        timeout=timeout,
    )
    assert only_export_properties(template_of(stack)).get(common_fields.KEY_TIMEOUT) == rendered


def test_output_location_needs_the_resource_to_wait() -> None:
    stack = new_stack()
    export = AudienceExport(
        stack,
        "NoWait",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize.absolute(10),
        wait_for_completion=False,
    )
    with pytest.raises(ValidationError) as raised:
        _ = export.output_location
    assert raised.value.field == "output_location"
    assert "wait_for_completion=False" in raised.value.rule
    # The attributes that do not need the wait stay available.
    assert stack.resolve(export.status)["Fn::GetAtt"][1] == "Status"
