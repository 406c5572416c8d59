"""Memberships: the seat of one account in one collaboration, where associations are made.

This endpoint does not create collaborations or memberships (the member's account joins one
through the console or another stack); they exist because the seed file lists them
(:mod:`..seed`). Their ARNs are made in the endpoint's region and account: an assumption for the
collaboration, which another account may have created.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Membership:
    id: str
    collaboration_id: str

    def arn(self, prefix: str) -> str:
        """The membership's ARN, after ``prefix`` (``arn:aws:cleanrooms:<region>:<account>:``)."""
        return f"{prefix}membership/{self.id}"

    def collaboration_arn(self, prefix: str) -> str:
        return f"{prefix}collaboration/{self.collaboration_id}"
