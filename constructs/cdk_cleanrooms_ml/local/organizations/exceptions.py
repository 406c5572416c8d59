"""Errors of the local Organizations, named as the service names them."""

from __future__ import annotations


class OrganizationsError(Exception):
    """A refused change or a malformed organization: ``code`` is the service's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
