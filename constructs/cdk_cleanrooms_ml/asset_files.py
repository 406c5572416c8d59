"""The provider's code archive: which files it holds, and writing it reproducibly.

Standard library only: the wheel build (``setup.py``) loads this file by path to prebuild the
archive into the wheel, before aws-cdk-lib or this package is installed. The archive holds::

    cleanrooms_ml_provider/           the handler package (``cleanrooms_ml_provider.index.handler``)
    cleanrooms_ml_provider/models/    its service models, gzipped (``service_models``)
    crhelper/                         crhelper, as its installed distribution lists it
    crhelper-<version>.dist-info/     its METADATA, LICENSE and NOTICE

crhelper is found through its distribution's file list, never imported: importing it imports
boto3, which synth must not need (the Lambda runtime provides boto3; users need not have it).

The handler's modules travel lean (:func:`lean_source`): without comments, each docstring cut
to ``""``, every line where it was, so a traceback from AWS points at the line of the sources
(the wheel's ``cdk_cleanrooms_ml/_handler``). crhelper's files travel as distributed.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import importlib.metadata
import io
import tokenize
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

HANDLER_PACKAGE: Final = "cleanrooms_ml_provider"
HANDLER: Final = f"{HANDLER_PACKAGE}.index.handler"
CRHELPER: Final = "crhelper"
# The service models the handler ships (gzipped in the archive).
MODELS: Final = "models"
ARCHIVE_NAME: Final = "provider.zip"
HASH_NAME: Final = "provider.zip.sha256"
# The licence files travel with the code we ship; METADATA carries the version into the hash.
_DIST_INFO_FILES: Final = ("METADATA", "LICENSE", "NOTICE")
_SKIPPED_SUFFIXES: Final = (".pyc", ".pyo")
# Fixed entry times and modes: the archive's bytes depend on names and contents only.
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
_MODE: Final = 0o644 << 16


@dataclass(frozen=True)
class Entry:
    """One file of the archive: its name there and its bytes."""

    name: str
    content: bytes


def _skipped(relative: Path) -> bool:
    return (
        any(part == "__pycache__" or part.startswith(".") for part in relative.parts)
        or relative.suffix in _SKIPPED_SUFFIXES
    )


# (start line, start column, end line, end column) of a piece of source, lines from 1,
# columns in characters; and what it becomes.
_Span = tuple[int, int, int, int, str]


def _docstring_spans(text: str, lines: Sequence[str]) -> Iterator[_Span]:
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
            continue
        if not isinstance(first.value.value, str) or first.end_lineno is None:
            continue
        # ast counts columns in UTF-8 bytes; the spans count characters.
        start = len(lines[first.lineno - 1].encode()[: first.col_offset].decode())
        end = len(lines[first.end_lineno - 1].encode()[: first.end_col_offset].decode())
        newlines = "\n" * (first.end_lineno - first.lineno)
        yield first.lineno, start, first.end_lineno, end, '""' + newlines


def _column(lines: Sequence[str], row: int, byte_offset: int) -> int:
    # ast counts columns in UTF-8 bytes; the spans count characters.
    return len(lines[row - 1].encode()[:byte_offset].decode())


def _lines(count: int) -> str:
    # Backslash-newlines: legal between any two tokens, inside brackets or not.
    return " \\\n" * count


def _annotation_spans(text: str, lines: Sequence[str]) -> Iterator[_Span]:
    """A function's parameter and return annotations: never evaluated at run time (the handler
    reads none), only stored. Those of class bodies and assignments stay (dataclasses read them)."""
    arrows = [
        token.start
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.OP and token.string == "->"
    ]
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = node.args
        for arg in [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *filter(None, (arguments.vararg, arguments.kwarg)),
        ]:
            note = arg.annotation
            if note is not None and note.end_lineno is not None and note.end_col_offset is not None:
                start = _column(lines, arg.lineno, arg.col_offset) + len(arg.arg)
                end = _column(lines, note.end_lineno, note.end_col_offset)
                yield arg.lineno, start, note.end_lineno, end, _lines(note.end_lineno - arg.lineno)
        returns = node.returns
        if returns is not None and returns.end_lineno is not None:
            here = (returns.lineno, _column(lines, returns.lineno, returns.col_offset))
            row, column = max(arrow for arrow in arrows if arrow < here)
            end = _column(lines, returns.end_lineno, returns.end_col_offset or 0)
            yield row, column, returns.end_lineno, end, _lines(returns.end_lineno - row)


def _comment_spans(text: str, lines: Sequence[str]) -> Iterator[_Span]:
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            # The blanks before a comment go with it (they are never inside a string).
            start = len(lines[row - 1][:column].rstrip(" \t"))
            yield row, start, token.end[0], token.end[1], ""


# Tokens that glue to a neighbour of these types into one token: keep a space between them.
_WORDS: Final = frozenset({tokenize.NAME, tokenize.NUMBER, tokenize.STRING})
_LAYOUT: Final = frozenset(
    {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
)


def _needs_space(previous: tokenize.TokenInfo, token: tokenize.TokenInfo) -> bool:
    if previous.type in _WORDS and token.type in _WORDS:
        return True
    # ``1 .real`` and ``1 if``: a number swallows a dot or a letter after it.
    return previous.type == tokenize.NUMBER and token.string[:1] in ".eEjJ"


def _compact(text: str) -> str:
    """``text`` rebuilt from its tokens with one space of indentation per level and no blanks
    but those two words need: every token on its row. Where the rebuilt source would not parse
    to the same tree (e.g. a tokenizer that splits f-strings, Python 3.12+), ``text`` as is."""
    rows: list[list[str]] = [[]]
    level, depth, previous = 0, 0, None
    # Source rows inside multi-line tokens (strings): their newlines are in the token's text.
    absorbed = 0
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.INDENT:
            level += 1
        elif token.type == tokenize.DEDENT:
            level -= 1
        if token.type in _LAYOUT or token.type == tokenize.COMMENT:
            previous = None if token.type in (tokenize.NEWLINE, tokenize.NL) else previous
            continue
        if token.type not in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING, tokenize.OP):
            return text  # e.g. FSTRING_START: leave such sources alone
        while len(rows) < token.start[0] - absorbed:
            if previous is not None and depth == 0:
                rows[-1].append("\\")  # a backslash continuation, which has no token
            rows.append([])
        row = rows[-1]
        if not row:
            row.append(" " * level if depth == 0 and previous is None else "")
        elif previous is not None and _needs_space(previous, token):
            row.append(" ")
        row.append(token.string)
        absorbed += token.string.count("\n")
        depth += (
            (token.string in "([{") - (token.string in ")]}") if token.type == tokenize.OP else 0
        )
        previous = token
    rebuilt = "\n".join("".join(row) for row in rows).rstrip("\n") + "\n"
    tree = ast.dump(ast.parse(text))  # a broken lean source raises here: never shipped
    try:
        same = ast.dump(ast.parse(rebuilt)) == tree
    except SyntaxError:
        same = False
    return rebuilt if same and rebuilt.count("\n") == text.count("\n") else text


def lean_source(source: bytes) -> bytes:
    """Python source without comments or function annotations, its docstrings cut to ``""``,
    compacted (one space per
    indentation level, no blanks between tokens but where needed): the same statements on the
    same lines, fewer bytes to ship and to read at a cold start."""
    text = source.decode("utf-8")
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    spans = sorted(
        [
            *_docstring_spans(text, lines),
            *_annotation_spans(text, lines),
            *_comment_spans(text, lines),
        ],
        reverse=True,
    )
    for start_row, start_col, end_row, end_col, replacement in spans:
        start = offsets[start_row - 1] + start_col
        end = offsets[end_row - 1] + end_col
        text = text[:start] + replacement + text[end:]
    return _compact(text).encode("utf-8")


def _folder(root: Path, prefix: str) -> Iterator[Entry]:
    # resolve(): the editable install is a tree of symlinks to the source files.
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not _skipped(relative) and path.is_file():
            content = path.resolve().read_bytes()
            name = f"{prefix}/{relative.as_posix()}"
            if path.suffix == ".py":
                content = lean_source(content)
            elif relative.parts[0] == MODELS and path.suffix == ".json":
                # botocore reads a model's .json.gz as its .json (since 1.32).
                content, name = gzip.compress(content, compresslevel=9, mtime=0), f"{name}.gz"
            yield Entry(name, content)


def _crhelper(distribution: importlib.metadata.Distribution) -> Iterator[Entry]:
    for file in sorted(distribution.files or (), key=str):
        if file.parts[:1] == (CRHELPER,) and not _skipped(Path(*file.parts)):
            yield Entry(file.as_posix(), Path(str(distribution.locate_file(file))).read_bytes())
    dist_info = f"{CRHELPER}-{distribution.version}.dist-info"
    for name in _DIST_INFO_FILES:
        text = distribution.read_text(name)
        if text is not None:
            if name == "METADATA":  # its headers (name, version, licence): not the README
                text = text.split("\n\n", 1)[0] + "\n"
            yield Entry(f"{dist_info}/{name}", text.encode("utf-8"))


def entries(handler_dir: Path) -> list[Entry]:
    """Every file of the archive, sorted by name: the handler's, then crhelper's."""
    distribution = importlib.metadata.distribution(CRHELPER)
    found = [*_folder(handler_dir, HANDLER_PACKAGE), *_crhelper(distribution)]
    if not any(e.name == f"{CRHELPER}/__init__.py" for e in found):
        raise RuntimeError(
            f"crhelper {distribution.version} is installed without its crhelper/ package;"
            " reinstall it (pip install --force-reinstall crhelper)"
        )
    return sorted(found, key=lambda entry: entry.name)


def content_hash(files: Sequence[Entry]) -> str:
    """SHA-256 over the entries' names and contents, in order (lengths first: no ambiguity)."""
    digest = hashlib.sha256()
    for entry in files:
        name = entry.name.encode("utf-8")
        digest.update(b"%d:%s%d:" % (len(name), name, len(entry.content)))
        digest.update(entry.content)
    return digest.hexdigest()


def write_archive(files: Sequence[Entry], target: Path) -> str:
    """Write the zip at ``target`` (same bytes for the same entries); returns their hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in files:
            info = zipfile.ZipInfo(entry.name, date_time=_EPOCH)
            info.external_attr = _MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entry.content)
    return content_hash(files)


def prebuild(handler_dir: Path, folder: Path) -> str:
    """The wheel's prebuilt archive and its hash file in ``folder``; returns the hash."""
    asset_hash = write_archive(entries(handler_dir), folder / ARCHIVE_NAME)
    (folder / HASH_NAME).write_text(asset_hash + "\n", encoding="ascii")
    return asset_hash
