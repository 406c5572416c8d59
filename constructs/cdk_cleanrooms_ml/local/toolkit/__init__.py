"""The CDK Toolkit's side of ``cdk deploy --all`` / ``cdk destroy --all``, locally: which
stacks an assembly holds and in what order they deploy (:mod:`.manifest`), publishing their
file assets into S3 first (:mod:`.publishing`), then each stack into the CloudFormation of its
account and region (:mod:`.deploy_all`)."""

from __future__ import annotations

from .deploy_all import AssemblyResult, RetainedResource
from .manifest import AssemblyStack, read_assembly, selected_stacks

__all__ = [
    "AssemblyResult",
    "AssemblyStack",
    "RetainedResource",
    "read_assembly",
    "selected_stacks",
]
