"""Which resource types go through a handler (Create, Update, Delete) rather than being only
simulated: custom resources (their ServiceToken's Lambda), and the native types the driver runs
against an embedded service itself, as CloudFormation's own handler would."""

from __future__ import annotations

from typing import Final

from .assembly import is_custom_resource

# Made in the embedded Clean Rooms ML endpoint (see .training_datasets).
TRAINING_DATASET: Final = "AWS::CleanRoomsML::TrainingDataset"
# Deployed to an organization's accounts (see .stack_sets), when the driver has a handler.
STACK_SET: Final = "AWS::CloudFormation::StackSet"
NATIVE_HANDLED: Final = (TRAINING_DATASET, STACK_SET)


def is_handled(kind: object) -> bool:
    """Whether resources of type ``kind`` are created, updated and deleted through a handler."""
    return is_custom_resource(kind) or kind in NATIVE_HANDLED
