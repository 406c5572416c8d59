"""A field table: a resource's properties declared once, as data, walked on both sides.

Each :class:`Field` names a property as a template spells it (``key``) and as a construct
spells it (``prop``), how its raw value is parsed (the type rule) and checked (the service's
rule), its default and whether it is secret. The handler walks a table over a template's
properties at deploy (:func:`read_table`; errors name the template key); the constructs walk
the same fields over their concrete Python values at synth (:func:`check_props`; errors name
the prop), so each rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..rules import check_keys, parse_str, required, secret_str

Parse = Callable[[object, str], Any]
Check = Callable[[Any, str], Any]
Concrete = Callable[[object], bool]

# A secret field's type errors never echo its value.
_SECRET_PARSERS: Final[dict[Parse, Parse]] = {parse_str: secret_str}


@dataclass(frozen=True)
class Field:
    """One property: ``key`` in a template, ``prop`` in Python.

    :param parse: the raw value to its type (``parse_str``, ``parse_int``, ...), naming the field.
    :param check: the service's rule on a parsed value (skipped at synth for a token).
    :param default: what an absent property comes to at deploy.
    :param required: absent is an error ("is required").
    :param secret: the value is never echoed in an error or a log.
    """

    key: str
    prop: str
    parse: Parse = parse_str
    check: Check | None = None
    default: object = None
    required: bool = False
    secret: bool = False

    def _parse(self, raw: object, name: str) -> Any:
        parse = _SECRET_PARSERS.get(self.parse, self.parse) if self.secret else self.parse
        return parse(raw, name)

    def read(self, raw: Mapping[str, object], where: str = "") -> Any:
        """At deploy: the template's value (CloudFormation sends strings), parsed and checked;
        the default when absent."""
        name = f"{where}{self.key}"
        value = required(raw, self.key, name) if self.required else raw.get(self.key)
        if value is None:
            return self.default
        parsed = self._parse(value, name)
        return parsed if self.check is None else self.check(parsed, name)

    def validate(self, value: object, where: str = "", *, concrete: Concrete) -> Any:
        """At synth: a construct's value, parsed and checked when ``concrete`` (a token is
        the handler's to check at deploy); an optional prop left None stays None."""
        if (value is None and not self.required) or not concrete(value):
            return value
        return self.checked(self._parse(value, f"{where}{self.prop}"), where, concrete=concrete)

    def checked(self, value: Any, where: str = "", *, concrete: Concrete) -> Any:
        """At synth: an already parsed value, checked when ``concrete``, naming the prop."""
        if self.check is None or not concrete(value):
            return value
        return self.check(value, f"{where}{self.prop}")


Table = tuple[Field, ...]


def keys_of(table: Table) -> tuple[str, ...]:
    """The template keys of ``table``, in its order."""
    return tuple(field.key for field in table)


def secret_keys(table: Table) -> tuple[str, ...]:
    """The template keys whose values are never echoed."""
    return tuple(field.key for field in table if field.secret)


def read_table(
    table: Table, raw: Mapping[str, object], where: str = "", *, extra_keys: tuple[str, ...] = ()
) -> dict[str, Any]:
    """At deploy: ``{prop: value}`` of every field of ``table`` in ``raw``, which may hold no
    key but the table's and ``extra_keys``; the first broken rule, in table order, raises."""
    check_keys(raw, (*keys_of(table), *extra_keys), where)
    return {field.prop: field.read(raw, where) for field in table}


def check_props(
    table: Table, values: Mapping[str, object], where: str = "", *, concrete: Concrete
) -> dict[str, Any]:
    """At synth: ``{prop: value}`` of the fields of ``table`` named in ``values``, each parsed
    and checked when concrete; the first broken rule, in table order, raises."""
    return {
        field.prop: field.validate(values[field.prop], where, concrete=concrete)
        for field in table
        if field.prop in values
    }


def field_of(table: Table, prop: str) -> Field:
    """The field of ``table`` whose Python prop is ``prop``."""
    for field in table:
        if field.prop == prop:
            return field
    raise KeyError(prop)
