"""``AWS::CloudFormation::StackSet``: a StackSet and its instances, deployed locally into an
organization's clouds (one per account and region).

``properties`` reads and checks the resource's properties, ``targets`` says which accounts and
regions get an instance (and with which parameters), ``operations`` runs one operation region
by region with the StackSet's preferences and failure tolerance, ``instances`` deploys or deletes
one instance's stack in its account and region, ``records`` keeps the StackSet, its instances
and operations in the administrator's state, and ``handler`` (:class:`StackSets`) is what the
driver calls (and what auto-deployment goes through).
"""

from __future__ import annotations

from .handler import StackSets
from .instances import Clouds
from .properties import StackSetError
from .records import InstanceOutcome, OperationRecord, StackInstance, StackSetRecord

__all__ = [
    "Clouds",
    "InstanceOutcome",
    "OperationRecord",
    "StackInstance",
    "StackSetError",
    "StackSetRecord",
    "StackSets",
]
