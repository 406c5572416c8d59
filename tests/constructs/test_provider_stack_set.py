"""The provider as a service-managed StackSet: its stacks, its template, its checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment

from cdk_cleanrooms_ml import AccountAllowLists, CleanRoomsMlProviderStackSet, ValidationError
from cdk_cleanrooms_ml.provider_app import build_stack_set
from tests.cfn_lint import assert_assembly_lint_clean, assert_lint_clean
from tests.constructs.test_nag import nag_app, violations

ADMIN = "111111111111"
MEMBER = "222222222222"
UNIT = "ou-ab12-cdef3456"
ORG = "o-abcdef1234"
REGIONS = ["us-east-1", "eu-west-1"]
ENV = Environment(account=ADMIN, region="us-east-1")
PREFIX = f"cdk-cleanrooms-ml-provider-{ADMIN}"


def stack_set(app: App | None = None, **props: Any) -> CleanRoomsMlProviderStackSet:
    settings: dict[str, Any] = {
        "organizational_unit_ids": [UNIT],
        "regions": REGIONS,
        "organization_id": ORG,
        "env": ENV,
    }
    settings.update(props)
    return CleanRoomsMlProviderStackSet(app or App(), **settings)


def synthesized(outdir: Path, **props: Any) -> dict[str, Any]:
    app = nag_app(outdir)
    stack_set(app, **props)
    app.synth()
    assert violations(outdir) == []
    assert_assembly_lint_clean(outdir)
    return dict(json.loads((outdir / "manifest.json").read_text()))


def properties(outdir: Path) -> dict[str, Any]:
    template = json.loads((outdir / "CleanRoomsMlProviderStackSet.template.json").read_text())
    return dict(template["Resources"]["StackSet"]["Properties"])


def test_the_stack_set_its_code_and_buckets_in_deployment_order(tmp_path: Path) -> None:
    manifest = synthesized(tmp_path)
    artifacts = manifest["artifacts"]
    stacks = {k: v for k, v in artifacts.items() if v["type"] == "aws:cloudformation:stack"}
    assert set(stacks) == {
        "CleanRoomsMlProviderStackSet",
        "CleanRoomsMlProviderStackSetCodeUsEast1",
        "CleanRoomsMlProviderStackSetCodeEuWest1",
        "CleanRoomsMlProviderStackSetBucketUsEast1",
        "CleanRoomsMlProviderStackSetBucketEuWest1",
    }
    assert stacks["CleanRoomsMlProviderStackSetCodeEuWest1"]["environment"] == (
        f"aws://{ADMIN}/eu-west-1"
    )
    # Buckets, then the code published into them, then the StackSet that reads it.
    assert (
        "CleanRoomsMlProviderStackSetBucketEuWest1"
        in (stacks["CleanRoomsMlProviderStackSetCodeEuWest1"]["dependencies"])
    )
    assert {
        "CleanRoomsMlProviderStackSetCodeUsEast1",
        "CleanRoomsMlProviderStackSetCodeEuWest1",
    } <= set(stacks["CleanRoomsMlProviderStackSet"]["dependencies"])

    ss = properties(tmp_path)
    assert ss["PermissionModel"] == "SERVICE_MANAGED"
    assert ss["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert ss["CallAs"] == "SELF"
    assert ss["Capabilities"] == ["CAPABILITY_IAM"]
    assert ss["StackInstancesGroup"] == [
        {"DeploymentTargets": {"OrganizationalUnitIds": [UNIT]}, "Regions": REGIONS}
    ]
    assert ss["OperationPreferences"] == {
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": REGIONS,
    }

    # The instances' template: no bootstrap rule, code read in their own region's bucket.
    body = json.loads(ss["TemplateBody"])
    assert_lint_clean(body, "TemplateBody")
    assert "Rules" not in body
    assert set(body["Parameters"]) == {"AllowedJobArns", "AllowedSeedRoleArns"}
    [function] = [r for r in body["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    code = function["Properties"]["Code"]
    assert code["S3Bucket"] == {"Fn::Sub": f"{PREFIX}-${{AWS::Region}}"}
    assets = json.loads(
        (tmp_path / "CleanRoomsMlProviderStackSetCodeEuWest1.assets.json").read_text()
    )
    [zip_asset] = [a for a in assets["files"].values() if a["source"]["path"].endswith(".zip")]
    [destination] = zip_asset["destinations"].values()
    assert destination["bucketName"] == f"{PREFIX}-eu-west-1"
    assert destination["objectKey"] == code["S3Key"]
    assert destination["region"] == "eu-west-1"
    assert "/cdk-cleanrooms-ml/service-token" in json.dumps(body)


def test_the_buckets_are_readable_by_the_organization_only(tmp_path: Path) -> None:
    synthesized(tmp_path)
    template = json.loads(
        (tmp_path / "CleanRoomsMlProviderStackSetBucketEuWest1.template.json").read_text()
    )
    [bucket] = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    assert bucket["Properties"]["BucketName"] == f"{PREFIX}-eu-west-1"
    assert bucket["DeletionPolicy"] == "Retain"
    public = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(public.values())
    [policy] = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    [read] = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert read["Principal"] == {"AWS": "*"}
    assert read["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    [write] = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert f"cdk-hnb659fds-file-publishing-role-{ADMIN}-eu-west-1" in json.dumps(write["Principal"])
    assert "Condition" not in write


def test_account_allow_lists_become_overrides_per_account_and_region(tmp_path: Path) -> None:
    jobs = [
        f"arn:aws:cleanrooms-ml:{region}:{MEMBER}:audience-generation-job/team-*"
        for region in REGIONS
    ]
    roles = [f"arn:aws:iam::{MEMBER}:role/seed-*"]
    synthesized(
        tmp_path,
        account_allow_lists={MEMBER: AccountAllowLists(jobs, roles)},
        failure_tolerance_percentage=10,
        max_concurrent_percentage=50,
        region_concurrency="PARALLEL",
        call_as="DELEGATED_ADMIN",
    )
    ss = properties(tmp_path)
    rest, *own = ss["StackInstancesGroup"]
    assert rest["DeploymentTargets"] == {
        "OrganizationalUnitIds": [UNIT],
        "Accounts": [MEMBER],
        "AccountFilterType": "DIFFERENCE",
    }
    assert [group["Regions"] for group in own] == [[region] for region in REGIONS]
    for group, job in zip(own, jobs, strict=True):
        assert group["DeploymentTargets"]["AccountFilterType"] == "INTERSECTION"
        assert group["ParameterOverrides"] == [
            {"ParameterKey": "AllowedJobArns", "ParameterValue": job},
            {"ParameterKey": "AllowedSeedRoleArns", "ParameterValue": roles[0]},
        ]
    assert ss["OperationPreferences"]["FailureTolerancePercentage"] == 10
    assert ss["OperationPreferences"]["MaxConcurrentPercentage"] == 50
    assert ss["CallAs"] == "DELEGATED_ADMIN"


def test_given_buckets_need_no_organization_id(tmp_path: Path) -> None:
    manifest = synthesized(
        tmp_path, create_asset_buckets=False, organization_id=None, asset_bucket_prefix="acme-code"
    )
    assert not [a for a in manifest["artifacts"] if "Bucket" in a]
    assert "acme-code-${AWS::Region}" in properties(tmp_path)["TemplateBody"]


JOB = "arn:aws:cleanrooms-ml:{region}:{account}:audience-generation-job/team-*"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"organizational_unit_ids": []}, r"organizational_unit_ids: must name at least one"),
        ({"organizational_unit_ids": ["ou-1"]}, r"organizational_unit_ids\[0\]: 'ou-1' is not"),
        ({"regions": ["us-east-1", "us-east-1"]}, r"regions\[1\]: 'us-east-1' is given twice"),
        ({"regions": "us-east-1"}, r"regions: must be a list"),
        ({"organization_id": None}, r"organization_id: required to create the code buckets"),
        ({"organization_id": "org-1"}, r"organization_id: 'org-1' is not an organization id"),
        ({"asset_bucket_prefix": "Acme_Code"}, r"asset_bucket_prefix: 'Acme_Code': lowercase"),
        ({"asset_bucket_prefix": "a" * 60}, r"asset_bucket_prefix: 60 characters"),
        ({"env": None, "asset_bucket_prefix": None}, r"asset_bucket_prefix: required when"),
        ({"call_as": "ADMIN"}, r"call_as: 'ADMIN' is not one of SELF, DELEGATED_ADMIN"),
        ({"region_concurrency": "FAST"}, r"region_concurrency: 'FAST' is not one of"),
        ({"max_concurrent_percentage": 0}, r"max_concurrent_percentage: 0 is not a whole"),
        ({"failure_tolerance_percentage": 101}, r"failure_tolerance_percentage: 101 is not"),
        ({"stack_set_name": "1st"}, r"stack_set_name: '1st': a letter"),
        ({"service_token_parameter_name": "/aws/x"}, r"service_token_parameter_name: must not"),
        ({"export_name": "a b"}, r"export_name: only letters"),
        (
            {"account_allow_lists": {"2222": AccountAllowLists()}},
            r"account_allow_lists\['2222'\]: the key must be a 12-digit account id",
        ),
        (
            {
                "account_allow_lists": {
                    MEMBER: AccountAllowLists([JOB.format(region="us-east-1", account=MEMBER)])
                }
            },
            r"allowed_job_arns: names no job of eu-west-1, where the StackSet deploys",
        ),
        (
            {
                "account_allow_lists": {
                    MEMBER: AccountAllowLists(
                        [JOB.format(region=r, account=MEMBER) for r in [*REGIONS, "us-west-2"]]
                    )
                }
            },
            r"names jobs of us-west-2, where the StackSet does not deploy",
        ),
        (
            {
                "account_allow_lists": {
                    MEMBER: AccountAllowLists(None, [f"arn:aws:iam::{ADMIN}:role/seed"])
                }
            },
            rf"allowed_seed_role_arns\[0\]: account '{ADMIN}', but the provider is deployed in"
            rf" account '{MEMBER}'",
        ),
    ],
)
def test_bad_props_are_refused_naming_the_prop_before_anything_is_added(
    props: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without env the CLI's account is used: none here, whatever other tests left behind.
    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    app = App()
    with pytest.raises(ValidationError, match=message):
        stack_set(app, **props)
    assert app.node.children == []


def test_the_provider_app_deploys_the_stack_set_from_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", ADMIN)
    monkeypatch.setenv("CDK_DEFAULT_REGION", "us-east-1")
    app = App(
        context={
            "organizational_unit_ids": UNIT,
            "regions": ",".join(REGIONS),
            "organization_id": ORG,
            "failure_tolerance_percentage": "20",
            "auto_deploy": "false",
        }
    )
    built = build_stack_set(app)
    assert built.regions == REGIONS
    ss = built.stack_set
    assert ss.stack_set_name == "CleanRoomsMlProvider"
    template = app.synth().get_stack_by_name(built.stack_name).template
    props = template["Resources"]["StackSet"]["Properties"]
    assert props["AutoDeployment"]["Enabled"] is False
    assert props["OperationPreferences"]["FailureTolerancePercentage"] == 20
    with pytest.raises(ValidationError, match="regions: required with organizational_unit_ids"):
        build_stack_set(App(context={"organizational_unit_ids": UNIT}))
    with pytest.raises(ValidationError, match="failure_tolerance_percentage: 'ten' is not"):
        build_stack_set(
            App(
                context={
                    "organizational_unit_ids": UNIT,
                    "regions": "us-east-1",
                    "failure_tolerance_percentage": "ten",
                }
            )
        )
