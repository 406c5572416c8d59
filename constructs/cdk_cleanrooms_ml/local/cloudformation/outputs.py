"""A stack's outputs and the region's export table (Fn::ImportValue across local stacks)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..state import StateStore
from .assembly import StackTemplate
from .exceptions import TemplateError
from .intrinsics import Resolver, stringify


class TrackingExports(Mapping[str, str]):
    """The export table, remembering which names the stack imports."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = table
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> str:
        value = self._table[key]
        self.used.add(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def resolve_outputs(
    stack: StackTemplate, resolver: Resolver, store: StateStore
) -> tuple[dict[str, str], dict[str, str]]:
    """The stack's outputs, and the exports among them (export name -> value)."""
    outputs: dict[str, str] = {}
    exported: dict[str, str] = {}
    declared: dict[str, Any] = stack.template.get("Outputs") or {}
    for name, output in declared.items():
        condition = output.get("Condition")
        if condition is not None and not resolver.condition(str(condition)):
            continue
        try:
            value = stringify(resolver.resolve(output.get("Value")))
        except TemplateError as error:
            raise TemplateError(f"output {name}: {error}") from error
        outputs[name] = ",".join(value) if isinstance(value, list) else str(value)
        export = output.get("Export")
        if export is not None:
            export_name = str(stringify(resolver.resolve(export.get("Name"))))
            owner = store.exports().get(export_name, {}).get("stack")
            if owner not in (None, stack.name):
                raise TemplateError(
                    f"Export with name {export_name} is already exported by stack {owner}"
                )
            exported[export_name] = outputs[name]
    return outputs, exported


def record_exports(store: StateStore, stack_name: str, exported: Mapping[str, str]) -> None:
    """Replace ``stack_name``'s rows of the export table with ``exported``."""
    table = {n: e for n, e in store.exports().items() if e["stack"] != stack_name}
    for name, value in exported.items():
        table[name] = {"value": value, "stack": stack_name}
    store.save_exports(table)
