"""What a generation job grants the provider's role: exactly enough, never ``*``, no cycle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    SeedAudience,
    ValidationError,
)
from cdk_cleanrooms_ml.provider_interface import (
    GENERATION_JOB_ACTIONS,
    GENERATION_JOB_MODEL_ACTIONS,
    GENERATION_JOB_TAGGING_ACTIONS,
)
from tests.cfn_lint import findings
from tests.constructs.generation_support import (
    ACCOUNT_JOBS,
    MODEL_ARN,
    OTHER_MODEL_ARN,
    SEED_ROLE_ARN,
    SEED_URI,
    job_stack,
    only_job,
    policy_resource,
    s3_job,
)
from tests.constructs.support import (
    ACCOUNT,
    REGION,
    as_list,
    dependency_graph,
    find_cycle,
    function_role_id,
    iam_statements,
    passes_to_scheduler,
    resources_of_type,
    template_of,
)
from tests.constructs.test_nag import nag_app, violations

OTHER_SEED_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/other-seed"
IAM5 = "AwsSolutions::AwsSolutions-IAM5"


def job_and_export(stack: Stack) -> iam.Role:
    """A job whose seed role is declared in the stack, and an export of it."""
    role = iam.Role(
        stack, "SeedRole", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com")
    )
    job = s3_job(stack, seed_audience=SeedAudience.from_s3(SEED_URI, role=role))
    job.export("Top", audience_size=AudienceSize.percentage(20))
    return role


def statements_with(template: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The statements with ``action``, but the provider's PassRole of its scheduler role."""
    return [
        s
        for s in iam_statements(template)
        if action in as_list(s["Action"]) and not passes_to_scheduler(s)
    ]


@pytest.fixture(scope="module")
def synthesized() -> tuple[Stack, iam.Role, dict[str, Any]]:
    stack = job_stack()
    role = job_and_export(stack)
    return stack, role, template_of(stack)


def test_pass_role_only_on_the_seed_role_and_only_to_clean_rooms_ml(synthesized: Any) -> None:
    stack, role, template = synthesized
    [statement] = statements_with(template, "iam:PassRole")
    assert statement == {
        "Action": "iam:PassRole",
        "Effect": "Allow",
        "Resource": stack.resolve(role.role_arn),
        "Condition": {"StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}},
    }


def test_start_on_the_model_and_the_accounts_jobs_list_on_the_model_only(
    synthesized: Any,
) -> None:
    _, _, template = synthesized
    starts = statements_with(template, "cleanrooms-ml:StartAudienceGenerationJob")
    assert sorted(json.dumps(s["Resource"], sort_keys=True) for s in starts) == sorted(
        json.dumps(r, sort_keys=True) for r in (MODEL_ARN, ACCOUNT_JOBS)
    )
    [listing] = statements_with(template, "cleanrooms-ml:ListAudienceGenerationJobs")
    assert listing["Resource"] == MODEL_ARN
    assert set(as_list(listing["Action"])) == set(GENERATION_JOB_MODEL_ACTIONS)
    [jobs] = [s for s in starts if s["Resource"] == ACCOUNT_JOBS]
    assert set(as_list(jobs["Action"])) == {
        *GENERATION_JOB_ACTIONS,
        *GENERATION_JOB_TAGGING_ACTIONS,
    }


def test_no_statement_allows_everything(synthesized: Any) -> None:
    _, _, template = synthesized
    statements = iam_statements(template)
    assert len(statements) >= 6  # logs, self-invoke, 3 for jobs, 1 for the export
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert not (isinstance(resource, str) and resource.endswith(":*"))
        assert "*" not in as_list(statement["Action"])
        for action in as_list(statement["Action"]):
            assert "*" not in action


def test_the_roles_own_policy_never_names_the_job(synthesized: Any) -> None:
    _, _, template = synthesized
    job_id, _ = only_job(template)
    role = template["Resources"][function_role_id(template)]
    assert job_id not in json.dumps(role)
    policy_id, _ = policy_resource(template, "GenerationJobsPolicy")
    assert job_id not in json.dumps(template["Resources"][policy_id])


def test_no_dependency_cycle_and_cfn_lint_clean(synthesized: Any) -> None:
    _, _, template = synthesized  # template_of linted it
    assert find_cycle(dependency_graph(template)) is None
    assert findings(json.dumps(template)) == []


def test_the_trap_the_separate_policy_avoids_is_a_cycle() -> None:
    # The control: the job's ARN in a policy the function waits for (here the role's default
    # policy, as a naive grant would put it) is the cycle cfn-lint rejects.
    app = App()
    stack = job_stack(app)
    job = s3_job(stack)
    CleanRoomsMlProvider.of(stack).role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["cleanrooms-ml:StartAudienceExportJob"], resources=[job.job_arn]
        )
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template
    with pytest.raises(RuntimeError, match="dependency cycle"):
        Template.from_stack(stack)
    assert find_cycle(dependency_graph(template)) is not None
    assert any(finding.startswith("E3004") for finding in findings(json.dumps(template)))


def test_models_and_seed_roles_are_each_named_once() -> None:
    stack = job_stack()
    s3_job(stack, "A")
    s3_job(stack, "B", description="same model and role")
    s3_job(
        stack,
        "C",
        configured_audience_model_arn=OTHER_MODEL_ARN,
        seed_audience=SeedAudience.from_s3(SEED_URI, role=OTHER_SEED_ROLE_ARN),
    )
    template = template_of(stack)
    [listing] = statements_with(template, "cleanrooms-ml:ListAudienceGenerationJobs")
    assert listing["Resource"] == [MODEL_ARN, OTHER_MODEL_ARN]
    [pass_role] = statements_with(template, "iam:PassRole")
    assert pass_role["Resource"] == [SEED_ROLE_ARN, OTHER_SEED_ROLE_ARN]
    # Self-invoke (with scheduling), Scheduler's invoke, jobs.
    assert len(resources_of_type(template, "AWS::IAM::Policy")) == 3


def test_the_generation_policy_counts_towards_the_roles_size_limit() -> None:
    job_arn = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/j"

    def estimate(with_job: bool) -> int:
        stack = job_stack()
        AudienceExport(
            stack, "E", audience_generation_job_arn=job_arn, audience_size=AudienceSize.absolute(9)
        )
        if with_job:
            s3_job(stack)
        return CleanRoomsMlProvider.of(stack).job_resources().estimated_chars

    assert estimate(True) > estimate(False) + 300


def test_grants_say_what_they_allowed() -> None:
    stack = job_stack()
    provider = CleanRoomsMlProvider(stack, "Own")
    grant = provider.grant_audience_generation_job(
        configured_audience_model_arn=MODEL_ARN, seed_role_arn=SEED_ROLE_ARN, tagging=False
    )
    assert grant.success
    grant.assert_success()
    assert grant.resource_arns[0] == MODEL_ARN
    assert grant.resource_arns[2] == SEED_ROLE_ARN
    assert "iam:PassRole" in grant.actions
    assert "cleanrooms-ml:TagResource" not in grant.actions
    [policy] = grant.depends_on
    assert policy.node.path == "TestStack/Own/GenerationJobsPolicy"
    [jobs] = statements_with(template_of(stack), "cleanrooms-ml:DeleteAudienceGenerationJob")
    assert "cleanrooms-ml:TagResource" not in as_list(jobs["Action"])


# --- cdk-nag ---------------------------------------------------------------------------------


def acknowledgments(outdir: Path, stack: Stack) -> dict[str, dict[str, str]]:
    metadata = json.loads((outdir / f"{stack.stack_name}.metadata.json").read_text())
    found: dict[str, dict[str, str]] = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found.setdefault(path, {}).update(entry["data"])
    return found


def test_cdk_nag_clean_with_only_the_account_jobs_acknowledged(tmp_path: Path) -> None:
    app = nag_app(tmp_path)
    stack = job_stack(app)
    job_and_export(stack)
    app.synth()  # raises ValidationFailed on an unacknowledged finding
    assert violations(tmp_path) == []
    found = acknowledgments(tmp_path, stack)
    # The schedules of the provider's own group (test_provider_scheduling.py).
    provider_path = f"/{stack.stack_name}/CleanRoomsMlAudienceExportProvider"
    [schedules] = found.pop(f"{provider_path}/SelfInvokePolicy")
    assert ":scheduler:" in schedules
    [(path, rules)] = found.items()
    assert path.endswith("/CleanRoomsMlAudienceExportProvider/GenerationJobsPolicy")
    [(rule, reason)] = rules.items()
    assert rule == (
        f"{IAM5}[Resource::arn:<AWS::Partition>:cleanrooms-ml:{REGION}:{ACCOUNT}"
        ":audience-generation-job/*]"
    )
    assert "id the service picks" in reason


# --- the provider stack ----------------------------------------------------------------------

ENV = Environment(account=ACCOUNT, region=REGION)


def test_provider_stack_serves_the_accounts_models_jobs_and_roles() -> None:
    template = template_of(CleanRoomsMlProviderStack(App(), env=ENV))
    [listing] = statements_with(template, "cleanrooms-ml:ListAudienceGenerationJobs")
    rendered = json.dumps(listing["Resource"])
    assert f":cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/*" in rendered
    assert f":cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/*" in rendered
    [pass_role] = statements_with(template, "iam:PassRole")
    assert f":iam::{ACCOUNT}:role/*" in json.dumps(pass_role["Resource"])
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}
    }
    for statement in iam_statements(template):
        assert "*" not in as_list(statement["Resource"])


def test_allowed_seed_role_arns_narrow_pass_role(tmp_path: Path) -> None:
    team = f"arn:aws:iam::{ACCOUNT}:role/team-a-*"
    app = nag_app(tmp_path)
    stack = CleanRoomsMlProviderStack(
        app, env=ENV, allowed_seed_role_arns=[team, SEED_ROLE_ARN, SEED_ROLE_ARN]
    )
    assert stack.allowed_seed_role_arns == [team, SEED_ROLE_ARN]
    [pass_role] = statements_with(template_of(stack), "iam:PassRole")
    assert pass_role["Resource"] == [team, SEED_ROLE_ARN]
    app.synth()
    assert violations(tmp_path) == []
    rules = acknowledgments(tmp_path, stack)[f"/{stack.stack_name}/Provider/GenerationJobsPolicy"]
    assert f"{IAM5}[Resource::{team}]" in rules
    assert f"{IAM5}[Resource::{SEED_ROLE_ARN}]" not in rules
    assert not any(":role/*]" in rule for rule in rules)


@pytest.mark.parametrize(
    ("roles", "rule"),
    [
        (SEED_ROLE_ARN, r"^allowed_seed_role_arns: must be a list of IAM role ARNs"),
        ([], r"^allowed_seed_role_arns: must name at least one role"),
        (["*"], r"^allowed_seed_role_arns\[0\]: '\*' is not an IAM role ARN pattern"),
        (
            [SEED_ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:user/seed"],
            r"^allowed_seed_role_arns\[1\]: .* is not an IAM role ARN pattern",
        ),
        ([3], r"^allowed_seed_role_arns\[0\]: must be a string, not int"),
        (
            [SEED_ROLE_ARN.replace("arn:aws:", "arn:aws-cn:")],
            r"^allowed_seed_role_arns\[0\]: partition 'aws-cn', but the provider is deployed in",
        ),
    ],
)
def test_bad_allowed_seed_role_arns_are_refused_before_the_stack_exists(
    roles: Any, rule: str
) -> None:
    app = App()
    with pytest.raises(ValidationError, match=rule):
        CleanRoomsMlProviderStack(app, env=ENV, allowed_seed_role_arns=roles)
    assert app.node.children == []
