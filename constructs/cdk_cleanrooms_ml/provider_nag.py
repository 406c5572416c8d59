"""The provider's cdk-nag acknowledgements: each wildcard it must grant, with the reason why.

cdk-nag (AwsSolutions-IAM5) flags every wildcard resource of a policy. The provider grants
only the narrowest ones its use needs, and acknowledges each on the construct whose policy
holds it, once, so a cdk-nag run over an app using this library is clean.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from cdk_cleanrooms_ml.tokens import is_token

_NAG_IAM5: Final = "AwsSolutions::AwsSolutions-IAM5"

# Why each wildcard is needed, by what grants it.
ACCOUNT_EXPORTS: Final = (
    "A shared provider serves templates deployed after it, so it cannot name their generation"
    " jobs: it is scoped to the jobs of its own account and region, for the three export"
    " actions only."
)
EXPORT_PATTERNS: Final = (
    "The provider's allowed_job_arns: patterns its owner chose, for the three export actions only."
)
ACCOUNT_JOBS: Final = (
    "A generation job's ARN holds an id the service picks at Start, unknown before: the"
    " provider may start, read, tag and delete the generation jobs of its own account and"
    " region only."
)
ACCOUNT_MODELS: Final = (
    "A shared provider serves templates deployed after it, so it cannot name their configured"
    " audience models: it may start generation jobs (and list them) for the models of its own"
    " account and region only."
)
ACCOUNT_SEED_ROLES: Final = (
    "A shared provider cannot name the seed roles of templates deployed after it: iam:PassRole"
    " on the roles of its own account, only when passed to cleanrooms-ml.amazonaws.com"
    " (iam:PassedToService); allowed_seed_role_arns narrows it."
)
SEED_ROLE_PATTERNS: Final = (
    "The provider's allowed_seed_role_arns: patterns its owner chose, passed to"
    " cleanrooms-ml.amazonaws.com only (iam:PassedToService)."
)
TOO_MANY_JOBS: Final = (
    "Too many generation jobs to name within IAM's inline policy size limit: every job of the"
    " accounts and regions they belong to, for the three export actions only (a synth warning"
    " says so)."
)
VPC_DESCRIBE: Final = (
    "Lambda's VPC attachment: ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no"
    " resource-level permissions; nothing else is granted on *."
)
VPC_INTERFACES: Final = (
    "Lambda's VPC attachment: it creates and deletes the function's network interfaces in"
    " subnets and security groups chosen at deploy time; scoped to this account and region,"
    " for the four network interface actions only."
)
ACCOUNT_AUDIENCE_MODELS: Final = (
    "An audience model's ARN holds an id the service picks at Create, unknown before: the"
    " provider may read, tag and delete the audience models of its own account and region only."
)
LIST_AUDIENCE_MODELS: Final = (
    "ListAudienceModels has no resource-level permissions (Service Authorization Reference):"
    " after a Conflict on Create it is the only way from a model's name to its ARN."
)
ACCOUNT_CONFIGURED_MODELS: Final = (
    "A configured audience model's ARN holds an id the service picks at Create, unknown before:"
    " the provider may read, update, tag and delete the configured models of its own account and"
    " region only."
)
LIST_CONFIGURED_MODELS: Final = (
    "ListConfiguredAudienceModels has no resource-level permissions (Service Authorization"
    " Reference): after a Conflict on Create it is the only way from a name to the ARN."
)
ALLOWED_DATASETS: Final = (
    "The provider stack's allow-list names these training datasets by pattern: audience models"
    " may be trained on them."
)
OUTPUT_ROLE_PATTERNS: Final = (
    "The provider stack's allow-list names these output roles by pattern; they are passed to"
    " Clean Rooms ML only (iam:PassedToService)."
)
ASSOCIATIONS: Final = (
    "A configured audience model association's id is chosen by Clean Rooms at Create: the"
    " provider may act on the associations of exactly the granted membership."
)
SCHEDULES: Final = (
    "The provider's next polls are one-time schedules named when each poll runs: create and"
    " delete only, on the schedules of its own schedule group."
)


class NagAcknowledgements:
    """The acknowledgements made so far, so each (construct, resource) is made once."""

    def __init__(self) -> None:
        self._made: set[str] = set()

    def acknowledge(self, construct: IConstruct, resource: str, reason: str) -> None:
        """Acknowledge the wildcard ``resource`` of ``construct``'s policy, as cdk-nag spells
        it in a finding's id."""
        key = f"{construct.node.path}\n{resource}"
        if key in self._made:
            return
        self._made.add(key)
        Validations.of(construct).acknowledge(
            Acknowledgment(id=f"{_NAG_IAM5}[Resource::{resource}]", reason=reason)
        )


def nag_rendering(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    """An ARN pattern of the stack's account and region (``Stack.format_arn``) as cdk-nag
    spells it in a finding's id; ``regional=False`` for a global service (IAM)."""
    stack = Stack.of(scope)
    region = "" if not regional else "<AWS::Region>" if is_token(stack.region) else stack.region
    account = "<AWS::AccountId>" if is_token(stack.account) else stack.account
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"
