"""Deploying what the previous release synthesized, updating it with today's library, and what
must hold across the update (``test_upgrade_from_previous_release.py``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, Final

from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed
from cdk_cleanrooms_ml.local.cloudformation.assembly import StackTemplate, load_assembly
from cdk_cleanrooms_ml.local.cloudformation.driver import StackResult
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.scheduler.models import DEFAULT_GROUP
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE
from tests.fixtures.regenerate_assemblies import ASSEMBLIES, INDEX
from tests.local.generation_support import JOB_ARN_PREFIX, job_seed, started_jobs

# Billed once per start: a Create or a Delete of one of these is a job or export made again.
BILLED: Final = (GENERATION_JOB_RESOURCE_TYPE, RESOURCE_TYPE)
STARTS: Final = ("StartAudienceGenerationJob", "StartAudienceExportJob")
UPDATED: Final = ("UPDATE_COMPLETE", "NO_CHANGES")
# The README's shared-provider app (block 4) exports from this job; the seed serves it.
TEAM_A_JOB: Final = f"{JOB_ARN_PREFIX}team-a-spring"

Stacks = dict[str, StackTemplate]
PhysicalIds = dict[tuple[str, str], str]


def old_apps() -> dict[str, str]:
    """App (as ``pinned_apps.py`` names it) -> its folder of previous-release assemblies."""
    index: dict[str, str] = json.loads(INDEX.read_text(encoding="utf-8"))
    return index


def copy_old_assemblies(target: Path) -> Path:
    """The fixtures copied to ``target``: loading one unpacks the shared asset beside it."""
    return Path(shutil.copytree(ASSEMBLIES, target))


def stacks_in(folder: Path) -> Stacks:
    """The assembly's stacks, each after the stacks it depends on (``cdk deploy --all``)."""
    stacks = load_assembly(folder)
    artifacts = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    needs = {
        name: [d for d in artifacts[name].get("dependencies", []) if d in stacks] for name in stacks
    }
    return {name: stacks[name] for name in TopologicalSorter(needs).static_order()}


def upgrade_seed(job_s: float) -> dict[str, Any]:
    """The library's seed (the example job) with the README's team-a job, and the model the
    apps start jobs on (each ACTIVE ``job_s`` after its start)."""
    seed = default_seed()
    [example] = seed["audienceGenerationJobs"]
    team_a = {**example, "audienceGenerationJobArn": TEAM_A_JOB, "name": "team-a-spring"}
    jobs = job_seed(job_s)
    return {
        **seed,
        "audienceGenerationJobs": [example, team_a],
        "configuredAudienceModels": jobs["configuredAudienceModels"],
        "generationJobDurations": jobs["generationJobDurations"],
    }


def deploy_all(cloud: LocalCloud, stacks: Stacks) -> list[StackResult]:
    return [cloud.deploy(stack) for stack in stacks.values()]


def physical_ids(cloud: LocalCloud, names: list[str]) -> PhysicalIds:
    """(stack, logical id) -> physical id of every resource of the stacks ``names``."""
    found: PhysicalIds = {}
    for name in names:
        state = cloud.store.load_stack(name)
        assert state is not None, f"{name} is not deployed"
        found.update({(name, lid): r.physical_id for lid, r in state.resources.items()})
    return found


def outputs_of(cloud: LocalCloud, name: str) -> dict[str, str]:
    state = cloud.store.load_stack(name)
    assert state is not None, f"{name} is not deployed"
    return state.outputs


def start_counts(cloud: LocalCloud) -> dict[str, int]:
    """Every call to the Start APIs, answered or not."""
    return {action: len(cloud.endpoint.calls_to(action)) for action in STARTS}


def churn(result: StackResult, before: PhysicalIds) -> list[str]:
    """The update's operations that delete a resource, make one again under a logical id the
    stack already had, or create a job or export (billed again)."""
    existing = {lid for stack, lid in before if stack == result.stack_name}
    return [
        f"{result.stack_name}: {op.request_type} {op.logical_id} ({op.event['ResourceType']})"
        for op in result.operations
        if op.request_type == "Delete"
        or (
            op.request_type == "Create"
            and (op.logical_id in existing or op.event["ResourceType"] in BILLED)
        )
    ]


def replaced(before: PhysicalIds, after: PhysicalIds) -> dict[tuple[str, str], str]:
    """Resources of ``before`` gone or with another physical id after: old id -> new (or "")."""
    return {
        key: f"{old} -> {after.get(key, '')}"
        for key, old in before.items()
        if after.get(key) != old
    }


def upgrade(cloud: LocalCloud, old_stacks: Stacks, new_stacks: Stacks) -> list[str]:
    """Deploy ``new_stacks`` over the deployed ``old_stacks`` (the same names, in order); what
    was not an in-place update, one line each: empty when nothing was replaced or started
    again and every output kept its value."""
    names = list(old_stacks)
    before, starts = physical_ids(cloud, names), start_counts(cloud)
    outputs = {name: outputs_of(cloud, name) for name in names}
    found = [] if list(new_stacks) == names else [f"stacks {names} became {list(new_stacks)}"]
    for result in deploy_all(cloud, new_stacks):
        name = result.stack_name
        if result.status not in UPDATED:
            found.append(f"{name}: {result.status} ({result.reason})")
        found += churn(result, before)
        now = outputs_of(cloud, name)
        found += [
            f"{name}: output {key} {value!r} -> {now.get(key)!r}"
            for key, value in outputs.get(name, {}).items()
            if now.get(key) != value
        ]
    found += [
        f"{stack}: {lid} replaced ({change})"
        for (stack, lid), change in replaced(before, physical_ids(cloud, names)).items()
    ]
    found += [
        f"{action} called again: {starts[action]} -> {count}"
        for action, count in start_counts(cloud).items()
        if count != starts[action]
    ]
    return found


def retained_jobs(cloud: LocalCloud, names: list[str]) -> set[str]:
    """The job ARNs a destroy of ``names`` keeps (DeletionPolicy Retain)."""
    kept = set()
    for name in names:
        state = cloud.store.load_stack(name)
        assert state is not None
        kept |= {
            r.physical_id
            for r in state.resources.values()
            if r.type == GENERATION_JOB_RESOURCE_TYPE and r.deletion_policy == "Retain"
        }
    return kept


def destroy_all(cloud: LocalCloud, stacks: Mapping[str, StackTemplate]) -> set[str]:
    """Destroy ``stacks`` dependents first; the job ARNs kept by a Retain policy."""
    names = list(stacks)
    kept = retained_jobs(cloud, names)
    for name in reversed(names):
        destroyed = cloud.destroy(name)
        assert destroyed.status == "DELETE_COMPLETE", f"{name}: {destroyed.reason}"
    return kept


def assert_nothing_left(cloud: LocalCloud, kept_jobs: set[str]) -> None:
    """No stack, export, function, schedule group or pending schedule; no job but those kept
    on purpose."""
    assert cloud.store.stack_names() == []
    assert cloud.store.exports() == {}
    assert cloud.store.functions() == {}
    assert set(cloud.scheduler.groups) == {DEFAULT_GROUP}
    assert not cloud.scheduler.pending()
    assert {job.arn for job in started_jobs(cloud)} == kept_jobs
