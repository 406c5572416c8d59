"""The handler on a Lambda runtime whose botocore is older than the features it uses.

Runtimes bundle boto3 months behind the service; botocore 1.34.77 (the release that brought the
audience APIs) knows neither ``sqlParameters`` nor ``sqlComputeConfiguration`` and refuses them
on the client. The handler ships the service models it was tested against and loads them ahead
of the runtime's: SQL seeds with ``SeedCompute`` on CR.8X workers, SQL parameters and the
ownership tag work on that runtime, and the same asset without the models fails as AWS would.
The runtime's boto3 is installed from the package registry once per test session.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import pytest

from cdk_cleanrooms_ml._handler import tags as tag_rules
from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.generation_support import MODEL, SEED_ROLE, job_seed, started_jobs
from tests.local.support import build_handler_asset, write_assembly

pytestmark = pytest.mark.slow

OLD_BOTOCORE: Final = "1.34.77"
STACK: Final = "SqlSeeds"
TOKEN: Final = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}
TEMPLATE_ARN: Final = (
    "arn:aws:cleanrooms:us-east-1:111122223333:membership/5e0c7a3d-2b4f-4c19-8a6e-0d1f2a3b4c5d"
    "/analysistemplate/7f3e2d1c-0b9a-4e8d-9c7b-6a5f4e3d2c1b"
)


@pytest.fixture(scope="session")
def old_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """boto3 and botocore 1.34.77 with their dependencies, as a runtime folder."""
    target = tmp_path_factory.mktemp("old-boto3")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--target", str(target),
            f"boto3=={OLD_BOTOCORE}", f"botocore=={OLD_BOTOCORE}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    # The runtime really is the old one: its model lacks what the handler sends.
    found = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE],
        env={"PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert found == [OLD_BOTOCORE, "False"], found
    return target


_PROBE = (
    "import botocore, botocore.session as s\n"
    "m = s.get_session().get_service_model('cleanroomsml')\n"
    "seed = m.operation_model('StartAudienceGenerationJob').input_shape.members['seedAudience']\n"
    "print(botocore.__version__, 'sqlComputeConfiguration' in seed.members)\n"
)


def _job(seed: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "Type": GENERATION_JOB_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": TOKEN,
            "ConfiguredAudienceModelArn": MODEL,
            "SeedAudience": {"RoleArn": SEED_ROLE, **seed},
            "Name": name,
            "Tags": [{"Key": "team", "Value": "growth"}],
        },
    }


RESOURCES: Final = {
    "QueryJob": _job(
        {
            "SqlParameters": {"QueryString": "SELECT user_id FROM seeds"},
            "SqlComputeConfiguration": {
                "Worker": {
                    "Type": "CR.8X",
                    "Number": "8",
                    "Properties": {"Spark": {"spark.sql.shuffle.partitions": "64"}},
                }
            },
        },
        "query-seeded",
    ),
    "TemplateJob": _job(
        {"SqlParameters": {"AnalysisTemplateArn": TEMPLATE_ARN, "Parameters": {"q": "4"}}},
        "template-seeded",
    ),
}


def _assembly(out: Path, *, with_models: bool) -> Path:
    asset = out.parent / "asset"
    build_handler_asset(asset)
    if not with_models:
        shutil.rmtree(asset / "cleanrooms_ml_provider" / "models")
    return write_assembly(out, STACK, RESOURCES, asset_source=asset)


def test_sql_seeds_work_on_an_old_runtime_through_the_shipped_models(
    tmp_path: Path, make_cloud: CloudFactory, old_runtime: Path
) -> None:
    cloud = make_cloud(seed=job_seed(60.0), runtime_packages=old_runtime, fast_clock=True)

    created = cloud.deploy(load_stack(_assembly(tmp_path / "cdk.out", with_models=True)))

    assert created.status == "CREATE_COMPLETE", created.reason
    [start_query, start_template] = sorted(
        cloud.endpoint.calls_to("StartAudienceGenerationJob"), key=lambda c: str(c.params["name"])
    )
    seed = start_query.params["seedAudience"]
    assert seed["sqlComputeConfiguration"]["worker"]["type"] == "CR.8X"
    assert seed["sqlParameters"] == {"queryString": "SELECT user_id FROM seeds"}
    assert start_template.params["seedAudience"]["sqlParameters"]["parameters"] == {"q": "4"}
    jobs = started_jobs(cloud)
    assert {job.name for job in jobs} == {"query-seeded", "template-seeded"}
    assert all(job.status == "ACTIVE" and job.owner for job in jobs)
    assert all(job.tags == {"team": "growth"} for job in jobs)
    assert all(tag_rules.OWNER_TAG_KEY not in job.tags for job in jobs)
    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason


def test_without_the_shipped_models_the_old_runtime_refuses_them(
    tmp_path: Path, make_cloud: CloudFactory, old_runtime: Path
) -> None:
    cloud = make_cloud(seed=job_seed(60.0), runtime_packages=old_runtime, fast_clock=True)

    created = cloud.deploy(load_stack(_assembly(tmp_path / "cdk.out", with_models=False)))

    assert created.status == "ROLLBACK_COMPLETE"
    assert 'Unknown parameter in seedAudience: "sqlParameters"' in created.reason
    assert cloud.endpoint.calls_to("StartAudienceGenerationJob") == []
    assert started_jobs(cloud) == []
