"""Wheel build: prebuild the provider's code archive into the package (see asset_files.py),
and copy the example templates in (``cdk_cleanrooms_ml/examples``).

Everything else is in pyproject.toml. The archive is written only for a real build, never for an
editable install, where the package reads the handler's sources directly.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _asset_files() -> ModuleType:
    # Loaded by path: the package itself (and aws-cdk-lib) is not installed while building.
    path = ROOT / "constructs" / "cdk_cleanrooms_ml" / "asset_files.py"
    spec = importlib.util.spec_from_file_location("_cdk_cleanrooms_ml_asset_files", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class BuildWithAsset(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "cdk_cleanrooms_ml" / "_asset"
        _asset_files().prebuild(ROOT / "lambda" / "cleanrooms_ml_provider", target)
        # The plain templates, for pip users (``python -m cdk_cleanrooms_ml.local examples``).
        examples = Path(self.build_lib) / "cdk_cleanrooms_ml" / "examples"
        examples.mkdir(parents=True, exist_ok=True)
        for template in sorted((ROOT / "examples" / "cloudformation").glob("*.yaml")):
            shutil.copyfile(template, examples / template.name)


setup(cmdclass={"build_py": BuildWithAsset})
