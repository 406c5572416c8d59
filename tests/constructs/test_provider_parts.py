"""The provider in two parts: the construct (function, role, logs, self-invoke) and its grants;
and the descriptions that name every resource type it serves."""

from __future__ import annotations

from aws_cdk import App, Stack

from cdk_cleanrooms_ml import CleanRoomsMlProvider, ProviderGrants
from cdk_cleanrooms_ml.resource_types import (
    FUNCTION_DESCRIPTION_MAX,
    GENERATION_JOB_RESOURCE_TYPE,
    RESOURCE_TYPE,
    SERVED,
)
from tests.constructs.support import JOB_ARN, resources_of_type, template_of


def test_the_role_and_function_describe_every_resource_type_served() -> None:
    stack = Stack(App(), "S")
    CleanRoomsMlProvider(stack, "Provider")
    template = template_of(stack)
    roles = resources_of_type(template, "AWS::IAM::Role")
    # The function's own role (the other one is Scheduler's).
    [role] = [role for logical_id, role in roles.items() if logical_id.startswith("ProviderRole")]
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    assert {RESOURCE_TYPE, GENERATION_JOB_RESOURCE_TYPE} <= set(SERVED)
    for resource_type, words in SERVED.items():
        assert resource_type in role["Properties"]["Description"]
        assert words in function["Properties"]["Description"]
    assert len(function["Properties"]["Description"]) <= FUNCTION_DESCRIPTION_MAX


def test_the_grants_are_the_providers_and_its_methods_delegate_to_them() -> None:
    stack = Stack(App(), "S")
    provider = CleanRoomsMlProvider(stack, "Provider")
    assert isinstance(provider.grants, ProviderGrants)
    assert provider.grants.role is provider.role
    grant = provider.grant_audience_export(JOB_ARN)
    assert grant == provider.grants.audience_export(JOB_ARN)
    assert provider.job_resources() is provider.grants.job_resources()
    assert provider.job_resources().resources == [JOB_ARN]
