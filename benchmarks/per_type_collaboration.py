"""N resource policies and N collaboration associations, ours and their nearest peers (an
``AwsCustomResource`` making the same call), for :mod:`per_type`."""

from __future__ import annotations

import json
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr

from cdk_cleanrooms_ml import ConfiguredAudienceModelAssociation, ConfiguredAudienceModelPolicy

from .per_type_builds import configured_model_arn
from .synth import ACCOUNT, REGION, SDK_SERVICE

SEED_OWNER: Final = "444455556666"
MEMBERSHIP: Final = "0f1e2d3c-4b5a-4697-8877-665544332211"


def _statement(i: int) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        actions=["cleanrooms-ml:StartAudienceGenerationJob"],
        principals=[iam.AccountPrincipal(SEED_OWNER)],
        resources=[configured_model_arn(i)],
    )


def our_policies(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        ConfiguredAudienceModelPolicy(
            stack,
            f"Policy{i}",
            configured_audience_model_arn=configured_model_arn(i),
            statements=[_statement(i)],
        )


def peer_policies(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        model = configured_model_arn(i)
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{SEED_OWNER}:root"},
                        "Action": "cleanrooms-ml:StartAudienceGenerationJob",
                        "Resource": model,
                    }
                ],
            }
        )
        cr.AwsCustomResource(
            stack,
            f"Policy{i}",
            on_create=cr.AwsSdkCall(
                service=SDK_SERVICE,
                action="PutConfiguredAudienceModelPolicy",
                parameters={
                    "configuredAudienceModelArn": model,
                    "configuredAudienceModelPolicy": document,
                },
                physical_resource_id=cr.PhysicalResourceId.of(f"{model}#policy"),
            ),
            on_delete=cr.AwsSdkCall(
                service=SDK_SERVICE,
                action="DeleteConfiguredAudienceModelPolicy",
                parameters={"configuredAudienceModelArn": model},
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[model]),
        )


def our_associations(stack: cdk.Stack, count: int) -> None:
    for i in range(count):
        ConfiguredAudienceModelAssociation(
            stack,
            f"Association{i}",
            membership_id=MEMBERSHIP,
            configured_audience_model_arn=configured_model_arn(i),
            manage_resource_policies=False,
            name=f"association-{i}",
        )


def peer_associations(stack: cdk.Stack, count: int) -> None:
    membership = f"arn:aws:cleanrooms:{REGION}:{ACCOUNT}:membership/{MEMBERSHIP}"
    for i in range(count):
        model = configured_model_arn(i)
        cr.AwsCustomResource(
            stack,
            f"Association{i}",
            on_create=cr.AwsSdkCall(
                service="CleanRooms",
                action="CreateConfiguredAudienceModelAssociation",
                parameters={
                    "membershipIdentifier": MEMBERSHIP,
                    "configuredAudienceModelArn": model,
                    "configuredAudienceModelAssociationName": f"association-{i}",
                    "manageResourcePolicies": False,
                },
                physical_resource_id=cr.PhysicalResourceId.from_response(
                    "configuredAudienceModelAssociation.id"
                ),
            ),
            on_delete=cr.AwsSdkCall(
                service="CleanRooms",
                action="DeleteConfiguredAudienceModelAssociation",
                parameters={
                    "membershipIdentifier": MEMBERSHIP,
                    "configuredAudienceModelAssociationIdentifier": (
                        cr.PhysicalResourceIdReference()
                    ),
                },
            ),
            # Create's dependent actions on the model, as the Service Authorization Reference
            # lists them.
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=[
                            "cleanrooms:CreateConfiguredAudienceModelAssociation",
                            "cleanrooms:DeleteConfiguredAudienceModelAssociation",
                        ],
                        resources=[
                            membership,
                            f"{membership}/configuredaudiencemodelassociation/*",
                        ],
                    ),
                    iam.PolicyStatement(
                        actions=[
                            "cleanrooms-ml:GetConfiguredAudienceModel",
                            "cleanrooms-ml:GetConfiguredAudienceModelPolicy",
                            "cleanrooms-ml:PutConfiguredAudienceModelPolicy",
                            "cleanrooms-ml:DeleteConfiguredAudienceModelPolicy",
                        ],
                        resources=[model],
                    ),
                ]
            ),
        )
