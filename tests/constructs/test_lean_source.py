"""The handler's modules travel lean: no comments, docstrings cut, every statement on its line."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.asset_files import HANDLER_PACKAGE, entries, lean_source

HANDLER_SOURCE = Path(__file__).resolve().parents[2] / "lambda" / "cleanrooms_ml_provider"
MODULES = sorted(HANDLER_SOURCE.rglob("*.py"))
_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _docstrings_cut(tree: ast.Module) -> ast.Module:
    """The tree with docstrings cut to "" and no function annotations, as shipped."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
            arguments = node.args
            for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                arg.annotation = None
            for arg in filter(None, (arguments.vararg, arguments.kwarg)):
                arg.annotation = None
        first = node.body[0] if isinstance(node, _SCOPES) and node.body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            value.value = ""
    return tree


def _statement_lines(tree: ast.AST) -> list[tuple[str, int]]:
    return [(type(n).__name__, n.lineno) for n in ast.walk(tree) if isinstance(n, ast.stmt)]


def _comments(text: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HANDLER_SOURCE)))
def test_each_module_keeps_its_statements_on_their_lines(path: Path) -> None:
    source = path.read_bytes()
    lean = lean_source(source).decode()
    before = _docstrings_cut(ast.parse(source))
    after = ast.parse(lean)
    assert ast.dump(after, include_attributes=False) == ast.dump(before, include_attributes=False)
    assert _statement_lines(after) == _statement_lines(before)
    assert len(lean.splitlines()) == len(source.decode().splitlines())
    assert _comments(lean) == []


def test_strings_that_look_like_comments_or_docstrings_stay() -> None:
    source = (
        '"""Module doc, with a # that is not a comment."""\n'
        "X = '# kept'  # dropped\n"
        'def f(): """one line"""; return "é"  # après\n'
        "class C:\n"
        "    '''Ünïcode\n"
        "    over two lines'''\n"
        "    Y = '''not a docstring'''\n"
    )
    lean = lean_source(source.encode()).decode()
    assert lean == (
        "\"\"\nX='# kept'\ndef f():\"\";return \"é\"\nclass C:\n \"\"\n\n Y='''not a docstring'''\n"
    )
    namespace: dict[str, object] = {}
    exec(compile(lean, "lean", "exec"), namespace)
    assert namespace["X"] == "# kept"


def test_the_archive_holds_the_lean_handler() -> None:
    shipped = {e.name: e.content for e in entries(HANDLER_SOURCE)}
    index = shipped[f"{HANDLER_PACKAGE}/index.py"]
    assert index == lean_source((HANDLER_SOURCE / "index.py").read_bytes())
    lean = sum(len(c) for n, c in shipped.items() if n.startswith(f"{HANDLER_PACKAGE}/"))
    assert lean < 0.9 * sum(len(p.read_bytes()) for p in HANDLER_SOURCE.rglob("*") if p.is_file())


def test_function_annotations_go_and_the_rest_compacts_to_the_same_tree() -> None:
    source = (
        "def g(a: int, *args: str, b: 'x' = 1, **kw: dict[\n"
        "    str, int]) -> tuple[\n"
        "    int, str]:\n"
        "    return (1 .real, 1 if a else 2, a - -b, \\\n"
        "        3)\n"
        "class D:\n"
        "    x: int = 0\n"
    )
    lean = lean_source(source.encode()).decode()
    assert lean == (
        "def g(a,*args,b=1,**kw\n"
        ")\\\n"
        ":\n"
        " return(1 .real,1 if a else 2,a--b,\n"
        "3)\n"
        "class D:\n"
        " x:int=0\n"  # a class's annotations stay: dataclasses read them
    )
    namespace: dict[str, Any] = {}
    exec(compile(lean, "lean", "exec"), namespace)
    assert namespace["g"](1, b=2) == (1, 1, 3, 3)
    assert "x" in namespace["D"].__annotations__


def test_a_string_over_several_lines_keeps_what_follows_it_on_its_last_line() -> None:
    source = "y = str\nx = '''a\n  b''' + y(\n    1)\nz = 2\n"
    lean = lean_source(source.encode()).decode()
    assert lean == "y=str\nx='''a\n  b'''+y(\n1)\nz=2\n"
    namespace: dict[str, Any] = {}
    exec(compile(lean, "lean", "exec"), namespace)
    assert namespace["x"] == "a\n  b1"
