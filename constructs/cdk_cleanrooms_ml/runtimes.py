"""The Python versions the provider's Lambda may run on: plain data, no CDK import, so the
handler's compatibility test (tests/handler/test_oldest_runtime.py) reads the same oldest
version the construct allows."""

from __future__ import annotations

from typing import Final

# Lambda's Python runtimes that are neither deprecated by aws-cdk-lib 2.275 (``PYTHON_3_9`` and
# older are "no longer supported by AWS Lambda") nor by Lambda itself, oldest first: Lambda's
# deprecation schedule (as cfn-lint 1.58 ships it, data/AdditionalSpecs/LmbdRuntimeLifecycle.json)
# deprecated python3.10 on 2026-10-31 (no more patches; creation blocked from 2027-02-01), and
# cfn-lint warns (W2531) on a deprecated runtime. python3.11 is next, on 2027-06-30.
# tests/constructs/test_provider_runtime.py fails when either list moves on: then add the new
# version here, or drop the deprecated one. The oldest is the syntax and standard library the
# handler may use (tests/handler/test_oldest_runtime.py), so dropping it only loosens that rule.
PYTHON_VERSIONS: Final[tuple[tuple[int, int], ...]] = (
    (3, 11),
    (3, 12),
    (3, 13),
    (3, 14),
)
OLDEST_PYTHON: Final = PYTHON_VERSIONS[0]
NEWEST_PYTHON: Final = PYTHON_VERSIONS[-1]


def runtime_name(version: tuple[int, int]) -> str:
    """Lambda's identifier of a Python version's runtime, e.g. ``python3.14``."""
    return f"python{version[0]}.{version[1]}"


def constant_name(version: tuple[int, int]) -> str:
    """The ``lambda_.Runtime`` attribute of a Python version's runtime, e.g. ``PYTHON_3_14``."""
    return f"PYTHON_{version[0]}_{version[1]}"


RUNTIME_NAMES: Final = tuple(runtime_name(version) for version in PYTHON_VERSIONS)
