"""Shared by the StackSet tests: the organization they deploy to, the apps they synthesize, and
what they read back from its clouds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from cdk_cleanrooms_ml import AudienceExport, AudienceSize, CleanRoomsMlProvider
from cdk_cleanrooms_ml.local.organization_harness import LocalOrganization
from cdk_cleanrooms_ml.local.organizations import Organization
from cdk_cleanrooms_ml.provider_stack_set import CleanRoomsMlProviderStackSet
from cdk_cleanrooms_ml.stack_set_rules import AccountAllowLists

ORGANIZATION_ID = "o-abcdef1234"
MANAGEMENT = "111111111111"
UNIT = "ou-ab12-cdef3456"
OTHER_UNIT = "ou-ab12-staging01"
MEMBERS = ("222222222222", "333333333333", "444444444444")
REGIONS = ("us-east-1", "eu-west-1")
STACK_SET = "CleanRoomsMlProvider"
STACK_SET_STACK = "CleanRoomsMlProviderStackSet"
EXPORT_NAME = "CleanRoomsMlAudienceExportServiceToken"
NARROWED_ROLES = "arn:aws:iam::333333333333:role/seed-*"


def job_arn(account: str, region: str) -> str:
    """The example job each cloud of the organization serves, in its account and region."""
    return f"arn:aws:cleanrooms-ml:{region}:{account}:audience-generation-job/example-lookalikes"


def organization(**units: list[str]) -> Organization:
    """The test organization: ``UNIT`` holds the members unless ``units`` says otherwise."""
    return Organization.create(ORGANIZATION_ID, MANAGEMENT, units or {UNIT: list(MEMBERS)})


def synth_stack_set(out: Path, **props: Any) -> Path:
    """The provider StackSet to ``UNIT`` in both regions, from the management account."""
    app = cdk.App(outdir=str(out))
    CleanRoomsMlProviderStackSet(
        app,
        organizational_unit_ids=[UNIT],
        regions=list(REGIONS),
        organization_id=ORGANIZATION_ID,
        env=cdk.Environment(account=MANAGEMENT, region=REGIONS[0]),
        **props,
    )
    app.synth()
    return out


def synth_stack_set_narrowed(out: Path) -> Path:
    """As :func:`synth_stack_set`, with narrower seed roles for 333333333333."""
    return synth_stack_set(
        out,
        account_allow_lists={
            MEMBERS[1]: AccountAllowLists(allowed_seed_role_arns=[NARROWED_ROLES]),
        },
    )


def synth_consumers(out: Path) -> Path:
    """Two consumers, each in a member account and region: one reads the instance's
    ServiceToken from SSM, the other imports its export."""
    app = cdk.App(outdir=str(out))
    from_ssm = cdk.Stack(
        app, "ConsumerSsm", env=cdk.Environment(account=MEMBERS[0], region=REGIONS[0])
    )
    AudienceExport(
        from_ssm,
        "Q4",
        audience_generation_job_arn=job_arn(MEMBERS[0], REGIONS[0]),
        audience_size=AudienceSize.percentage(20),
        name="ssm-q4",
        provider=CleanRoomsMlProvider.from_service_token_parameter(from_ssm, "Provider"),
    )
    from_export = cdk.Stack(
        app, "ConsumerImport", env=cdk.Environment(account=MEMBERS[2], region=REGIONS[1])
    )
    AudienceExport(
        from_export,
        "Q4",
        audience_generation_job_arn=job_arn(MEMBERS[2], REGIONS[1]),
        audience_size=AudienceSize.percentage(20),
        name="import-q4",
        provider=CleanRoomsMlProvider.from_service_token(
            from_export, "Provider", cdk.Fn.import_value(EXPORT_NAME)
        ),
    )
    app.synth()
    return out


def edited_copy(
    source: Path, target: Path, template: str, edit: Callable[[dict[str, Any]], None]
) -> Path:
    """A copy of the assembly ``source`` whose ``template`` file ``edit`` changed (what the
    construct refuses at synth, written by hand)."""
    shutil.copytree(source, target)
    path = target / template
    body = json.loads(path.read_text(encoding="utf-8"))
    edit(body)
    path.write_text(json.dumps(body), encoding="utf-8")
    return target


def instance_stacks(org: LocalOrganization) -> dict[tuple[str, str], list[str]]:
    """The StackSet instance stacks left in every cloud started (none: an empty list)."""
    return {
        where: [s.stack_name for s in cloud.store.stacks() if s.stack_name.startswith("StackSet-")]
        for where, cloud in org.clouds().items()
    }


def policy_of(org: LocalOrganization, account: str, region: str, stack_name: str) -> Any:
    """The instance's AllowListsPolicy document, as deployed (resolved)."""
    state = org.cloud(account, region).store.load_stack(stack_name)
    assert state is not None
    return state.resources["AllowListsPolicy"].properties["PolicyDocument"]
