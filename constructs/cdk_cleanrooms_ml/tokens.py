"""Is a value a CDK token? Answered in Python where it can be: a call into CDK costs ~0.3 ms.

A ``str`` carries a token only in its encoded form, which always contains CDK's marker
``${Token[``; an ``int`` (and ``bool``) is never a token, since CDK encodes number tokens as
special floats. Anything else is asked of CDK.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Token

_STRING_TOKEN_MARKER: Final = "${Token["


def has_string_token(value: str) -> bool:
    """True if the string holds an encoded CDK token (no call into CDK)."""
    return _STRING_TOKEN_MARKER in value


def is_token(value: object) -> bool:
    """True if ``value`` is (or contains) an unresolved CDK token."""
    if isinstance(value, str):
        return has_string_token(value)
    if isinstance(value, int):
        return False
    return bool(Token.is_unresolved(value))


def concrete(value: object) -> bool:
    """Known at synth (not a token): its rules are checked there, a token's by the handler."""
    return not is_token(value)
