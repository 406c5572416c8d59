"""A CDK app that deploys only the shared provider stack: no project of your own needed.

    cdk deploy --app "python3 -m cdk_cleanrooms_ml.provider_app" \\
        [-c export_name=CleanRoomsMlAudienceExportServiceToken] [-c stack_name=...]
"""

from __future__ import annotations

import os

from aws_cdk import App, Environment

from cdk_cleanrooms_ml.provider_stack import (
    DEFAULT_EXPORT_NAME,
    DEFAULT_STACK_NAME,
    AudienceExportProviderStack,
)


def cli_environment() -> Environment | None:
    """The account/region the CDK CLI found in the current credentials; None without them."""
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    return Environment(account=account, region=region) if account or region else None


def build(app: App) -> AudienceExportProviderStack:
    """The provider stack, named and exported as the context says, for the CLI's account."""
    stack_name = app.node.try_get_context("stack_name") or DEFAULT_STACK_NAME
    export_name = app.node.try_get_context("export_name") or DEFAULT_EXPORT_NAME
    return AudienceExportProviderStack(
        app, str(stack_name), export_name=str(export_name), env=cli_environment()
    )


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
