"""cdk-nag's AwsSolutions pack on the example app: no findings, and nothing acknowledged but
the provider's narrowest wildcards.

The provider meets the rules rather than suppressing them: its own log group (no
AWSLambdaBasicExecutionRole), inline policies only, no ``*`` resources, the newest runtime.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

import app as example
from cdk_cleanrooms_ml import CleanRoomsMlProviderStack

ENV = {"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "us-east-1"}


def nag_app(outdir: Path, context: dict[str, Any] | None = None) -> App:
    app = App(outdir=str(outdir), context=context)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def violations(outdir: Path) -> list[str]:
    """Every violation in the synthesized validation report, as ``rule at construct path``."""
    report = json.loads((outdir / "validation-report.json").read_text())
    return [
        f"{violation['ruleName']} ({violation['severity']}) at {construct['constructPath']}"
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


@pytest.mark.parametrize("provider", ["own", "shared"])
def test_example_app_passes_aws_solutions_checks(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    app = nag_app(tmp_path, {"provider": provider})
    example.build(app)
    app.synth()  # raises ValidationFailed on any error-level finding
    assert violations(tmp_path) == []
    stacks = {Path(p).name for p in tmp_path.glob("*.template.json")}
    expected = {"AudienceExportExample.template.json"}
    if provider == "shared":
        expected.add("CleanRoomsMlAudienceExportProvider.template.json")
    assert stacks == expected


@pytest.mark.parametrize(
    ("env", "scope"),
    [
        (None, "<AWS::Region>:<AWS::AccountId>"),
        (Environment(account="444455556666", region="eu-west-1"), "eu-west-1:444455556666"),
    ],
    ids=["agnostic", "env"],
)
def test_provider_stack_acknowledges_only_its_account_scoped_wildcard(
    env: Environment | None, scope: str, tmp_path: Path
) -> None:
    app = nag_app(tmp_path)
    stack = CleanRoomsMlProviderStack(app, env=env)
    app.synth()
    assert violations(tmp_path) == []
    metadata = json.loads((tmp_path / f"{stack.stack_name}.metadata.json").read_text())
    acknowledged: dict[str, dict[str, str]] = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                acknowledged.setdefault(path, {}).update(entry["data"])
    rules = acknowledged.pop(f"/{stack.stack_name}/Provider/Role")
    [(rule, reason)] = rules.items()
    assert rule == (
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cleanrooms-ml:"
        f"{scope}:audience-generation-job/*]"
    )
    assert "cannot name their generation jobs" in reason
    # Its next polls: the schedules of its own group (test_provider_scheduling.py).
    [schedules] = acknowledged.pop(f"/{stack.stack_name}/Provider/SelfInvokePolicy")
    assert schedules.startswith(
        f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:{scope}:"
        "schedule/<ProviderScheduleGroup"
    )
    # Generation jobs: one policy of their own, each account-scoped wildcard acknowledged.
    [(path, job_rules)] = acknowledged.items()
    assert path == f"/{stack.stack_name}/Provider/GenerationJobsPolicy"
    account = "<AWS::AccountId>" if env is None else env.account
    assert sorted(job_rules) == sorted(
        f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:{resource}]"
        for resource in (
            f"cleanrooms-ml:{scope}:audience-generation-job/*",
            f"cleanrooms-ml:{scope}:configured-audience-model/*",
            f"iam::{account}:role/*",
        )
    )


def test_the_checks_do_find_what_the_provider_avoids(tmp_path: Path) -> None:
    # The control: the same set-up reports the managed policy a default lambda.Function gets.
    app = nag_app(tmp_path)
    role = iam.Role(
        Stack(app, "Control"), "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
    )
    role.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicExecutionRole")
    )
    with pytest.raises(RuntimeError, match="AwsSolutions-IAM4"):
        app.synth()
    assert any(v.startswith("AwsSolutions-IAM4") for v in violations(tmp_path))
