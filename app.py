#!/usr/bin/env python3
"""Example app: one audience export; inputs from context (cdk.json, ``cdk synth -c key=value``).

Context keys: ``job_arn``, ``size_type`` (ABSOLUTE or PERCENTAGE), ``size_value``, ``name``
(empty: derived from the construct path and the properties) and ``description`` (empty: none).

``provider`` selects where the Lambda lives: ``own`` (the example stack deploys its own) or
``shared``: the app also holds the provider stack ``CleanRoomsMlAudienceExportProvider``, which
exports its ServiceToken as ``export_name``, and the example stack imports that provider by its
token (no Lambda).
The defaults below are those of cdk.json, for running ``python3 app.py`` without the CDK CLI.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Environment, Fn, Stack
from constructs import Construct

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceSize,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
)
from cdk_cleanrooms_ml.provider_app import cli_environment

STACK_NAME = "AudienceExportExample"
DEFAULTS: dict[str, str] = {
    "job_arn": (
        "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/example-lookalikes"
    ),
    "size_type": "PERCENTAGE",
    "size_value": "20",
    "name": "",
    "description": "Lookalike audience for the example campaign",
    "provider": "own",
    "export_name": CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME,
}
PROVIDER_MODES = ("own", "shared")


def context(scope: Construct, key: str) -> str:
    """A context value as a string (``-c`` gives strings, cdk.json may give numbers)."""
    value = scope.node.try_get_context(key)
    return DEFAULTS[key] if value is None else str(value)


class AudienceExportExampleStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env: Environment | None = None,
        provider_export_name: str | None = None,
    ) -> None:
        """:param provider_export_name: import the provider by the ServiceToken exported under
        this name (no Lambda here); default: the stack deploys its own provider."""
        super().__init__(scope, construct_id, env=env)
        name = context(self, "name").strip()
        description = context(self, "description")
        provider = (
            None
            if provider_export_name is None
            else CleanRoomsMlProvider.from_service_token(
                self, "SharedProvider", Fn.import_value(provider_export_name)
            )
        )
        export = AudienceExport(
            self,
            "Q4Lookalikes",
            audience_generation_job_arn=context(self, "job_arn"),
            audience_size=AudienceSize.of(
                context(self, "size_type").strip().upper(), context(self, "size_value")
            ),
            name=name or None,
            description=description or None,
            provider=provider,
        )
        CfnOutput(self, "ExportName", value=export.export_name)
        CfnOutput(self, "ExportStatus", value=export.status)
        CfnOutput(self, "ExportOutputLocation", value=export.output_location)


def build(app: App) -> AudienceExportExampleStack:
    """The example stack (and, with ``provider=shared``, the provider stack it imports from)."""
    # Set by the CDK CLI from the current credentials; without them the stacks are env-agnostic.
    env = cli_environment()
    mode = context(app, "provider").strip().lower()
    if mode not in PROVIDER_MODES:
        raise ValueError(f"provider: {mode!r} is not one of {', '.join(PROVIDER_MODES)}")
    if mode == "own":
        return AudienceExportExampleStack(app, STACK_NAME, env=env)
    provider = CleanRoomsMlProviderStack(
        app, export_name=context(app, "export_name").strip(), env=env
    )
    # Imported by name, as a plain template does: no stack reference, no Lambda here.
    stack = AudienceExportExampleStack(
        app, STACK_NAME, env=env, provider_export_name=provider.export_name
    )
    # `cdk deploy --all` then deploys the provider first.
    stack.add_stack_dependency(provider)
    return stack


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
