"""The shared provider stack's model-owner allow-lists: what its role may do for audience
models, configured models, their policies and associations, and the rules on the lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_cleanrooms_ml import CleanRoomsMlProviderStack, ModelOwnerAllowList, ValidationError
from cdk_cleanrooms_ml.provider_app import build
from tests.cfn_lint import assert_lint_clean
from tests.constructs.support import iam_statements, template_of

ACCOUNT = "111122223333"
ENV = Environment(account=ACCOUNT, region="us-east-1")
DATASETS = [f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:training-dataset/clicks-*"]
ROLES = [f"arn:aws:iam::{ACCOUNT}:role/audience-writer"]
MEMBERSHIP = "0f1e2d3c-4b5a-4697-8877-665544332211"


def allowed(**changes: Any) -> ModelOwnerAllowList:
    values: dict[str, Any] = {
        "training_dataset_arns": DATASETS,
        "output_role_arns": ROLES,
        "membership_ids": [MEMBERSHIP],
    }
    values.update(changes)
    return ModelOwnerAllowList(**values)


def actions_on(template: dict[str, Any]) -> dict[str, set[str]]:
    """Each granted action -> the resources it is granted on (as JSON text)."""
    found: dict[str, set[str]] = {}
    for statement in iam_statements(template):
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in resources if isinstance(resources, list) else [resources]:
                found.setdefault(action, set()).add(json.dumps(resource, sort_keys=True))
    return found


def test_without_an_allow_list_the_role_has_no_model_owner_permission() -> None:
    granted = actions_on(template_of(CleanRoomsMlProviderStack(App(), env=ENV)))

    assert "cleanrooms-ml:CreateAudienceModel" not in granted
    assert "cleanrooms:CreateConfiguredAudienceModelAssociation" not in granted


def test_the_allow_lists_grant_each_kind_on_exactly_what_they_name() -> None:
    template = template_of(CleanRoomsMlProviderStack(App(), env=ENV, model_owner=allowed()))
    granted = actions_on(template)

    assert granted["cleanrooms-ml:CreateAudienceModel"] == {json.dumps(DATASETS[0])}
    assert granted["iam:PassRole"] >= {json.dumps(ROLES[0])}
    assert any(
        "configured-audience-model/*" in resource
        for resource in granted["cleanrooms-ml:PutConfiguredAudienceModelPolicy"]
    )
    [membership_grant] = [
        r
        for r in granted["cleanrooms:CreateConfiguredAudienceModelAssociation"]
        if "configuredaudiencemodelassociation" not in r
    ]
    assert f"membership/{MEMBERSHIP}" in membership_grant
    assert_lint_clean(template)


def test_the_allow_listed_stack_passes_aws_solutions_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    CleanRoomsMlProviderStack(app, model_owner=allowed())
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"training_dataset_arns": []}, "model_owner.training_dataset_arns", "at least one"),
        (
            {"training_dataset_arns": ["arn:aws:s3:::bucket-of-clicks"]},
            "model_owner.training_dataset_arns[0]",
            "is not a training dataset ARN pattern",
        ),
        (
            {"output_role_arns": ["audience-writer"]},
            "model_owner.output_role_arns[0]",
            "is not an IAM role ARN pattern",
        ),
        ({"membership_ids": ["growth"]}, "model_owner.membership_ids[0]", "not a membership id"),
        ({"membership_ids": MEMBERSHIP}, "model_owner.membership_ids", "a list"),
    ],
)
def test_bad_allow_lists_are_refused_naming_the_item(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        CleanRoomsMlProviderStack(App(), env=ENV, model_owner=allowed(**changes))

    assert raised.value.field == field
    assert rule in raised.value.rule


def test_a_dataset_of_another_partition_is_refused() -> None:
    china = Environment(account=ACCOUNT, region="cn-north-1")
    with pytest.raises(ValidationError, match="partition 'aws'"):
        CleanRoomsMlProviderStack(App(), env=china, model_owner=allowed())


def test_the_ready_provider_app_reads_the_allow_lists_from_context() -> None:
    app = App(
        context={
            "training_dataset_arns": ",".join(DATASETS),
            "output_role_arns": ROLES[0],
            "membership_ids": MEMBERSHIP,
        }
    )

    stack = build(app)

    assert stack.model_owner is not None
    assert list(stack.model_owner.membership_ids) == [MEMBERSHIP]
