"""Shared helpers for the construct tests: stacks, templates and their dependency graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from cdk_cleanrooms_ml import RESOURCE_TYPE, AudienceExport
from tests.cfn_lint import assert_assembly_lint_clean, assert_lint_clean

ACCOUNT = "111122223333"
REGION = "us-east-1"
JOB_ARNS = tuple(
    f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/job-{letter}"
    for letter in "abc"
)
JOB_ARN = JOB_ARNS[0]
EXPORT_ACTIONS = {
    "cleanrooms-ml:StartAudienceExportJob",
    "cleanrooms-ml:ListAudienceExportJobs",
    "cleanrooms-ml:GetAudienceGenerationJob",
}


def child_env(**extra: str) -> dict[str, str]:
    """This environment for a child app or CLI: no PYTHONPATH, this venv's python3 first on PATH
    (cdk.json runs ``python3 app.py``, as the README sets it up)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run_app(
    argv: Sequence[str], *, cwd: Path, outdir: Path, context: Mapping[str, Any], **env: str
) -> None:
    """Run a CDK app as the CLI does (CDK_OUTDIR, CDK_CONTEXT_JSON); its templates must lint."""
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        env=child_env(CDK_OUTDIR=str(outdir), CDK_CONTEXT_JSON=json.dumps(context), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert_assembly_lint_clean(outdir)


def new_stack(outdir: Path | None = None, name: str = "TestStack") -> Stack:
    app = App(outdir=str(outdir)) if outdir is not None else App()
    return Stack(app, name)


def logical_id(export: AudienceExport) -> str:
    """The logical id of an export's custom resource."""
    return Stack.of(export).get_logical_id(export.resource)


def template_of(stack: Stack) -> dict[str, Any]:
    """The stack's template; every template a test looks at must be cfn-lint clean."""
    template = dict(Template.from_stack(stack).to_json())
    if template.get("Resources"):  # an empty stack is never deployed (CDK refuses to)
        assert_lint_clean(template, stack.node.path)
    return template


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == resource_type
    }


def export_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, RESOURCE_TYPE)


def only_export_properties(template: dict[str, Any]) -> dict[str, Any]:
    (resource,) = export_resources(template).values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def function_role_id(template: dict[str, Any]) -> str:
    """The logical id of the role the provider's one Lambda function runs as (the other role,
    the scheduler role, is Scheduler's)."""
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    role_id: str = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return role_id


def role_policy_documents(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """The identity policies of one role: its inline Policies and the policy resources on it."""
    role = template["Resources"][role_id]
    documents = [policy["PolicyDocument"] for policy in role["Properties"].get("Policies", [])]
    documents += [
        policy["Properties"]["PolicyDocument"]
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    ]
    return documents


def iam_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every identity policy: role inline policies and policy resources."""
    statements: list[dict[str, Any]] = []
    for role in resources_of_type(template, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            statements.extend(policy["PolicyDocument"]["Statement"])
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def passes_to_scheduler(statement: dict[str, Any]) -> bool:
    """The provider's ``iam:PassRole`` of its scheduler role (test_provider_scheduling.py),
    which every provider has beside the seed roles it may pass to Clean Rooms ML."""
    return statement.get("Condition") == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _references(node: Any) -> Iterator[str]:
    """Logical ids a template fragment refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                yield target
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for part in str(text).split("${")[1:]:
                    yield part.split("}")[0].split(".")[0]
                if isinstance(value, list):
                    yield from _references(value[1])
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    resources = template["Resources"]
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        edges = {ref for ref in _references(resource.get("Properties", {})) if ref in resources}
        edges.update(as_list(resource.get("DependsOn", [])))
        graph[logical_id] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A dependency cycle, as CloudFormation would reject it, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None
