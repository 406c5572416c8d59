"""The package's top level: its public names, imported only when first used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cdk_cleanrooms_ml


def test_public_names_resolve_to_their_modules() -> None:
    for name in cdk_cleanrooms_ml.__all__:
        value = getattr(cdk_cleanrooms_ml, name)
        assert value is not None
        assert name in dir(cdk_cleanrooms_ml)
    assert cdk_cleanrooms_ml.RESOURCE_TYPE == "Custom::CleanRoomsMlAudienceExport"
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = cdk_cleanrooms_ml.Nope  # type: ignore[attr-defined]


def test_the_offline_harness_does_not_load_aws_cdk() -> None:
    # aws-cdk-lib starts a Node.js process on import; the local CLI needs none of it.
    probe = (
        "import sys, cdk_cleanrooms_ml, cdk_cleanrooms_ml.local.cli;"
        "print('aws_cdk' in sys.modules, 'jsii' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_error_users_catch_is_the_rules_own() -> None:
    from cdk_cleanrooms_ml._handler import rules

    assert cdk_cleanrooms_ml.ValidationError is rules.ValidationError
    # The handler's earlier name for it stays the same class.
    assert rules.RuleError is rules.ValidationError
    assert issubclass(cdk_cleanrooms_ml.ValidationError, ValueError)


def test_a_traceback_names_the_error_as_users_import_it() -> None:
    # A construct's rejection, in a fresh process: only the public name may show.
    probe = (
        "import traceback\n"
        "from cdk_cleanrooms_ml import AudienceSize\n"
        "try:\n"
        "    AudienceSize.percentage(500)\n"
        "except Exception as error:\n"
        "    print(traceback.format_exception_only(error)[0], end='')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("cdk_cleanrooms_ml.ValidationError: audience_size.value: ")
    assert "_handler" not in result.stdout
