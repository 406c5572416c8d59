"""A CDK app that deploys only the shared provider stack: no project of your own needed.

    cdk deploy --app "python3 -m cdk_cleanrooms_ml.provider_app" \\
        [-c export_name=CleanRoomsMlAudienceExportServiceToken] [-c stack_name=...] \\
        [-c allowed_job_arns=<job ARN pattern>,<job ARN pattern>,...] \
        [-c training_dataset_arns=<pattern>,... -c output_role_arns=<pattern>,... \
         -c membership_ids=<id>,...] [-c runtime=python3.13] \
        [-c allow_lists_as_parameters=true] [-c service_token_parameter_name=/path/name]

Without ``allowed_job_arns`` the provider may export every generation job of its account and
region. With ``training_dataset_arns`` and ``output_role_arns`` it serves the model owner's
resources too (a ``ModelOwnerAllowList``; ``membership_ids`` for associations). ``runtime``
is the function's Python runtime (default the newest; see ``CleanRoomsMlProviderOptions``).
``allow_lists_as_parameters=true`` makes the allow-lists the stack's parameters (one template
for every account and region; ``allowed_job_arns`` is then their default), and
``service_token_parameter_name`` also writes the token to that SSM parameter.

Across an organization (a service-managed StackSet; from the management account, or a
delegated administrator's with ``-c call_as=DELEGATED_ADMIN``)::

    cdk deploy --all --app "python3 -m cdk_cleanrooms_ml.provider_app" \
        -c organizational_unit_ids=ou-xxxx-xxxxxxxx,... -c regions=us-east-1,eu-west-1 \
        -c organization_id=o-xxxxxxxxxx [-c asset_bucket_prefix=...] [-c auto_deploy=false] \
        [-c max_concurrent_percentage=50] [-c failure_tolerance_percentage=10] \
        [-c region_concurrency=PARALLEL] [-c stack_set_name=...] [-c create_asset_buckets=false]

(see ``CleanRoomsMlProviderStackSet``).
"""

from __future__ import annotations

import os
from typing import Any

from aws_cdk import App, Environment

from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.provider_model_owner import ModelOwnerAllowList
from cdk_cleanrooms_ml.provider_options import CleanRoomsMlProviderOptions, python_runtime
from cdk_cleanrooms_ml.provider_stack import (
    DEFAULT_EXPORT_NAME,
    DEFAULT_STACK_NAME,
    CleanRoomsMlProviderStack,
)
from cdk_cleanrooms_ml.provider_stack_set import (
    DEFAULT_STACK_SET_STACK,
    CleanRoomsMlProviderStackSet,
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


def flag(value: object, key: str = "allow_lists_as_parameters") -> bool:
    """A yes/no context: ``true``/``false`` (any case) from ``-c``, or a JSON boolean."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValidationError(key, f"{str(value)[:40]!r} is not true or false")


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
    as_parameters = flag(app.node.try_get_context("allow_lists_as_parameters"))
    token_parameter = app.node.try_get_context("service_token_parameter_name") or None
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
        allow_lists_as_parameters=as_parameters,
        service_token_parameter_name=None if token_parameter is None else str(token_parameter),
        # One template for every account and region: the account and region stay pseudo parameters.
        env=None if as_parameters else cli_environment(),
        **options,
    )


def whole_number(value: object, key: str) -> int | None:
    """A number context: digits from ``-c``, or a JSON number; None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValidationError(key, f"{str(value)[:40]!r} is not a whole number")


def build_stack_set(app: App) -> CleanRoomsMlProviderStackSet:
    """The provider as a service-managed StackSet (``organizational_unit_ids`` given), from
    the management or a delegated administrator account the CLI's credentials are of."""
    context = app.node.try_get_context
    units = allowed_job_arns(context("organizational_unit_ids"), "organizational_unit_ids")
    regions = allowed_job_arns(context("regions"), "regions")
    if regions is None:
        raise ValidationError("regions", "required with organizational_unit_ids (-c regions=...)")
    options: CleanRoomsMlProviderOptions = {}
    runtime = context("runtime")
    if runtime not in (None, ""):
        options["runtime"] = python_runtime(runtime)
    given: dict[str, Any] = {
        "organization_id": context("organization_id") or None,
        "asset_bucket_prefix": context("asset_bucket_prefix") or None,
        "stack_set_name": context("stack_set_name") or None,
        "call_as": context("call_as") or None,
        "region_concurrency": context("region_concurrency") or None,
        "max_concurrent_percentage": whole_number(
            context("max_concurrent_percentage"), "max_concurrent_percentage"
        ),
        "failure_tolerance_percentage": whole_number(
            context("failure_tolerance_percentage"), "failure_tolerance_percentage"
        ),
    }
    if context("auto_deploy") not in (None, ""):
        given["auto_deploy"] = flag(context("auto_deploy"), "auto_deploy")
    if context("create_asset_buckets") not in (None, ""):
        given["create_asset_buckets"] = flag(
            context("create_asset_buckets"), "create_asset_buckets"
        )
    return CleanRoomsMlProviderStackSet(
        app,
        str(context("stack_name") or DEFAULT_STACK_SET_STACK),
        organizational_unit_ids=units or [],
        regions=regions,
        env=cli_environment(),
        **{key: value for key, value in given.items() if value is not None},
        **options,
    )


def main() -> None:
    app = App()
    if app.node.try_get_context("organizational_unit_ids") not in (None, ""):
        build_stack_set(app)
    else:
        build(app)
    app.synth()


if __name__ == "__main__":
    main()
