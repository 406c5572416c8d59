"""The code's shape, as the README describes it: small handler modules and functions, construct
classes a reader can hold in mind, and a source root that never shadows the constructs library."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parents[1]
HANDLER: Final = REPO / "lambda" / "cleanrooms_ml_provider"
CONSTRUCTS: Final = REPO / "constructs" / "cdk_cleanrooms_ml"
HANDLER_MODULE_MAX: Final = 300
FUNCTION_MAX: Final = 60
CONSTRUCT_CLASS_MAX: Final = 200

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _sources(root: Path) -> Iterator[Path]:
    yield from sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def _functions(tree: ast.AST) -> Iterator[Function]:
    for node in ast.walk(tree):
        if isinstance(node, Function):
            yield node


def _span(node: ast.stmt) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def _docstring_lines(node: ast.ClassDef) -> int:
    """Lines of the docstrings of ``node`` and of its methods."""
    total = 0
    for inner in [node, *_functions(node)]:
        body = inner.body
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            total += _span(first) if isinstance(first.value.value, str) else 0
    return total


def test_no_handler_module_is_over_300_lines() -> None:
    sizes = {
        str(path.relative_to(REPO)): len(path.read_text().splitlines())
        for path in _sources(HANDLER)
    }
    assert sizes, "no handler sources found"
    assert {path: n for path, n in sizes.items() if n > HANDLER_MODULE_MAX} == {}


def test_no_handler_function_is_over_60_lines() -> None:
    long = {
        f"{path.relative_to(REPO)}:{node.lineno} {node.name}": _span(node)
        for path in _sources(HANDLER)
        for node in _functions(ast.parse(path.read_text()))
        if _span(node) > FUNCTION_MAX
    }
    assert long == {}


def test_no_construct_class_is_over_200_lines_docstrings_aside() -> None:
    long = {}
    for path in _sources(CONSTRUCTS):
        if "local" in path.relative_to(CONSTRUCTS).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                size = _span(node) - _docstring_lines(node)
                if size > CONSTRUCT_CLASS_MAX:
                    long[f"{path.relative_to(REPO)}:{node.lineno} {node.name}"] = size
    assert long == {}


def test_the_source_root_is_not_a_package() -> None:
    # constructs/__init__.py would shadow the `constructs` library that CDK apps import.
    assert not (REPO / "constructs" / "__init__.py").exists()
