"""Shared helpers for the local lifecycle tests: assets, assemblies and stacks to deploy."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdk_cleanrooms_ml.local.provider_code import provider_code

REPO = Path(__file__).resolve().parents[2]
HANDLER_SOURCE = REPO / "lambda" / "cleanrooms_ml_provider"
JOB_ARN = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/example-lookalikes"
ACCOUNT = "111122223333"
REGION = "us-east-1"
# How the harness's messages name every custom resource type the provider serves.
EVERY_TYPE = (
    "Custom::CleanRoomsMlAudienceExport, Custom::CleanRoomsMlAudienceGenerationJob, "
    "Custom::CleanRoomsMlAudienceModel, Custom::CleanRoomsMlConfiguredAudienceModel, "
    "Custom::CleanRoomsMlConfiguredAudienceModelPolicy, "
    "Custom::CleanRoomsMlConfiguredAudienceModelAssociation or "
    "Custom::CleanRoomsMlProviderDrain"
)


def build_handler_asset(target: Path) -> Path:
    """The provider's asset laid out as in Lambda: the handler package, crhelper, dist-info."""
    return provider_code(target, HANDLER_SOURCE)


def export_properties(
    *,
    size_type: str = "PERCENTAGE",
    size_value: object = 20,
    name: str | None = "q4-lookalikes",
    description: object = None,
    job_arn: object = JOB_ARN,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ServiceToken": {"Fn::GetAtt": ["ProviderFunction", "Arn"]},
        "AudienceGenerationJobArn": job_arn,
        "AudienceSize": {"Type": size_type, "Value": size_value},
    }
    if name is not None:
        props["Name"] = name
    if description is not None:
        props["Description"] = description
    props.update(extra or {})
    return props


def provider_resources(asset_key: str, *, timeout: int = 300) -> dict[str, Any]:
    """A provider Lambda as the construct synthesizes it (no asset metadata: bare App())."""
    return {
        "ProviderRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        },
        # Where the provider schedules its polls, and the role Scheduler invokes it with.
        "ProviderScheduleGroup": {"Type": "AWS::Scheduler::ScheduleGroup", "Properties": {}},
        "ProviderSchedulerRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        },
        "ProviderFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {
                    "S3Bucket": f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}",
                    "S3Key": f"{asset_key}.zip",
                },
                "Handler": "cleanrooms_ml_provider.index.handler",
                "Role": {"Fn::GetAtt": ["ProviderRole", "Arn"]},
                "Runtime": "python3.14",
                "Architectures": ["arm64"],
                "Timeout": timeout,
                "MemorySize": 256,
                "Environment": {
                    "Variables": {
                        "LOG_LEVEL": "INFO",
                        "SCHEDULE_GROUP_NAME": {"Ref": "ProviderScheduleGroup"},
                        "SCHEDULER_ROLE_ARN": {"Fn::GetAtt": ["ProviderSchedulerRole", "Arn"]},
                    }
                },
            },
            "DependsOn": ["ProviderRole"],
        },
    }


def write_assembly(
    out: Path,
    stack_name: str,
    resources: Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    asset_source: Path | None = None,
    timeout: int = 300,
) -> Path:
    """A minimal cloud assembly like a bare ``App().synth()`` writes, with the handler asset."""
    out.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(stack_name.encode()).hexdigest()
    asset_dir = out / f"asset.{key}"
    if not asset_dir.exists():
        if asset_source is not None:
            shutil.copytree(asset_source, asset_dir)
        else:
            build_handler_asset(asset_dir)
    template: dict[str, Any] = {
        "Resources": {**provider_resources(key, timeout=timeout), **resources},
    }
    if parameters:
        template["Parameters"] = dict(parameters)
    if outputs:
        template["Outputs"] = dict(outputs)
    (out / f"{stack_name}.template.json").write_text(json.dumps(template, indent=1))
    assets = {
        "version": "55.0.0",
        "files": {
            key: {
                "source": {"path": asset_dir.name, "packaging": "zip"},
                "destinations": {"d": {"bucketName": "b", "objectKey": f"{key}.zip"}},
            }
        },
    }
    (out / f"{stack_name}.assets.json").write_text(json.dumps(assets))
    manifest = {
        "version": "55.0.0",
        "artifacts": {
            f"{stack_name}.assets": {
                "type": "cdk:asset-manifest",
                "properties": {"file": f"{stack_name}.assets.json"},
            },
            stack_name: {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{ACCOUNT}/{REGION}",
                "properties": {"templateFile": f"{stack_name}.template.json"},
                "dependencies": [f"{stack_name}.assets"],
                "displayName": stack_name,
            },
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def exports_of(endpoint: Any, job_arn: str = JOB_ARN) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = endpoint.exports(job_arn)
    return found


def assert_rolled_back_empty(cloud: Any, stack_name: str) -> None:
    """A failed create leaves the stack as CloudFormation does: ROLLBACK_COMPLETE, nothing in
    it, to be deleted before the next try."""
    state = cloud.store.load_stack(stack_name)
    assert state is not None
    assert state.status == "ROLLBACK_COMPLETE"
    assert (state.resources, state.outputs, state.imports) == ({}, {}, [])


# The plain template pipelines deploy (the README's "Using it from CloudFormation pipelines").
EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "cloudformation" / "audience-export.yaml"
)


# A stand-in function's clock module, laid out like the library's handler: the package's clock
# module is what the runtime replaces on virtual time (see awslambda/_bootstrap).
STAND_IN_CLOCK = """
import time

class SystemClock:
    def now(self):
        return time.time()

    def sleep(self, seconds):
        time.sleep(seconds)

_current = SystemClock()

def current():
    return _current

def use(clock):
    global _current
    _current = clock
"""
