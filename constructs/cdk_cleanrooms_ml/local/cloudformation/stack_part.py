"""What every deployer of one kind of a stack's resources works with."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the deployers' modules import this one, and these import them
    from .assembly import StackTemplate
    from .driver import LocalCloudFormation
    from .resources import StackResources
    from .stacks import StackState


class StackPart:
    """The driver, the template being deployed, the stack as it was before (None for a new
    stack), and the resources deployed so far."""

    def __init__(
        self,
        driver: LocalCloudFormation,
        stack: StackTemplate,
        prev: StackState | None,
        resources: StackResources,
    ) -> None:
        self.driver = driver
        self.stack = stack
        self.prev = prev
        self.resources = resources
        self.state = resources.state
