"""Write the API reference from the docstrings (``python -m tools.api_reference [--output DIR]``).

pdoc renders the public package, ``cdk_cleanrooms_ml``: what its ``__all__`` lists (the
constructs, their props and attributes, the provider and its options, ``ValidationError``),
as HTML into ``build/api/`` by default. Left out, on purpose:

- ``cdk_cleanrooms_ml._handler``: the Lambda's code, private (underscored) and not a Python
  API; importing its entry module also builds crhelper's boto3 clients, which log errors
  without an AWS region.
- ``cdk_cleanrooms_ml.local``: the offline harness, whose interface is its command line
  (``python -m cdk_cleanrooms_ml.local --help``, the README); its modules are internals.

Any warning pdoc emits (a Python warning, or a log record at WARNING or above from any logger)
while it imports and renders fails the run, with every warning listed: exit status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT: Final = ROOT / "build" / "api"
PACKAGE: Final = "cdk_cleanrooms_ml"
EXCLUDED: Final = (f"{PACKAGE}._handler", f"{PACKAGE}.local")
# The docstrings use reST fields (:param x:, :class:`...`).
DOCFORMAT: Final = "restructuredtext"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.found.append(f"log {record.levelname} {record.name}: {record.getMessage()}")


@contextmanager
def _collected() -> Iterator[list[str]]:
    """Every warning and WARNING+ log record raised inside, as lines (filled on exit)."""
    found: list[str] = []
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
    finally:
        root.removeHandler(collector)
    found.extend(
        f"{warning.category.__name__} ({warning.filename}:{warning.lineno}): {warning.message}"
        for warning in caught
    )
    found.extend(collector.found)


def write_reference(
    output: Path,
    modules: Sequence[str] = (PACKAGE,),
    excluded: Sequence[str] = EXCLUDED,
) -> list[str]:
    """Render ``modules`` (less ``excluded``) into ``output``; the warnings pdoc emitted."""
    # As the Makefile does: jsii's Node.js banners are noise on every aws-cdk-lib import.
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    with _collected() as found:
        import pdoc  # noqa: PLC0415 (its import may warn too)
        import pdoc.render  # noqa: PLC0415

        pdoc.render.configure(docformat=DOCFORMAT, show_source=True, search=True)
        pdoc.pdoc(*modules, *(f"!{name}" for name in excluded), output_directory=output)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.api_reference", description=__doc__)
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"folder for the HTML (default: {DEFAULT_OUTPUT.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    found = write_reference(args.output)
    if found:
        print(f"pdoc emitted {len(found)} warning(s):", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"API reference written to {args.output}/{PACKAGE}.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
