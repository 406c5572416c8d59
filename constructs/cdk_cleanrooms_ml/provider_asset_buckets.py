"""The provider's code in every region a StackSet deploys to, readable by the organization.

A StackSet's instances read their Lambda code from S3 in their own region, as their own
account: a CDK asset in the administrator's bootstrap bucket is in one region and private to
that account (aws/aws-cdk#26310: ``NoSuchKey``). So, per region, two stacks in the
administrator's account:

- ``<id>Bucket<region>`` (unless the buckets are given): the bucket ``<prefix>-<region>``,
  private, TLS only, whose objects the organization's accounts may read
  (``aws:PrincipalOrgID``), and which the CDK CLI's file publishing role of that region may
  write to;
- ``<id>Code<region>``: publishes the provider's code asset into that bucket (its synthesizer's
  file asset bucket; the key is the asset's hash, so a new version is a new key and an
  instance never reads a half-replaced zip), and records where in an SSM parameter.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import (
    Acknowledgment,
    AssetHashType,
    DefaultStackSynthesizer,
    Environment,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_cleanrooms_ml.asset import archive

DEFAULT_QUALIFIER: Final = DefaultStackSynthesizer.DEFAULT_QUALIFIER
_NO_ACCESS_LOGS: Final = (
    "The bucket holds only the provider's code zip, written by the CDK CLI and read by the"
    " StackSet's instances; enable CloudTrail S3 data events if its reads must be audited."
)


def bucket_name(prefix: str, region: str) -> str:
    return f"{prefix}-{region}"


def code_synthesizer(bucket: str, qualifier: str) -> DefaultStackSynthesizer:
    """A synthesizer that publishes file assets into ``bucket`` at ``<hash>.<ext>``."""
    return DefaultStackSynthesizer(
        qualifier=qualifier,
        file_assets_bucket_name=bucket,
        bucket_prefix="",
    )


class AssetBucketStack(Stack):
    """The bucket the provider's code is published to in one region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: str,
        organization_id: str,
        qualifier: str,
        env: Environment,
        stack_name: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            description=f"Code bucket of the cdk-cleanrooms-ml provider StackSet ({bucket})",
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # Stacks of the organization run this code: removing the bucket is a decision.
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Read by the StackSet's instances, each as its own account of the organization.
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                principals=[iam.AnyPrincipal()],
                resources=[self.bucket.arn_for_objects("*")],
                conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )
        # Written by the CDK CLI (the file publishing role the bootstrap made in this region).
        publisher = iam.ArnPrincipal(
            self.format_arn(
                service="iam",
                region="",
                resource="role",
                resource_name=f"cdk-{qualifier}-file-publishing-role-{self.account}-{self.region}",
            )
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket"],
                principals=[publisher],
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            )
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(id="AwsSolutions::AwsSolutions-S1", reason=_NO_ACCESS_LOGS)
        )


class CodeStack(Stack):
    """Publishes the provider's code into one region's bucket (the CDK CLI does, before it
    deploys this stack) and records the object in an SSM parameter of that region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: str,
        qualifier: str,
        env: Environment,
        stack_name: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            synthesizer=code_synthesizer(bucket, qualifier),
            description=f"Code of the cdk-cleanrooms-ml provider StackSet, in {bucket}",
        )
        found = archive()
        self.asset = s3_assets.Asset(
            self,
            "ProviderCode",
            path=str(found.path),
            asset_hash=found.asset_hash,
            asset_hash_type=AssetHashType.CUSTOM,
        )
        self.object_key = self.asset.s3_object_key
        self.record = ssm.StringParameter(
            self,
            "CodeLocation",
            string_value=f"s3://{bucket}/{self.object_key}",
            description="Where the cdk-cleanrooms-ml provider StackSet's instances read their code",
        )
