"""Errors of the local CloudFormation."""

from __future__ import annotations


class TemplateError(Exception):
    """The template (or the assembly around it) cannot be deployed locally; says why."""


class ResourceFailedError(Exception):
    """One resource could not be deployed: the stack rolls back with ``reason``."""

    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.reason = reason
