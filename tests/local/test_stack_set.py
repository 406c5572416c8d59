"""The provider as a service-managed StackSet, deployed offline to an organization: one cloud per
account and region, ``cdk deploy --all`` publishing the code into the management account's
buckets, the StackSet's instances in every member account and region, consumers there, an
allow-list rolled out, auto-deployment, and what fails (code never published, a bucket the
organization cannot read, a refused override) rolled back with nothing left."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.organization_harness import LocalOrganization
from cdk_cleanrooms_ml.local.organizations import Organization
from tests.local.conftest import FAST
from tests.local.stack_set_support import (
    EXPORT_NAME,
    MANAGEMENT,
    MEMBERS,
    NARROWED_ROLES,
    OTHER_UNIT,
    REGIONS,
    STACK_SET,
    STACK_SET_STACK,
    UNIT,
    edited_copy,
    instance_stacks,
    job_arn,
    organization,
    policy_of,
    synth_consumers,
    synth_stack_set,
    synth_stack_set_narrowed,
)

pytestmark = pytest.mark.slow

NEWCOMER = "555555555555"
OrganizationFactory = Callable[..., LocalOrganization]


@pytest.fixture
def make_organization(tmp_path: Path, runtime_cache: Path) -> Iterator[OrganizationFactory]:
    """Start LocalOrganizations (state in ``tmp_path/org``); all closed after the test."""
    started: list[LocalOrganization] = []

    def make(
        progress: list[ProgressEvent] | None = None,
        of: Organization | None = None,
        **overrides: Any,
    ) -> LocalOrganization:
        settings: dict[str, Any] = {
            "state_dir": tmp_path / "org",
            "organization": of or organization(),
            "durations": FAST,
            "runtime_cache": runtime_cache,
            "options": DriverOptions(max_wait=90, no_response_grace=2.0),
            "on_progress": (progress if progress is not None else []).append,
        }
        settings.update(overrides)
        org = LocalOrganization(**settings).start()
        started.append(org)
        return org

    yield make
    for org in started:
        org.close()


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The StackSet app (and again with 333333333333's seed roles narrowed), and consumers."""
    root = tmp_path_factory.mktemp("stack-set")
    return {
        "stack_set": synth_stack_set(root / "stack-set"),
        "narrowed": synth_stack_set_narrowed(root / "narrowed"),
        "consumers": synth_consumers(root / "consumers"),
    }


def tokens(org: LocalOrganization) -> dict[tuple[str, str], str]:
    """Each instance's ServiceToken output, by (account, region)."""
    found: dict[tuple[str, str], str] = {}
    for instance in org.stack_set_instances(STACK_SET):
        state = org.cloud(instance.account, instance.region).store.load_stack(instance.stack_name)
        assert state is not None
        found[(instance.account, instance.region)] = state.outputs["ServiceToken"]
    return found


def test_a_stack_set_serves_consumers_in_each_account_and_region_then_goes_away(
    make_organization: OrganizationFactory, apps: dict[str, Path]
) -> None:
    progress: list[ProgressEvent] = []
    org = make_organization(progress)
    deployed = org.deploy_assembly(apps["stack_set"])
    assert deployed.succeeded, deployed.failed
    # Buckets, then code (published into them), then the StackSet: the manifest's order.
    assert [r.stack_name for r in deployed.results][-1] == STACK_SET_STACK
    assert {r.status for r in deployed.results} == {"CREATE_COMPLETE"}

    instances = org.stack_set_instances(STACK_SET)
    assert sorted((i.account, i.region) for i in instances) == sorted(
        itertools.product(MEMBERS, REGIONS)
    )
    assert {(i.stack_status, i.status, i.detailed_status) for i in instances} == {
        ("CREATE_COMPLETE", "CURRENT", "SUCCEEDED")
    }
    assert all(i.stack_name.startswith(f"StackSet-{STACK_SET}-") for i in instances)
    # Each instance's provider is a function of its own account and region, exported and in SSM.
    found = tokens(org)
    for (account, region), token in found.items():
        assert token.startswith(f"arn:aws:lambda:{region}:{account}:function:")
        cloud = org.cloud(account, region)
        assert cloud.store.exports()[EXPORT_NAME]["value"] == token
        groups = [g.describe()["Arn"] for g in cloud.scheduler.list_schedule_groups()]
        prefix = f"arn:aws:scheduler:{region}:{account}:schedule-group/StackSet-"
        assert any(str(arn).startswith(prefix) for arn in groups), groups
    assert len(set(found.values())) == 6
    # A service-managed StackSet never deploys to the management account.
    assert all(
        not stacks for (account, _), stacks in instance_stacks(org).items() if account == MANAGEMENT
    )

    consumed = org.deploy_assembly(apps["consumers"])
    assert consumed.succeeded, consumed.failed
    for stack, account, region in (
        ("ConsumerSsm", MEMBERS[0], REGIONS[0]),
        ("ConsumerImport", MEMBERS[2], REGIONS[1]),
    ):
        [export] = consumed.result(stack).operations
        assert export.event["ResourceProperties"]["ServiceToken"] == found[(account, region)]
        started = org.cloud(account, region).endpoint.exports(job_arn(account, region))
        assert len(started) == 1, (stack, started)
    # Nothing was exported anywhere else.
    assert org.cloud(MEMBERS[1], REGIONS[0]).endpoint.exports() == []

    _roll_out_narrower_seed_roles(org, apps)

    assert org.destroy_assembly(apps["consumers"]).succeeded
    destroyed = org.destroy_assembly(apps["narrowed"])
    assert destroyed.succeeded, destroyed.failed
    assert destroyed.results[0].stack_name == STACK_SET_STACK
    # Nothing is left but the buckets the templates retain, which are said to be retained.
    assert {(r.account, r.region, r.type) for r in destroyed.retained} == {
        (MANAGEMENT, region, "AWS::S3::Bucket") for region in REGIONS
    }
    skipped = [
        e for e in progress if e.resource_type == "AWS::S3::Bucket" and e.status == "DELETE_SKIPPED"
    ]
    assert [e.reason for e in skipped] == ["kept by its DeletionPolicy Retain"] * 2
    for region in REGIONS:
        assert org.s3(MANAGEMENT, region).bucket_names() == [
            f"cdk-cleanrooms-ml-provider-{MANAGEMENT}-{region}",
            f"cdk-hnb659fds-assets-{MANAGEMENT}-{region}",
        ]
    assert org.stack_set(STACK_SET) is None
    assert org.stack_set_instances(STACK_SET) == []
    for cloud in org.clouds().values():
        assert cloud.store.stacks() == []
        assert cloud.store.exports() == {}


def _roll_out_narrower_seed_roles(org: LocalOrganization, apps: dict[str, Path]) -> None:
    """The StackSet again with 333333333333's seed roles narrowed: only its two instances
    change (their policy), none is replaced."""
    before = {(i.account, i.region): i for i in org.stack_set_instances(STACK_SET)}
    policies = {where: policy_of(org, *where, i.stack_name) for where, i in before.items()}
    updated = org.deploy_assembly(apps["narrowed"])
    assert updated.succeeded, updated.failed
    assert updated.result(STACK_SET_STACK).status == "UPDATE_COMPLETE"
    after = {(i.account, i.region): i for i in org.stack_set_instances(STACK_SET)}
    assert {w: (i.stack_name, i.stack_id) for w, i in after.items()} == {
        w: (i.stack_name, i.stack_id) for w, i in before.items()
    }
    assert {i.status for i in after.values()} == {"CURRENT"}
    for where, instance in after.items():
        policy = policy_of(org, *where, instance.stack_name)
        if where[0] == MEMBERS[1]:
            assert policy != policies[where]
            assert policy["Statement"][-1]["Resource"] == [NARROWED_ROLES]
        else:
            assert policy == policies[where]
    record = org.stack_set(STACK_SET)
    assert record is not None
    [update] = [op for op in record.operations if op.action == "UPDATE"]
    results = {(o.account, o.region): o.stack_result for o in update.outcomes}
    assert results == {
        (account, region): "UPDATE_COMPLETE" if account == MEMBERS[1] else "NO_CHANGES"
        for account, region in itertools.product(MEMBERS, REGIONS)
    }


def _assert_rolled_back_without_instances(org: LocalOrganization, result: Any, why: str) -> None:
    stack = result.failed
    assert stack is not None and stack.stack_name == STACK_SET_STACK
    assert stack.status == "ROLLBACK_COMPLETE"
    assert why in stack.reason
    assert org.stack_set(STACK_SET) is None
    assert org.stack_set_instances(STACK_SET) == []
    assert all(not stacks for stacks in instance_stacks(org).values())


def test_publishing_into_a_bucket_no_stack_made_fails_before_the_stack_deploys(
    make_organization: OrganizationFactory, apps: dict[str, Path]
) -> None:
    org = make_organization()
    result = org.deploy_assembly(apps["stack_set"], [f"{STACK_SET_STACK}-code-*"], exclusively=True)
    # As the CLI: the first code stack's asset cannot be published, and nothing is deployed.
    [failed] = result.results
    assert failed.status == "PUBLISH_FAILED"
    assert "NoSuchBucket" in failed.reason
    assert f"cdk-cleanrooms-ml-provider-{MANAGEMENT}-" in failed.reason
    assert org.cloud(MANAGEMENT, REGIONS[0]).store.stacks() == []


def test_code_never_published_fails_the_instances_with_no_such_key(
    make_organization: OrganizationFactory, apps: dict[str, Path]
) -> None:
    progress: list[ProgressEvent] = []
    org = make_organization(progress)
    # The buckets, then the StackSet alone: its code stacks (its dependencies) skipped.
    buckets = org.deploy_assembly(apps["stack_set"], [f"{STACK_SET_STACK}-bucket-*"])
    assert [r.status for r in buckets.results] == ["CREATE_COMPLETE"] * 2
    result = org.deploy_assembly(apps["stack_set"], [STACK_SET_STACK], exclusively=True)
    _assert_rolled_back_without_instances(org, result, "NoSuchKey")
    # The first instance failed (its function could not read its code), which stopped the
    # operation: tolerance 0. The rollback deleted the StackSet and that instance's stack.
    failed = [e for e in progress if e.resource_type == "AWS::Lambda::Function"]
    assert [e.status for e in failed] == ["CREATE_FAILED"]
    assert "S3 Error Code: NoSuchKey" in failed[0].reason
    stack_set = [e.status for e in progress if e.logical_id == "StackSet"]
    assert stack_set == [
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "DELETE_IN_PROGRESS",
        "DELETE_COMPLETE",
    ]


def test_a_bucket_the_organization_cannot_read_fails_with_access_denied(
    make_organization: OrganizationFactory, apps: dict[str, Path], tmp_path: Path
) -> None:
    def other_organization(template: dict[str, Any]) -> None:
        [policy] = [
            r for r in template["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"
        ]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "aws:PrincipalOrgID" in str(statement.get("Condition")):
                statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] = "o-zzzzzzzzzz"

    edited = edited_copy(
        apps["stack_set"],
        tmp_path / "closed",
        f"{STACK_SET_STACK}BucketUsEast1.template.json",
        other_organization,
    )
    org = make_organization()
    result = org.deploy_assembly(edited)
    _assert_rolled_back_without_instances(org, result, "AccessDenied")


def test_a_refused_override_fails_the_operation_and_rolls_back(
    make_organization: OrganizationFactory, apps: dict[str, Path], tmp_path: Path
) -> None:
    foreign_role = "arn:aws:iam::444455556666:role/seed"

    def override(template: dict[str, Any]) -> None:
        # What the construct refuses at synth: 333333333333's instances get another account's
        # role; their handler refuses it at deploy.
        properties = template["Resources"]["StackSet"]["Properties"]
        targets = {"OrganizationalUnitIds": [UNIT], "Accounts": [MEMBERS[1]]}
        properties["StackInstancesGroup"] = [
            {
                "DeploymentTargets": {**targets, "AccountFilterType": "DIFFERENCE"},
                "Regions": list(REGIONS),
            },
            {
                "DeploymentTargets": {**targets, "AccountFilterType": "INTERSECTION"},
                "Regions": list(REGIONS),
                "ParameterOverrides": [
                    {"ParameterKey": "AllowedSeedRoleArns", "ParameterValue": foreign_role}
                ],
            },
        ]
        assert "FailureTolerancePercentage" not in properties["OperationPreferences"]

    edited = edited_copy(
        apps["stack_set"], tmp_path / "refused", f"{STACK_SET_STACK}.template.json", override
    )
    progress: list[ProgressEvent] = []
    org = make_organization(progress)
    result = org.deploy_assembly(edited)
    _assert_rolled_back_without_instances(org, result, "AllowedSeedRoleArns[0]")
    assert result.failed is not None
    assert "444455556666" in result.failed.reason
    # us-east-1 first: 222222222222 and 444444444444 were made, 333333333333 refused; the
    # operation stopped there (eu-west-1 never started) and the rollback deleted both.
    made = {
        e.stack_name
        for e in progress
        if e.status == "CREATE_COMPLETE" and e.stack_name == e.logical_id
    }
    assert len({s for s in made if s.startswith("StackSet-")}) == 2
    assert not any(where[1] == REGIONS[1] and where[0] != MANAGEMENT for where in org.clouds())


@pytest.mark.parametrize("delegated", [False, True])
def test_only_the_management_account_or_a_delegated_administrator_administers(
    make_organization: OrganizationFactory, apps: dict[str, Path], tmp_path: Path, delegated: bool
) -> None:
    # 111111111111 (where the app puts the StackSet) is a member of another management's
    # organization here: the StackSet must say it is called as a delegated administrator.
    of = Organization.create("o-abcdef1234", "999999999999", {UNIT: list(MEMBERS)})
    of.add_account(MANAGEMENT)
    app = apps["stack_set"]
    if delegated:
        of.register_delegated_administrator(MANAGEMENT)

        def delegate(template: dict[str, Any]) -> None:
            template["Resources"]["StackSet"]["Properties"]["CallAs"] = "DELEGATED_ADMIN"

        app = edited_copy(app, tmp_path / "delegated", f"{STACK_SET_STACK}.template.json", delegate)
    org = make_organization(of=of)
    result = org.deploy_assembly(app)
    if delegated:
        assert result.succeeded, result.failed
        assert len(org.stack_set_instances(STACK_SET)) == 6
        return
    _assert_rolled_back_without_instances(org, result, "is not the management account")


def test_an_account_moved_into_the_unit_gets_its_instances_and_loses_them_moved_out(
    make_organization: OrganizationFactory, apps: dict[str, Path]
) -> None:
    of = organization(**{UNIT: list(MEMBERS), OTHER_UNIT: [NEWCOMER]})
    org = make_organization(of=of)
    assert org.deploy_assembly(apps["stack_set"]).succeeded
    assert len(org.stack_set_instances(STACK_SET)) == 6

    [created] = org.move_account(NEWCOMER, UNIT)
    assert (created.action, created.status) == ("CREATE", "SUCCEEDED")
    joined = [i for i in org.stack_set_instances(STACK_SET) if i.account == NEWCOMER]
    assert sorted(i.region for i in joined) == sorted(REGIONS)
    assert {i.stack_status for i in joined} == {"CREATE_COMPLETE"}
    for instance in joined:
        token = org.cloud(NEWCOMER, instance.region).store.exports()[EXPORT_NAME]["value"]
        assert token.startswith(f"arn:aws:lambda:{instance.region}:{NEWCOMER}:function:")
    # The move is kept: a later run knows the account is in the unit.
    assert NEWCOMER in org.organization.accounts_in(UNIT)

    [deleted] = org.move_account(NEWCOMER, OTHER_UNIT)
    assert (deleted.action, deleted.status) == ("DELETE", "SUCCEEDED")
    assert len(org.stack_set_instances(STACK_SET)) == 6
    assert instance_stacks(org)[(NEWCOMER, REGIONS[0])] == []
    assert instance_stacks(org)[(NEWCOMER, REGIONS[1])] == []
