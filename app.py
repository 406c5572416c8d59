#!/usr/bin/env python3
"""Example app: a lookalike audience generation job and an export of it, or an export of a job
that already exists; inputs from context (cdk.json, ``cdk synth -c key=value``).

``job_arn`` selects what is declared. Empty (the default): the stack declares the generation
job (``AudienceGenerationJob``) and exports from it. Its inputs: ``model_arn`` (the configured
audience model), ``seed_uri`` (the seed's JSON lines in S3), ``seed_role_arn`` (the role Clean
Rooms ML reads the seed with), ``job_name`` (empty: derived from the stack, the construct and
the settings) and ``job_description`` (empty: none); it is tagged
``project=cleanrooms-ml-example``. A generation job's ARN instead: the stack only exports from
that job, and the job keys are not used.

The export's inputs, in both modes: ``size_type`` (ABSOLUTE or PERCENTAGE), ``size_value``,
``name`` (empty: derived from the construct path and the properties) and ``description``
(empty: none).

``provider`` selects where the Lambda lives: ``own`` (the example stack deploys its own) or
``shared``: the app also holds the provider stack ``CleanRoomsMlAudienceExportProvider``, which
exports its ServiceToken as ``export_name``, and the example stack imports that provider by its
token (no Lambda); that provider serves generation jobs too.
``flow=whole`` declares the whole lookalike flow instead, in the stack ``LookalikeFlowExample``:
training dataset, audience model, configured model, its resource policy, its association with
the collaboration of ``membership_id`` (the offline harness's default membership), a generation
job on it and an export (``make deploy FLOW=whole``).
A rejected value's error names the construct's field and the rule, and a note names the
context key that set it.
The defaults below are those of cdk.json, for running ``python3 app.py`` without the CDK CLI;
the model is the one the offline harness serves (``make deploy``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from aws_cdk import App, CfnOutput, Duration, Environment, Fn, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml import (
    AudienceExport,
    AudienceGenerationJob,
    AudienceModel,
    AudienceSize,
    AudienceSizeConfig,
    CleanRoomsMlProvider,
    CleanRoomsMlProviderStack,
    Column,
    ColumnType,
    ConfiguredAudienceModel,
    ConfiguredAudienceModelAssociation,
    ICleanRoomsMlProvider,
    SeedAudience,
    SharedAudienceMetrics,
    TrainingDataset,
    TrainingDataSource,
    ValidationError,
)
from cdk_cleanrooms_ml.provider_app import cli_environment

STACK_NAME = "AudienceExportExample"
DEFAULTS: dict[str, str] = {
    "job_arn": "",
    "model_arn": (
        "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/example-model"
    ),
    "seed_uri": "s3://cleanrooms-ml-example-seeds/q4/seed.jsonl",
    "seed_role_arn": "arn:aws:iam::111122223333:role/cleanrooms-ml-example-seed-reader",
    "job_name": "",
    "job_description": "Lookalikes of the example seed audience",
    "size_type": "PERCENTAGE",
    "size_value": "20",
    "name": "",
    "description": "Lookalike audience for the example campaign",
    "provider": "own",
    "export_name": CleanRoomsMlProviderStack.DEFAULT_EXPORT_NAME,
    "flow": "export",
    "membership_id": "5e0c7a3d-2b4f-4c19-8a6e-0d1f2a3b4c5d",
}
PROVIDER_MODES = ("own", "shared")
FLOWS = ("export", "whole")
FLOW_STACK_NAME = "LookalikeFlowExample"
PROJECT_TAG = ("project", "cleanrooms-ml-example")
# The construct field an error names -> the context key that set it.
EXPORT_KEYS: dict[str, str] = {
    "audience_size.type": "size_type",
    "audience_size.value": "size_value",
    "audience_generation_job_arn": "job_arn",
    "name": "name",
    "description": "description",
}
FLOW_KEYS: dict[str, str] = {"membership_id": "membership_id", "seed_audience.uri": "seed_uri"}
JOB_KEYS: dict[str, str] = {
    "configured_audience_model_arn": "model_arn",
    "seed_audience.uri": "seed_uri",
    "seed_audience.role": "seed_role_arn",
    "name": "job_name",
    "description": "job_description",
}


def context(scope: Construct, key: str) -> str:
    """A context value as a string (``-c`` gives strings, cdk.json may give numbers)."""
    value = scope.node.try_get_context(key)
    return DEFAULTS[key] if value is None else str(value)


def optional(scope: Construct, key: str) -> str | None:
    """A context value where empty means "not given" (the construct's default)."""
    return context(scope, key).strip() or None


@contextmanager
def keys_of(fields: Mapping[str, str]) -> Iterator[None]:
    """Add the context key to a rejected value's error, which names the construct's field:
    ``name`` is the job's in one place and the export's in another."""
    try:
        yield
    except ValidationError as error:
        key = fields.get(error.field)
        if key is not None:
            error.add_note(f"(from the context key {key!r}: cdk.json or -c {key}=...)")
        raise


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
        provider = (
            None
            if provider_export_name is None
            else CleanRoomsMlProvider.from_service_token(
                self, "SharedProvider", Fn.import_value(provider_export_name)
            )
        )
        with keys_of(EXPORT_KEYS):
            size = AudienceSize.of(
                context(self, "size_type").strip().upper(), context(self, "size_value")
            )
        name = optional(self, "name")
        description = context(self, "description") or None
        job_arn = optional(self, "job_arn")
        if job_arn is None:
            # Outside the export's keys: the job's fields are named `name` and so on too.
            job = self._generation_job(provider)
            with keys_of(EXPORT_KEYS):
                export = job.export(
                    "Q4Lookalikes", audience_size=size, name=name, description=description
                )
        else:
            with keys_of(EXPORT_KEYS):
                export = AudienceExport(
                    self,
                    "Q4Lookalikes",
                    audience_generation_job_arn=job_arn,
                    audience_size=size,
                    name=name,
                    description=description,
                    provider=provider,
                )
        CfnOutput(self, "ExportName", value=export.export_name)
        CfnOutput(self, "ExportStatus", value=export.status)
        CfnOutput(self, "ExportOutputLocation", value=export.output_location)

    def _generation_job(self, provider: ICleanRoomsMlProvider | None) -> AudienceGenerationJob:
        """The lookalike job the export is made from, with its attributes as outputs."""
        with keys_of(JOB_KEYS):
            seed = SeedAudience.from_s3(
                context(self, "seed_uri").strip(), role=context(self, "seed_role_arn").strip()
            )
            job = AudienceGenerationJob(
                self,
                "Lookalikes",
                configured_audience_model_arn=context(self, "model_arn").strip(),
                seed_audience=seed,
                name=optional(self, "job_name"),
                description=context(self, "job_description") or None,
                provider=provider,
            )
        # Changed in place on an update (Tag/Untag): the job is not started again.
        Tags.of(job).add(*PROJECT_TAG)
        CfnOutput(self, "JobArn", value=job.job_arn)
        CfnOutput(self, "JobName", value=job.job_name)
        CfnOutput(self, "JobStatus", value=job.status)
        CfnOutput(self, "OfferedSizes", value=job.offered_sizes)
        return job


class LookalikeFlowExampleStack(Stack):
    """The whole lookalike flow, model owner's half and seed owner's: a training dataset, an
    audience model trained on it (hours), a configured model offering it, its resource policy,
    its association with a collaboration (``membership_id``), a generation job and an export."""

    def __init__(
        self, scope: Construct, construct_id: str, *, env: Environment | None = None
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        dataset = TrainingDataset(
            self,
            "Clicks",
            source=TrainingDataSource.glue("ads", "clicks"),
            columns=[
                Column("user_id", ColumnType.USER_ID),
                Column("item_id", ColumnType.ITEM_ID),
                Column("ts", ColumnType.TIMESTAMP),
            ],
        )
        model = AudienceModel(
            self,
            "Shoppers",
            training_dataset_arn=dataset.training_dataset_arn,
            wait_for_completion=Duration.hours(4),
        )
        writer = iam.Role(
            self, "AudienceWriter", assumed_by=iam.ServicePrincipal("cleanrooms-ml.amazonaws.com")
        )
        offer = ConfiguredAudienceModel(
            self,
            "Offer",
            audience_model_arn=model.audience_model_arn,
            output_location="s3://cleanrooms-ml-example-audiences/lookalikes/",
            output_role=writer,
            shared_audience_metrics=SharedAudienceMetrics.ALL,
            audience_size_config=AudienceSizeConfig.percentage([5, 10, 20]),
        )
        offer.grant_generate(iam.AccountPrincipal(self.account))
        with keys_of(FLOW_KEYS):
            association = ConfiguredAudienceModelAssociation(
                self,
                "InCollaboration",
                membership_id=context(self, "membership_id").strip(),
                configured_audience_model_arn=offer.configured_audience_model_arn,
                manage_resource_policies=False,
            )
            seed = SeedAudience.from_s3(context(self, "seed_uri").strip(), role=writer)
        job = offer.generate("Lookalikes", seed_audience=seed)
        job.node.add_dependency(association)  # generated once offered to the collaboration
        export = job.export("Top10", audience_size=AudienceSize.percentage(10))
        Tags.of(self).add(*PROJECT_TAG)
        CfnOutput(self, "ModelArn", value=model.audience_model_arn)
        CfnOutput(self, "CollaborationId", value=association.collaboration_id)
        CfnOutput(self, "ExportLocation", value=export.output_location)


def build(app: App) -> Stack:
    """The example stack (and, with ``provider=shared``, the provider stack it imports from)."""
    # Set by the CDK CLI from the current credentials; without them the stacks are env-agnostic.
    env = cli_environment()
    flow = context(app, "flow").strip().lower()
    if flow not in FLOWS:
        raise ValueError(f"flow: {flow!r} is not one of {', '.join(FLOWS)}")
    if flow == "whole":
        return LookalikeFlowExampleStack(app, FLOW_STACK_NAME, env=env)
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
