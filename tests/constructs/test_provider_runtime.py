"""The provider's runtime and its log group's removal policy: each an option with a checked
default, refused before anything joins the construct tree when it is not allowed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_lambda as lambda_

from cdk_cleanrooms_ml import CleanRoomsMlProvider, CleanRoomsMlProviderStack, ValidationError
from cdk_cleanrooms_ml.provider_app import build as build_provider_app
from cdk_cleanrooms_ml.runtimes import (
    PYTHON_VERSIONS,
    RUNTIME_NAMES,
    constant_name,
    runtime_name,
)
from tests.constructs.support import new_stack, resources_of_type, template_of
from tests.constructs.test_nag import nag_app, violations

ALLOWED = ", ".join(RUNTIME_NAMES)


def provider_template(**options: Any) -> dict[str, Any]:
    stack = new_stack()
    CleanRoomsMlProvider(stack, "Provider", **options)
    return template_of(stack)


def runtime_of(template: dict[str, Any]) -> str:
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    runtime: str = function["Properties"]["Runtime"]
    return runtime


def log_group_of(template: dict[str, Any]) -> dict[str, Any]:
    [group] = resources_of_type(template, "AWS::Logs::LogGroup").values()
    return group


def _deprecated_by_cdk(constant: str) -> bool:
    """Whether the installed aws-cdk-lib marks ``lambda_.Runtime.<constant>`` deprecated."""
    getter = vars(lambda_.Runtime)[constant].fget
    return ":deprecated:" in (getter.__func__.__doc__ or "")


def _deprecated_by_lambda(runtime: str) -> bool:
    """Whether Lambda's schedule, as the installed cfn-lint knows it, has deprecated ``runtime``
    by today (cfn-lint's W2531 warns from that day on)."""
    text = resources.files("cfnlint.data.AdditionalSpecs").joinpath("LmbdRuntimeLifecycle.json")
    lifecycle: dict[str, dict[str, str]] = json.loads(text.read_text())
    deprecated = lifecycle.get(runtime, {}).get("deprecated")
    return deprecated is not None and deprecated <= datetime.now(UTC).date().isoformat()


# --- the allowed set ---------------------------------------------------------------------------


def test_the_allowed_runtimes_are_the_python_runtimes_neither_cdk_nor_lambda_deprecates() -> None:
    """Fails when aws-cdk-lib adds a Python runtime or Lambda deprecates one: update
    ``runtimes.PYTHON_VERSIONS`` (see its comment)."""
    versions = sorted(
        (int(name.split("_")[1]), int(name.split("_")[2]))
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_") and not _deprecated_by_cdk(name)
    )
    supported = [v for v in versions if not _deprecated_by_lambda(runtime_name(v))]
    assert tuple(supported) == PYTHON_VERSIONS
    for version in PYTHON_VERSIONS:
        assert getattr(lambda_.Runtime, constant_name(version)).name == runtime_name(version)


# --- runtime -----------------------------------------------------------------------------------


def test_the_default_runtime_is_the_newest() -> None:
    assert runtime_of(provider_template()) == lambda_.Runtime.PYTHON_3_14.name == RUNTIME_NAMES[-1]


@pytest.mark.parametrize("version", PYTHON_VERSIONS, ids=RUNTIME_NAMES)
def test_each_allowed_runtime_reaches_the_function_and_nothing_else_changes(
    version: tuple[int, int],
) -> None:
    chosen = provider_template(runtime=getattr(lambda_.Runtime, constant_name(version)))
    assert runtime_of(chosen) == runtime_name(version)
    default = provider_template()
    for template in (chosen, default):
        [function] = resources_of_type(template, "AWS::Lambda::Function").values()
        function["Properties"].pop("Runtime")
    assert chosen == default


def test_a_runtime_of_the_same_name_is_allowed() -> None:
    # Every Runtime made joins Runtime.ALL for the whole Node.js process, where cdk-nag's
    # AwsSolutions-L1 looks for the newest: a test must never make a newer one than PYTHON_3_14.
    runtime = lambda_.Runtime("python3.12", lambda_.RuntimeFamily.PYTHON)
    assert runtime_of(provider_template(runtime=runtime)) == "python3.12"


@pytest.mark.parametrize(
    ("runtime", "shown"),
    [
        (lambda_.Runtime.PYTHON_3_10, "python3.10"),
        (lambda_.Runtime.PYTHON_3_9, "python3.9"),
        (lambda_.Runtime.NODEJS_22_X, "nodejs22.x"),
        ("python3.12", "must be a lambda_.Runtime"),
    ],
    ids=["deprecated-by-lambda", "deprecated-by-cdk", "not-python", "a-name"],
)
def test_a_runtime_outside_the_set_is_refused_before_the_provider_exists(
    runtime: Any, shown: str
) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=rf"^runtime: {shown}") as raised:
        CleanRoomsMlProvider(stack, "Provider", runtime=runtime)
    assert raised.value.field == "runtime"
    assert raised.value.rule.endswith(f"deprecates: {ALLOWED}")
    assert stack.node.children == []


def test_cdk_nag_flags_an_older_runtime_for_its_user_to_acknowledge(tmp_path: Path) -> None:
    """AwsSolutions-L1 wants the newest runtime: the default passes; an older one chosen on
    purpose is the user's to acknowledge (``Validations.of(provider.function)``)."""
    app = nag_app(tmp_path)
    stack = Stack(app, "Older")
    CleanRoomsMlProvider(stack, "Provider", runtime=lambda_.Runtime.PYTHON_3_13)
    with pytest.raises(RuntimeError, match="AwsSolutions-L1"):
        app.synth()
    app = nag_app(tmp_path / "acknowledged")
    stack = Stack(app, "Older")
    provider = CleanRoomsMlProvider(stack, "Provider", runtime=lambda_.Runtime.PYTHON_3_13)
    Validations.of(provider.function).acknowledge(
        Acknowledgment(id="AwsSolutions::AwsSolutions-L1", reason="python3.13 until 3.14 is tested")
    )
    app.synth()
    assert violations(tmp_path / "acknowledged") == []


# --- log removal policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "deletion", "update_replace"),
    [
        (RemovalPolicy.RETAIN, "Retain", "Retain"),
        (RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, "RetainExceptOnCreate", "Retain"),
        (RemovalPolicy.DESTROY, "Delete", "Delete"),
    ],
)
def test_the_log_removal_policy_reaches_the_log_group(
    policy: RemovalPolicy, deletion: str, update_replace: str
) -> None:
    group = log_group_of(provider_template(log_removal_policy=policy))
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (deletion, update_replace)


@pytest.mark.parametrize(
    ("policy", "shown"),
    [(RemovalPolicy.SNAPSHOT, "RemovalPolicy.SNAPSHOT"), ("DESTROY", "'DESTROY'")],
)
def test_a_log_removal_policy_outside_the_set_is_refused_before_the_provider_exists(
    policy: Any, shown: str
) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=rf"^log_removal_policy: {shown} is not one of"):
        CleanRoomsMlProvider(stack, "Provider", log_removal_policy=policy)
    assert stack.node.children == []


# --- the defaults ------------------------------------------------------------------------------


def test_the_default_template_is_the_one_with_the_defaults_spelt_out() -> None:
    default = provider_template()
    spelt_out = provider_template(
        runtime=lambda_.Runtime.PYTHON_3_14, log_removal_policy=RemovalPolicy.RETAIN
    )
    assert default == spelt_out
    group = log_group_of(default)
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Retain", "Retain")


# --- the provider stack and the ready app ------------------------------------------------------


def test_the_provider_stack_takes_both_options_and_refuses_bad_ones_before_it_exists() -> None:
    app = App()
    stack = CleanRoomsMlProviderStack(
        app,
        "Shared",
        runtime=lambda_.Runtime.PYTHON_3_12,
        log_removal_policy=RemovalPolicy.DESTROY,
    )
    template = template_of(stack)
    assert runtime_of(template) == "python3.12"
    assert log_group_of(template)["DeletionPolicy"] == "Delete"
    other = App()
    with pytest.raises(ValidationError, match=r"^runtime: python3\.9 is not"):
        CleanRoomsMlProviderStack(other, "Shared", runtime=lambda_.Runtime.PYTHON_3_9)
    assert other.node.children == []


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"runtime": " Python3.12 "}, "python3.12"),
        ({"runtime": ""}, RUNTIME_NAMES[-1]),
        ({}, RUNTIME_NAMES[-1]),
    ],
    ids=["given", "empty", "absent"],
)
def test_the_ready_app_reads_the_runtime_from_context(
    context: dict[str, Any], expected: str
) -> None:
    stack = build_provider_app(App(context=context))
    assert runtime_of(template_of(stack)) == expected


@pytest.mark.parametrize("value", ["python3.10", "3.12", ["python3.12"]])
def test_the_ready_app_refuses_a_bad_runtime_before_the_stack_exists(value: Any) -> None:
    app = App(context={"runtime": value})
    with pytest.raises(ValidationError, match=rf"^runtime: .* is not one of .*: {ALLOWED}$"):
        build_provider_app(app)
    assert app.node.children == []
