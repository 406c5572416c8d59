"""Where the command starts: ``python -m cdk_cleanrooms_ml.local`` and ``cdk-cleanrooms-ml-local``.

Imports nothing of the ``local`` extra itself, so that without it the command says in one line
what to install instead of printing a traceback.
"""

from __future__ import annotations

import sys
from typing import Final

# What the ``local`` extra adds (pyproject.toml).
_EXTRA_MODULES: Final = frozenset({"boto3", "botocore", "yaml", "cryptography"})
EXIT_USAGE: Final = 2


def main(prog: str = "cdk-cleanrooms-ml-local") -> int:
    """Run the command line (:mod:`.cli`) when the ``local`` extra is installed."""
    try:
        from .cli import main as run  # noqa: PLC0415 - the import is what is being checked
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in _EXTRA_MODULES:
            raise
        sys.stderr.write(
            f"cdk_cleanrooms_ml.local needs the 'local' extra ({error.name} is not installed): "
            "pip install 'cdk-cleanrooms-ml[local]'\n"
        )
        return EXIT_USAGE
    return run(prog=prog)
