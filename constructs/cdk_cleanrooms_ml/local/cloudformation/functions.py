"""The Lambda functions local stacks have deployed, by ARN, with the stack that owns each."""

from __future__ import annotations

from ..awslambda.invocations import LambdaEmulator
from ..awslambda.runtime import LocalFunction
from ..state import StateStore


class FunctionRegistry:
    """Keeps the emulator and ``functions.json`` in step."""

    def __init__(self, store: StateStore, emulator: LambdaEmulator) -> None:
        self._store = store
        self._emulator = emulator
        self._functions = store.functions()
        for _, function in self._functions.values():
            emulator.register(function)

    def register(self, function: LocalFunction, *, owner: str = "") -> None:
        """Make ``function`` reachable by its ARN (e.g. a ServiceToken from a parameter)."""
        self._emulator.register(function)
        self._functions[function.arn] = (owner, function)
        self._store.save_functions(self._functions)

    def forget_stack(self, stack_name: str) -> None:
        """Drop the functions ``stack_name`` deployed."""
        self._functions = {a: f for a, f in self._functions.items() if f[0] != stack_name}
        self._store.save_functions(self._functions)
