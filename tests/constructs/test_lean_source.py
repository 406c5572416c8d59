"""The handler's modules travel lean: no comments, docstrings cut, every statement on its line."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from cdk_cleanrooms_ml.asset_files import HANDLER_PACKAGE, entries, lean_source

HANDLER_SOURCE = Path(__file__).resolve().parents[2] / "lambda" / "cleanrooms_ml_provider"
MODULES = sorted(HANDLER_SOURCE.rglob("*.py"))
_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _docstrings_cut(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
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
        '""\n'
        "X = '# kept'\n"
        'def f(): ""; return "é"\n'
        "class C:\n"
        '    ""\n'
        "\n"
        "    Y = '''not a docstring'''\n"
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
