"""A CDK app that deploys only the shared provider stack: no project of your own needed.

    cdk deploy --app "python3 -m cdk_cleanrooms_ml.provider_app" \\
        [-c export_name=CleanRoomsMlAudienceExportServiceToken] [-c stack_name=...] \\
        [-c allowed_job_arns=<job ARN pattern>,<job ARN pattern>,...] \
        [-c training_dataset_arns=<pattern>,... -c output_role_arns=<pattern>,... \
         -c membership_ids=<id>,...] [-c runtime=python3.13]

Without ``allowed_job_arns`` the provider may export every generation job of its account and
region. With ``training_dataset_arns`` and ``output_role_arns`` it serves the model owner's
resources too (a ``ModelOwnerAllowList``; ``membership_ids`` for associations). ``runtime``
is the function's Python runtime (default the newest; see ``CleanRoomsMlProviderOptions``).
"""

from __future__ import annotations

import os

from aws_cdk import App, Environment

from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.provider_model_owner import ModelOwnerAllowList
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, python_runtime
from cdk_cleanrooms_ml.provider_stack import (
    DEFAULT_EXPORT_NAME,
    DEFAULT_STACK_NAME,
    CleanRoomsMlProviderStack,
)


def cli_environment() -> Environment | None:
    """The account/region the CDK CLI found in the current credentials; None without them."""
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    return Environment(account=account, region=region) if account or region else None


def allowed_job_arns(value: object, key: str = "allowed_job_arns") -> list[str] | None:
    """A list context (``allowed_job_arns``, ...): comma-separated (``-c``) or a list
    (cdk.json)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValidationError(key, "must be comma-separated ARN patterns or a list")
    patterns = [item.strip() if isinstance(item, str) else item for item in items]
    # An empty -c value is "not given"; the stack refuses an empty item among others.
    return None if patterns in ([], [""]) else patterns


def build(app: App) -> CleanRoomsMlProviderStack:
    """The provider stack, named, exported and scoped as the context says, for the CLI's
    account."""
    stack_name = app.node.try_get_context("stack_name") or DEFAULT_STACK_NAME
    export_name = app.node.try_get_context("export_name") or DEFAULT_EXPORT_NAME
    lists = {
        key: allowed_job_arns(app.node.try_get_context(key), key)
        for key in ("allowed_job_arns", "training_dataset_arns", "output_role_arns")
    }
    memberships = allowed_job_arns(app.node.try_get_context("membership_ids"), "membership_ids")
    model_owner = None
    if lists["training_dataset_arns"] is not None or lists["output_role_arns"] is not None:
        model_owner = ModelOwnerAllowList(
            lists["training_dataset_arns"] or [], lists["output_role_arns"] or [], memberships or []
        )
    options: CleanRoomsMlProviderOptions = {}
    runtime = app.node.try_get_context("runtime")
    if runtime not in (None, ""):  # an empty -c value is "not given"
        options["runtime"] = python_runtime(runtime)
    return CleanRoomsMlProviderStack(
        app,
        str(stack_name),
        export_name=str(export_name),
        allowed_job_arns=lists["allowed_job_arns"],
        model_owner=model_owner,
        env=cli_environment(),
        **options,
    )


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
