"""A StackSet's properties, targets and operations, and S3's policies and publishing, without any
cloud: what the StackSet tests (test_stack_set.py) deploy relies on."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cleanroomsml.relocation import relocated_seed
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed, parse_seed
from cdk_cleanrooms_ml.local.cloudformation.assembly import StackTemplate
from cdk_cleanrooms_ml.local.cloudformation.exceptions import TemplateError
from cdk_cleanrooms_ml.local.cloudformation.stack_sets.operations import Work, run_operation
from cdk_cleanrooms_ml.local.cloudformation.stack_sets.properties import (
    Preferences,
    StackSetError,
    parse_spec,
)
from cdk_cleanrooms_ml.local.cloudformation.stack_sets.records import (
    InstanceOutcome,
    StackInstance,
)
from cdk_cleanrooms_ml.local.cloudformation.stack_sets.targets import region_order, targets
from cdk_cleanrooms_ml.local.organizations import Organization
from cdk_cleanrooms_ml.local.s3 import S3Backend, S3Error
from cdk_cleanrooms_ml.local.s3.access import read_object
from cdk_cleanrooms_ml.local.s3.policies import Reader, allows_get_object
from cdk_cleanrooms_ml.local.toolkit.manifest import (
    AssemblyStack,
    FileAsset,
    FileDestination,
    selected_stacks,
)
from cdk_cleanrooms_ml.local.toolkit.publishing import PublishError, destination_of, publish

UNIT = "ou-ab12-cdef3456"
MEMBERS = ["222222222222", "333333333333", "444444444444"]
TEMPLATE = {
    "Parameters": {"Jobs": {"Type": "CommaDelimitedList", "Default": ""}},
    "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {}}},
}


def organization() -> Organization:
    return Organization.create("o-abcdef1234", "111111111111", {UNIT: MEMBERS})


def properties(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "StackSetName": "Provider",
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": "true", "RetainStacksOnAccountRemoval": "false"},
        "Capabilities": ["CAPABILITY_IAM"],
        "Parameters": [{"ParameterKey": "Jobs", "ParameterValue": ""}],
        "StackInstancesGroup": [
            {"DeploymentTargets": {"OrganizationalUnitIds": [UNIT]}, "Regions": ["us-east-1"]}
        ],
        "TemplateBody": json.dumps(TEMPLATE),
    }
    props.update(overrides)
    return props


def group(filter_type: str, accounts: list[str], **more: Any) -> dict[str, Any]:
    return {
        "DeploymentTargets": {
            "OrganizationalUnitIds": [UNIT],
            "Accounts": accounts,
            "AccountFilterType": filter_type,
        },
        "Regions": ["us-east-1", "eu-west-1"],
        **more,
    }


def test_groups_filter_the_units_accounts_and_override_parameters() -> None:
    spec = parse_spec(
        properties(
            StackInstancesGroup=[
                group("DIFFERENCE", [MEMBERS[1]]),
                group(
                    "INTERSECTION",
                    [MEMBERS[1], "999999999999"],
                    ParameterOverrides=[{"ParameterKey": "Jobs", "ParameterValue": "a,b"}],
                ),
            ]
        )
    )
    found = targets(spec, organization())
    assert sorted(found) == sorted(f"{a}/{r}" for a in MEMBERS for r in ("us-east-1", "eu-west-1"))
    assert found[f"{MEMBERS[1]}/eu-west-1"].parameters == {"Jobs": "a,b"}
    assert found[f"{MEMBERS[0]}/eu-west-1"].parameters == {"Jobs": ""}
    assert spec.auto_deploy and not spec.retain_on_removal


def test_union_adds_accounts_and_the_management_account_is_never_a_target() -> None:
    org = organization()
    org.add_account("555555555555")
    spec = parse_spec(
        properties(StackInstancesGroup=[group("UNION", ["555555555555", "111111111111"])])
    )
    assert {t.account for t in targets(spec, org).values()} == {*MEMBERS, "555555555555"}
    root = parse_spec(
        properties(
            StackInstancesGroup=[
                {
                    "DeploymentTargets": {"OrganizationalUnitIds": [org.root_id]},
                    "Regions": ["us-east-1"],
                }
            ]
        )
    )
    assert "111111111111" not in {t.account for t in targets(root, org).values()}


def test_a_self_managed_stack_set_targets_its_accounts() -> None:
    spec = parse_spec(
        properties(
            PermissionModel="SELF_MANAGED",
            AutoDeployment=None,
            StackInstancesGroup=[
                {"DeploymentTargets": {"Accounts": ["777777777777"]}, "Regions": ["us-east-1"]}
            ],
        )
    )
    assert list(targets(spec, organization())) == ["777777777777/us-east-1"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"StackSetName": "1bad"}, "#/StackSetName"),
        ({"PermissionModel": "OTHER"}, "#/PermissionModel"),
        ({"TemplateBody": None, "TemplateURL": "https://x"}, "TemplateURL cannot be read"),
        ({"TemplateBody": "{"}, "is not valid JSON"),
        ({"Capabilities": []}, "Requires capabilities : [CAPABILITY_IAM]"),
        ({"Parameters": [{"ParameterKey": "Other"}]}, "[Other] do not exist in the template"),
        ({"Parameters": "x"}, "#/Parameters: expected type: JSONArray"),
        ({"Parameters": [{}]}, "required key [ParameterKey]"),
        ({"AutoDeployment": {"Enabled": "maybe"}}, "expected type: Boolean"),
        (
            {"StackInstancesGroup": [{"Regions": ["us-east-1"]}]},
            "OrganizationalUnitIds are required",
        ),
        ({"StackInstancesGroup": [group("SOME", ["222222222222"])]}, "AccountFilterType"),
        ({"StackInstancesGroup": [group("INTERSECTION", [])]}, "needs Accounts"),
        (
            {"StackInstancesGroup": [{"DeploymentTargets": {"OrganizationalUnitIds": [UNIT]}}]},
            "at least one region",
        ),
        ({"StackInstancesGroup": ["x"]}, "expected type: JSONObject"),
        ({"OperationPreferences": {"MaxConcurrentPercentage": "0"}}, "not within 1..100"),
        ({"OperationPreferences": {"FailureToleranceCount": "x"}}, "expected type: Integer"),
        ({"StackSetName": None}, "required key [StackSetName]"),
        ({"CallAs": 3}, "expected type: String"),
        (
            {"PermissionModel": "SELF_MANAGED"},
            "AutoDeployment is only for SERVICE_MANAGED",
        ),
    ],
)
def test_properties_are_checked(overrides: dict[str, Any], message: str) -> None:
    props = {k: v for k, v in properties(**overrides).items() if v is not None}
    with pytest.raises(StackSetError) as raised:
        parse_spec(props)
    assert message in raised.value.message


def test_named_iam_needs_its_capability_and_overlapping_groups_are_refused() -> None:
    named = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}}
    with pytest.raises(StackSetError, match=r"CAPABILITY_NAMED_IAM"):
        parse_spec(properties(TemplateBody=json.dumps(named), Parameters=[]))
    twice = parse_spec(properties(StackInstancesGroup=[group("NONE", []), group("NONE", [])]))
    with pytest.raises(StackSetError, match="another group targets already"):
        targets(twice, organization())
    unknown = parse_spec(
        properties(
            StackInstancesGroup=[
                {
                    "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-missing00"]},
                    "Regions": ["us-east-1"],
                }
            ]
        )
    )
    with pytest.raises(StackSetError, match="ou-ab12-missing00"):
        targets(unknown, organization())


@pytest.mark.parametrize(
    ("preferences", "accounts", "tolerance", "concurrency"),
    [
        (Preferences(), 3, 0, 1),
        (Preferences(max_concurrent_percentage=100), 3, 0, 1),
        (Preferences(max_concurrent_percentage=100, failure_tolerance_percentage=50), 4, 2, 3),
        (Preferences(max_concurrent_count=5, concurrency_mode="SOFT_FAILURE_TOLERANCE"), 3, 0, 5),
        (Preferences(failure_tolerance_count=1, max_concurrent_percentage=10), 3, 1, 1),
    ],
)
def test_tolerance_and_concurrency_round_down(
    preferences: Preferences, accounts: int, tolerance: int, concurrency: int
) -> None:
    assert preferences.tolerance(accounts) == tolerance
    assert preferences.concurrency(accounts) == concurrency


def _work(failing: set[str], ran: list[str]) -> list[Work]:
    items = []
    for region in ("us-east-1", "eu-west-1"):
        for account in MEMBERS:
            instance = StackInstance(account, region)

            def run(instance: StackInstance = instance) -> InstanceOutcome:
                ran.append(instance.key)
                status = "FAILED" if instance.key in failing else "SUCCEEDED"
                return InstanceOutcome(instance.account, instance.region, "CREATE", status)

            items.append(Work(instance, "CREATE", run))
    return items


def test_a_region_over_its_tolerance_stops_the_operation_there_and_after() -> None:
    ran: list[str] = []
    order = ["us-east-1", "eu-west-1"]
    record = run_operation("CREATE", _work({f"{MEMBERS[1]}/us-east-1"}, ran), Preferences(), order)
    assert record.status == "FAILED"
    assert ran == [f"{MEMBERS[0]}/us-east-1", f"{MEMBERS[1]}/us-east-1"]
    statuses = [o.detailed_status for o in record.outcomes]
    assert statuses == ["SUCCEEDED", "FAILED"] + ["CANCELLED"] * 4
    assert record.reason.startswith(f"{MEMBERS[1]}/us-east-1")


def test_within_tolerance_the_operation_succeeds_and_parallel_regions_run_on() -> None:
    ran: list[str] = []
    tolerant = Preferences(failure_tolerance_count=1, region_concurrency="PARALLEL")
    failing = {f"{MEMBERS[0]}/us-east-1", f"{MEMBERS[0]}/eu-west-1", f"{MEMBERS[1]}/eu-west-1"}
    record = run_operation("CREATE", _work(failing, ran), tolerant, ["us-east-1", "eu-west-1"])
    assert record.status == "FAILED"  # eu-west-1 failed twice: over its tolerance of one
    # us-east-1 went on after its one failure; eu-west-1 stopped after its second.
    assert len(ran) == 5
    assert f"{MEMBERS[2]}/us-east-1" in ran
    assert f"{MEMBERS[2]}/eu-west-1" not in ran
    stop = threading.Event()
    stop.set()
    stopped = run_operation("CREATE", _work(set(), []), Preferences(), ["us-east-1"], stop)
    assert {o.detailed_status for o in stopped.outcomes} == {"CANCELLED"}


def test_region_order_puts_the_preferred_first() -> None:
    spec = parse_spec(properties(OperationPreferences={"RegionOrder": ["eu-west-1"]}))
    assert region_order(spec, ["us-east-1", "ap-south-1", "eu-west-1"]) == [
        "eu-west-1",
        "ap-south-1",
        "us-east-1",
    ]


ORG_READ = {
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::code/*",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}},
}
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::code", "arn:aws:s3:::code/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


@pytest.mark.parametrize(
    ("statements", "reader", "allowed"),
    [
        ([TLS_ONLY, ORG_READ], Reader("222222222222", "o-abcdef1234"), True),
        (
            [TLS_ONLY, ORG_READ],
            Reader("222222222222", "o-abcdef1234", secure_transport=False),
            False,
        ),
        ([ORG_READ], Reader("222222222222", None), False),
        ([ORG_READ], Reader("222222222222", "o-other00000"), False),
        ([TLS_ONLY], Reader("222222222222", "o-abcdef1234"), False),
        (
            [{**ORG_READ, "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Condition": {}}],
            Reader("222222222222", None),
            True,
        ),
        (
            [
                {
                    **ORG_READ,
                    "Principal": "*",
                    "Condition": {"StringLike": {"aws:PrincipalAccount": "2*"}},
                }
            ],
            Reader("222222222222", None),
            True,
        ),
        (
            [{**ORG_READ, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}],
            Reader("222222222222", "o-abcdef1234"),
            False,
        ),
        (
            [{**ORG_READ, "Condition": {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}}],
            Reader("222222222222", None),
            True,
        ),
        ([{**ORG_READ, "Action": ["s3:PutObject"]}], Reader("222222222222", "o-abcdef1234"), False),
    ],
)
def test_bucket_policies_decide_who_reads(
    statements: list[dict[str, Any]], reader: Reader, allowed: bool
) -> None:
    assert allows_get_object(statements, reader, "code", "key.zip") is allowed


class _Buckets:
    """Two accounts' buckets in one region, for :func:`read_object`."""

    def __init__(self, policy: list[dict[str, Any]]) -> None:
        self.backends = {
            a: S3Backend(account=a, region="us-east-1") for a in ("111111111111", "222222222222")
        }
        self.policy = policy

    def accounts(self) -> list[str]:
        return list(self.backends)

    def s3(self, account: str, region: str) -> S3Backend:
        return self.backends[account]

    def bucket_policy(self, account: str, region: str, bucket: str) -> list[dict[str, Any]]:
        return self.policy

    def organization_of(self, account: str) -> str | None:
        return "o-abcdef1234"


@pytest.mark.parametrize(
    ("policy", "bucket", "key", "code"),
    [
        ([ORG_READ], "code", "key.zip", None),
        ([ORG_READ], "code", "other.zip", "NoSuchKey"),
        ([], "code", "key.zip", "AccessDenied"),
        ([ORG_READ], "nowhere", "key.zip", "NoSuchBucket"),
    ],
)
def test_reading_another_accounts_object(
    tmp_path: Path, policy: list[dict[str, Any]], bucket: str, key: str, code: str | None
) -> None:
    buckets = _Buckets(policy)
    buckets.backends["111111111111"].create_bucket("code")
    buckets.backends["111111111111"].put_object("code", "key.zip", tmp_path)
    if code is None:
        found = read_object(buckets, bucket, key, account="222222222222", region="us-east-1")
        assert found.path == tmp_path.resolve()
        return
    with pytest.raises(S3Error) as raised:
        read_object(buckets, bucket, key, account="222222222222", region="us-east-1")
    assert raised.value.code == code


def test_s3_keeps_buckets_and_objects_and_refuses_what_s3_refuses(tmp_path: Path) -> None:
    state = tmp_path / "s3.json"
    s3 = S3Backend(account="111111111111", region="us-east-1", state_file=state)
    bootstrap = "cdk-hnb659fds-assets-111111111111-us-east-1"
    assert s3.has_bucket(bootstrap)
    assert not s3.has_bucket("cdk-hnb659fds-assets-222222222222-us-east-1")
    s3.put_object(bootstrap, "a.zip", tmp_path)
    s3.create_bucket("mine")
    with pytest.raises(S3Error, match="BucketAlreadyOwnedByYou"):
        s3.create_bucket("mine")
    s3.put_object("mine", "b.zip", tmp_path)
    again = S3Backend(account="111111111111", region="us-east-1", state_file=state)
    assert again.bucket_names() == [bootstrap, "mine"]
    assert again.keys("mine") == ["b.zip"]
    with pytest.raises(S3Error, match="BucketNotEmpty"):
        again.delete_bucket("mine")
    again.delete_object("mine", "b.zip")
    again.delete_bucket("mine")
    with pytest.raises(S3Error, match="NoSuchBucket"):
        again.put_object("mine", "c.zip", tmp_path)
    state.write_text("{")
    with pytest.raises(Exception, match="cannot be read"):
        S3Backend(account="111111111111", region="us-east-1", state_file=state)


def _stack(artifact_id: str, *dependencies: str) -> AssemblyStack:
    template = StackTemplate(artifact_id, {}, Path("."), Path("."))
    return AssemblyStack(artifact_id, f"Stage/{artifact_id}", template, dependencies, ())


def test_stacks_are_chosen_with_their_dependencies_in_order() -> None:
    stacks = [_stack("C", "B"), _stack("B", "A"), _stack("A"), _stack("D")]
    assert [s.name for s in selected_stacks(stacks)] == ["A", "D", "B", "C"]
    assert [s.name for s in selected_stacks(stacks, ["C"])] == ["A", "B", "C"]
    assert [s.name for s in selected_stacks(stacks, ["Stage/C"], exclusively=True)] == ["C"]
    with pytest.raises(TemplateError, match="No stack found matching 'E'"):
        selected_stacks(stacks, ["E"])
    with pytest.raises(TemplateError, match="cycle"):
        selected_stacks([_stack("X", "Y"), _stack("Y", "X")])


def test_publishing_to_a_bucket_that_does_not_exist_fails(tmp_path: Path) -> None:
    destination = FileDestination(
        "${AWS::AccountId}-${AWS::Region}-code", "k.zip", region="eu-west-1"
    )
    assert destination_of(destination, "111111111111", "us-east-1") == (
        "111111111111",
        "eu-west-1",
        "111111111111-eu-west-1-code",
        "k.zip",
    )
    asset = FileAsset("Code", tmp_path, (destination,))
    stack = AssemblyStack("S", "S", StackTemplate("S", {}, tmp_path, tmp_path), (), (asset,))
    backends: dict[tuple[str, str], S3Backend] = {}

    def s3(account: str, region: str) -> S3Backend:
        return backends.setdefault((account, region), S3Backend(account=account, region=region))

    with pytest.raises(PublishError, match=r"Failed to publish asset Code .*NoSuchBucket"):
        publish(stack, s3, account="111111111111", region="us-east-1")
    s3("111111111111", "eu-west-1").create_bucket("111111111111-eu-west-1-code")
    publish(stack, s3, account="111111111111", region="us-east-1")
    assert s3("111111111111", "eu-west-1").keys("111111111111-eu-west-1-code") == ["k.zip"]


def test_a_relocated_seed_serves_its_jobs_in_the_new_account_and_region() -> None:
    moved = relocated_seed(default_seed(), "222222222222", "eu-west-1")
    jobs, _, _ = parse_seed(moved, now=0.0)
    assert [job.arn for job in jobs] == [
        "arn:aws:cleanrooms-ml:eu-west-1:222222222222:audience-generation-job/example-lookalikes"
    ]
    assert jobs[0].configured_audience_model_arn.split(":")[3:5] == ["eu-west-1", "222222222222"]
    assert relocated_seed(
        {"x": ["arn:aws:iam::111122223333:role/r", 3]}, "222222222222", "eu-west-1"
    ) == {"x": ["arn:aws:iam::222222222222:role/r", 3]}
