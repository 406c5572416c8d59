"""The provider's code archive: which files it holds, and writing it reproducibly.

Standard library only: the wheel build (``setup.py``) loads this file by path to prebuild the
archive into the wheel, before aws-cdk-lib or this package is installed. The archive holds::

    cleanrooms_ml_provider/           the handler package (``cleanrooms_ml_provider.index.handler``)
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


def _comment_spans(text: str, lines: Sequence[str]) -> Iterator[_Span]:
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            # The blanks before a comment go with it (they are never inside a string).
            start = len(lines[row - 1][:column].rstrip(" \t"))
            yield row, start, token.end[0], token.end[1], ""


def lean_source(source: bytes) -> bytes:
    """Python source without comments, its docstrings cut to ``""``: the same statements on the
    same lines, fewer bytes to ship and to read at a cold start."""
    text = source.decode("utf-8")
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    spans = sorted([*_docstring_spans(text, lines), *_comment_spans(text, lines)], reverse=True)
    for start_row, start_col, end_row, end_col, replacement in spans:
        start = offsets[start_row - 1] + start_col
        end = offsets[end_row - 1] + end_col
        text = text[:start] + replacement + text[end:]
    return text.encode("utf-8")


def _folder(root: Path, prefix: str) -> Iterator[Entry]:
    # resolve(): the editable install is a tree of symlinks to the source files.
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not _skipped(relative) and path.is_file():
            content = path.resolve().read_bytes()
            if path.suffix == ".py":
                content = lean_source(content)
            yield Entry(f"{prefix}/{relative.as_posix()}", content)


def _crhelper(distribution: importlib.metadata.Distribution) -> Iterator[Entry]:
    for file in sorted(distribution.files or (), key=str):
        if file.parts[:1] == (CRHELPER,) and not _skipped(Path(*file.parts)):
            yield Entry(file.as_posix(), Path(str(distribution.locate_file(file))).read_bytes())
    dist_info = f"{CRHELPER}-{distribution.version}.dist-info"
    for name in _DIST_INFO_FILES:
        text = distribution.read_text(name)
        if text is not None:
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
