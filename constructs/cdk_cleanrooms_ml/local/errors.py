"""Errors about the state folder, shared by everything that keeps state in it."""

from __future__ import annotations


class StateError(Exception):
    """A state file cannot be read (or the state folder is in use / gone); says which and why."""


class StateLockedError(StateError):
    """Another live run holds the state folder."""


class StateLostError(StateError):
    """The state folder (its lock file) disappeared while this run used it."""
