"""What the provider's polls need of EventBridge Scheduler: a schedule group and a role.

A wait longer than one invocation goes on in short polls: a poll that must wait on creates a
one-time schedule in the provider's own group, which invokes the function again through a role
that Scheduler assumes. The function gets both names in its environment
(:data:`GROUP_ENV`, :data:`ROLE_ENV`); its own role gets :meth:`PollScheduling.caller_statements`.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from cdk_cleanrooms_ml.tokens import is_token

__all__ = [
    "GROUP_ENV",
    "ROLE_ENV",
    "SCHEDULER_SERVICE",
    "SCHEDULE_ACTIONS",
    "PollScheduling",
]

# The environment variables the handler reads (lambda/cleanrooms_ml_provider/schedules.py).
GROUP_ENV: Final = "SCHEDULE_GROUP_NAME"
ROLE_ENV: Final = "SCHEDULER_ROLE_ARN"
SCHEDULER_SERVICE: Final = "scheduler.amazonaws.com"
# All the handler calls; each takes the schedule ARN (Service Authorization Reference).
# GetSchedule: the provider's drain looks whether a background deletion's poll is pending.
SCHEDULE_ACTIONS: Final = (
    "scheduler:CreateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)
# Construct ids under the provider: they name the resources' logical ids.
GROUP_ID: Final = "ScheduleGroup"
ROLE_ID: Final = "SchedulerRole"
INVOKE_POLICY_ID: Final = "SchedulerInvokePolicy"


class PollScheduling:
    """The provider's schedule group, the role Scheduler invokes the function with, and that
    role's permission to invoke exactly the function.

    The group's name is CloudFormation's to choose (unique per stack and logical id); the group
    is deleted with the stack, and its schedules with it. The role trusts only
    ``scheduler.amazonaws.com`` acting for this account's group (``aws:SourceAccount``,
    ``aws:SourceArn``: Scheduler sends the group's ARN as the source). Its permission is a
    policy resource of its own: the function's environment names the role, so the role cannot
    name the function in its inline policy.
    """

    def __init__(self, scope: Construct, function: lambda_.Function) -> None:
        """Add the group, the role and its invoke policy to ``scope`` (the provider), and the
        group's name and the role's ARN to ``function``'s environment."""
        stack = Stack.of(scope)
        self.group = scheduler.CfnScheduleGroup(scope, GROUP_ID)
        self.role = iam.Role(
            scope,
            ROLE_ID,
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_SERVICE,
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": self.group.attr_arn,
                    }
                },
            ),
            description=(
                "Assumed by EventBridge Scheduler to invoke the Custom::CleanRoomsMlAudienceExport"
                " provider for its next poll"
            ),
        )
        self.invoke_policy = iam.Policy(
            scope,
            INVOKE_POLICY_ID,
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[function.function_arn]
                )
            ],
        )
        function.add_environment(GROUP_ENV, self.group.ref)
        function.add_environment(ROLE_ENV, self.role.role_arn)
        # arn:<partition>:scheduler:<region>:<account>:schedule/<group>/* (the resource type
        # "schedule", arn:...:schedule/${GroupName}/${ScheduleName}).
        self.schedules_arn = stack.format_arn(
            service="scheduler", resource="schedule", resource_name=f"{self.group.ref}/*"
        )

    def caller_statements(self) -> list[iam.PolicyStatement]:
        """What the function's role needs to schedule its next poll and to cancel pending ones:
        Create and Delete on the group's schedules only, and ``iam:PassRole`` on exactly the
        scheduler role, only towards Scheduler."""
        return [
            iam.PolicyStatement(actions=list(SCHEDULE_ACTIONS), resources=[self.schedules_arn]),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": SCHEDULER_SERVICE}},
            ),
        ]

    def nag_schedules(self) -> str:
        """:attr:`schedules_arn` as cdk-nag spells it in an AwsSolutions-IAM5 finding's id."""
        stack = Stack.of(self.group)
        region = "<AWS::Region>" if is_token(stack.region) else stack.region
        account = "<AWS::AccountId>" if is_token(stack.account) else stack.account
        group = stack.resolve(self.group.logical_id)
        return f"arn:<AWS::Partition>:scheduler:{region}:{account}:schedule/<{group}>/*"
