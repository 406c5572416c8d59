"""The provider's IAM and invoke settings: within IAM's size limit, no Lambda retries."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Fn, Stack, Validations
from aws_cdk.assertions import Annotations, Match

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    job_grants,
)
from cdk_cleanrooms_ml.job_grants import JobScope
from cdk_cleanrooms_ml.provider_export_jobs import POLICY_SIZE_WARNING
from tests.constructs.support import (
    ACCOUNT,
    EXPORT_ACTIONS,
    JOB_ARNS,
    REGION,
    as_list,
    function_role_id,
    resources_of_type,
    role_policy_documents,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations

ENV = Environment(account=ACCOUNT, region=REGION)
OTHER_ACCOUNT = "444455556666"
OTHER_REGION = "eu-west-1"
# Real job ids are UUIDs: 100 such ARNs are the 11,000-character policy IAM refuses.
JOB_COUNT = 100
# What an unresolved value renders to, at most, in this estimate's view (an ARN of a log group
# or function named by CloudFormation).
RENDERED_TOKEN = "x" * job_grants.TOKEN_CHARS


def job_arn(index: int, *, account: str = ACCOUNT, region: str = REGION) -> str:
    return (
        f"arn:aws:cleanrooms-ml:{region}:{account}:audience-generation-job/{uuid.UUID(int=index)}"
    )


def env_stack(app: App | None = None, name: str = "Campaigns") -> Stack:
    return Stack(app or App(), name, env=ENV)


def add_exports(stack: Stack, job_arns: list[str]) -> None:
    for index, arn in enumerate(job_arns):
        AudienceExport(
            stack,
            f"Export{index}",
            audience_generation_job_arn=arn,
            audience_size=AudienceSize.percentage(10),
            name=f"export-{index}",
        )


def export_resources_of(template: dict[str, Any]) -> list[Any]:
    (resource,) = [
        s["Resource"]
        for s in _all_statements(template)
        if set(as_list(s["Action"])) == EXPORT_ACTIONS
    ]
    return as_list(resource)


def _all_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for document in _inline_documents(template) for s in document["Statement"]]


def _inline_documents(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The function role's inline policies: its Policies and the AWS::IAM::Policy resources on
    it (not the scheduler role's)."""
    return role_policy_documents(template, function_role_id(template))


def _deployed(node: Any) -> Any:
    """A template fragment as IAM would see it: intrinsics become long literal strings."""
    if isinstance(node, dict):
        if len(node) == 1 and (next(iter(node)) == "Ref" or next(iter(node)).startswith("Fn::")):
            return RENDERED_TOKEN
        return {key: _deployed(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_deployed(item) for item in node]
    return node


def inline_policy_chars(template: dict[str, Any]) -> int:
    """The characters IAM counts against the role's 10,240 (whitespace not counted)."""
    return sum(
        len(json.dumps(_deployed(document), separators=(",", ":")))
        for document in _inline_documents(template)
    )


def size_warnings(stack: Stack) -> list[Any]:
    return list(
        Annotations.from_stack(stack).find_warning(
            "*", Match.string_like_regexp("over IAM's 10240-character limit")
        )
    )


# --- Lambda's asynchronous retries ------------------------------------------------------------


def test_lambda_does_not_retry_the_handler() -> None:
    stack = env_stack()
    add_exports(stack, list(JOB_ARNS))
    template = template_of(stack)
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    [config] = resources_of_type(template, "AWS::Lambda::EventInvokeConfig").values()
    assert config["Properties"] == {
        "FunctionName": {"Ref": function_id},
        "MaximumRetryAttempts": 0,
        "Qualifier": "$LATEST",
    }


# --- IAM's inline policy size ------------------------------------------------------------------


def test_a_few_jobs_are_named_exactly_without_a_warning() -> None:
    stack = env_stack()
    add_exports(stack, list(JOB_ARNS))
    template = template_of(stack)
    assert export_resources_of(template) == list(JOB_ARNS)
    assert size_warnings(stack) == []


def test_a_hundred_jobs_become_one_account_pattern_with_a_warning() -> None:
    arns = [job_arn(index) for index in range(JOB_COUNT)]
    # The control: named exactly, these jobs alone are over the limit.
    assert sum(len(arn) + 3 for arn in arns) > job_grants.ROLE_INLINE_POLICIES_MAX
    stack = env_stack()
    add_exports(stack, arns)
    template = template_of(stack)

    wildcard = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*"
    assert export_resources_of(template) == [wildcard]
    assert inline_policy_chars(template) < job_grants.ROLE_INLINE_POLICIES_MAX
    [warning] = size_warnings(stack)
    assert warning.id == "/Campaigns/CleanRoomsMlAudienceExportProvider"
    text = str(warning.entry.data)
    assert f"The {JOB_COUNT} generation job ARNs granted to this provider" in text
    assert f"instead: {wildcard}." in text
    assert POLICY_SIZE_WARNING in text


def test_just_under_the_limit_stays_exact() -> None:
    provider = CleanRoomsMlProvider(env_stack(), "Provider")
    fixed = provider.grants.fixed_chars()
    count = 0
    while fixed + sum(len(job_arn(i)) + 3 for i in range(count + 1)) <= (
        job_grants.ROLE_INLINE_POLICIES_MAX
    ):
        count += 1
    for index in range(count):
        provider.grant_audience_export(job_arn(index))
    exact = provider.job_resources()
    assert exact.wildcards == []
    assert len(exact.resources) == count
    provider.grant_audience_export(job_arn(count))  # one more, decided again
    assert provider.job_resources().wildcards != []


def test_the_fallback_keeps_accounts_and_regions_apart() -> None:
    arns = [job_arn(i) for i in range(60)]
    arns += [job_arn(i, account=OTHER_ACCOUNT, region=OTHER_REGION) for i in range(60)]
    stack = env_stack()
    add_exports(stack, arns)
    template = template_of(stack)
    assert export_resources_of(template) == [
        f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*",
        f"arn:aws:cleanrooms-ml:{OTHER_REGION}:{OTHER_ACCOUNT}:audience-generation-job/*",
    ]
    [warning] = size_warnings(stack)
    assert OTHER_ACCOUNT in str(warning.entry.data)


def test_the_fallback_keeps_token_jobs_exact() -> None:
    stack = env_stack()
    imported = Fn.import_value("TeamJobArn")
    add_exports(stack, [imported] + [job_arn(i) for i in range(JOB_COUNT)])
    template = template_of(stack)
    assert export_resources_of(template) == [
        {"Fn::ImportValue": "TeamJobArn"},
        f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*",
    ]
    assert inline_policy_chars(template) < job_grants.ROLE_INLINE_POLICIES_MAX


def test_too_many_token_jobs_fail_the_synth_with_the_reason() -> None:
    app = App()
    stack = env_stack(app)
    tokens = [
        CfnParameter(stack, f"Job{index}", type="String").value_as_string for index in range(45)
    ]
    add_exports(stack, tokens)
    with pytest.raises(RuntimeError, match=r"over IAM's 10240-character limit, even with one"):
        app.synth()


def test_the_decision_sees_exports_added_after_the_provider() -> None:
    stack = env_stack()
    provider = CleanRoomsMlProvider.of(stack)
    add_exports(stack, list(JOB_ARNS))
    assert provider.job_resources().resources == list(JOB_ARNS)
    for index, arn in enumerate(job_arn(i) for i in range(JOB_COUNT)):
        AudienceExport(
            stack,
            f"Late{index}",
            audience_generation_job_arn=arn,
            audience_size=AudienceSize.absolute(1000),
        )
    template = template_of(stack)
    assert export_resources_of(template) == [
        f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*"
    ]


def test_the_fallback_is_acknowledged_for_cdk_nag(tmp_path: Path) -> None:
    app = nag_app(tmp_path)
    stack = env_stack(app)
    add_exports(stack, [job_arn(i) for i in range(JOB_COUNT)])
    app.synth()  # raises ValidationFailed on an unacknowledged finding
    assert violations(tmp_path) == []


def test_cdk_nag_sees_an_unacknowledged_job_wildcard(tmp_path: Path) -> None:
    # The control of the test above: cdk-nag reads the resources decided at synth.
    app = nag_app(tmp_path)
    stack = env_stack(app)
    provider = CleanRoomsMlProvider.of(stack)
    # A token passes the ARN check; it renders as the wildcard ARN it joins.
    job_prefix = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/"
    provider.grant_audience_export(Fn.join("", [job_prefix, "a-*"]))
    with pytest.raises(RuntimeError, match="AwsSolutions-IAM5"):
        app.synth()


# --- the estimate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "job", "covered"),
    [
        (JobScope("aws", REGION, ACCOUNT, "*"), JobScope("aws", REGION, ACCOUNT, "j"), True),
        (
            JobScope("aws", REGION, ACCOUNT, "team-*"),
            JobScope("aws", REGION, ACCOUNT, "team-1"),
            True,
        ),
        (
            JobScope("aws", REGION, ACCOUNT, "team-*"),
            JobScope("aws", REGION, ACCOUNT, "ops-1"),
            False,
        ),
        (
            JobScope("aws", REGION, ACCOUNT, "team-?"),
            JobScope("aws", REGION, ACCOUNT, "team-*"),
            False,
        ),
        (JobScope("aws", REGION, ACCOUNT, "*"), JobScope("aws", REGION, OTHER_ACCOUNT, "j"), False),
        (JobScope("aws", REGION, ACCOUNT, "*"), JobScope("aws", OTHER_REGION, ACCOUNT, "j"), False),
        (JobScope("aws", REGION, ACCOUNT, "*"), JobScope("aws-cn", REGION, ACCOUNT, "j"), False),
        # A part known only at deploy time: not surely covered.
        (JobScope(None, REGION, ACCOUNT, "*"), JobScope("aws", REGION, ACCOUNT, "j"), False),
        (JobScope("aws", REGION, None, "*"), JobScope("aws", REGION, ACCOUNT, "j"), False),
    ],
)
def test_surely_covers(pattern: JobScope, job: JobScope, covered: bool) -> None:
    assert pattern.surely_covers(job) is covered


def test_tokens_count_as_their_conservative_size() -> None:
    token = "${Token[TOKEN.42]}"
    assert job_grants.rendered_chars(token) == job_grants.TOKEN_CHARS + 2
    assert job_grants.rendered_chars(f"arn:{token}:x") == job_grants.TOKEN_CHARS + 8
    assert job_grants.rendered_chars("abc") == 5


# --- allowed_job_arns and cdk-nag ----------------------------------------------------------------


def test_allowed_job_arn_wildcards_are_acknowledged_one_by_one(tmp_path: Path) -> None:
    team = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/team-a-*"
    one = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/q4"
    app = nag_app(tmp_path)
    stack = CleanRoomsMlProviderStack(app, env=ENV, allowed_job_arns=[team, one])
    app.synth()  # raises ValidationFailed on an unacknowledged finding
    assert violations(tmp_path) == []
    metadata = json.loads((tmp_path / f"{stack.stack_name}.metadata.json").read_text())
    acknowledged = [
        rule
        for path, entries in metadata.items()
        if path.endswith("/Provider/Role")  # the export grants (generation jobs: test_nag.py)
        for entry in entries
        if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule in entry["data"]
    ]
    # Only the pattern with a wildcard; never the account-wide one.
    assert acknowledged == [f"AwsSolutions::AwsSolutions-IAM5[Resource::{team}]"]
