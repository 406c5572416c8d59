#!/usr/bin/env python3
"""Example app: one audience export; inputs from context (cdk.json, ``cdk synth -c key=value``).

Context keys: ``job_arn``, ``size_type`` (ABSOLUTE or PERCENTAGE), ``size_value``, ``name``
(empty: derived from the construct path and the properties) and ``description`` (empty: none).
The defaults below are those of cdk.json, for running ``python3 app.py`` without the CDK CLI.
"""

from __future__ import annotations

import os

from aws_cdk import App, CfnOutput, Environment, Stack
from cdk_cleanrooms_ml import AudienceExport, AudienceSize
from cdk_cleanrooms_ml._handler import rules

from constructs import Construct

STACK_NAME = "AudienceExportExample"
DEFAULTS: dict[str, str] = {
    "job_arn": (
        "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/example-lookalikes"
    ),
    "size_type": "PERCENTAGE",
    "size_value": "20",
    "name": "",
    "description": "Lookalike audience for the example campaign",
}


def context(scope: Construct, key: str) -> str:
    """A context value as a string (``-c`` gives strings, cdk.json may give numbers)."""
    value = scope.node.try_get_context(key)
    return DEFAULTS[key] if value is None else str(value)


class AudienceExportExampleStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, env: Environment | None = None
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        name = context(self, "name").strip()
        description = context(self, "description")
        export = AudienceExport(
            self,
            "Q4Lookalikes",
            audience_generation_job_arn=context(self, "job_arn"),
            audience_size=AudienceSize.of(
                context(self, "size_type").strip().upper(),
                rules.parse_int(context(self, "size_value"), "size_value"),
            ),
            name=name or None,
            description=description or None,
        )
        CfnOutput(self, "ExportName", value=export.export_name)
        CfnOutput(self, "ExportStatus", value=export.status)
        CfnOutput(self, "ExportOutputLocation", value=export.output_location)


def main() -> None:
    app = App()
    # Set by the CDK CLI from the current credentials; without them the stack is env-agnostic.
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    env = Environment(account=account, region=region) if account or region else None
    AudienceExportExampleStack(app, STACK_NAME, env=env)
    app.synth()


if __name__ == "__main__":
    main()
