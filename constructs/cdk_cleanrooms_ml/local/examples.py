"""The example templates and seed file a pip user gets with the library: listed, printed or
copied by ``python -m cdk_cleanrooms_ml.local examples``.

A wheel carries the templates in ``cdk_cleanrooms_ml/examples`` (setup.py copies them from the
repository's ``examples/cloudformation``); a source checkout reads them there. The seed file is
package data of the embedded endpoint.
"""

from __future__ import annotations

import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final, TextIO

SEED_EXAMPLE: Final = "seed.example.json"
# What each file is, for the listing.
ABOUT: Final = {
    "audience-export.yaml": "an export of an existing generation job (shared provider)",
    "audience-generation-job.yaml": "a generation job and an export of it (shared provider)",
    "model-owner.yaml": "dataset, model, configured model, policy, association (shared provider)",
    SEED_EXAMPLE: "an offline seed file with every key (--seed)",
}


def _templates() -> Traversable:
    packaged = resources.files("cdk_cleanrooms_ml") / "examples"
    if packaged.is_dir():
        return packaged
    # A source checkout: constructs/cdk_cleanrooms_ml/local/examples.py -> the repository.
    return Path(__file__).resolve().parents[3] / "examples" / "cloudformation"


def example_files() -> dict[str, Traversable]:
    """Every example by file name."""
    found = {item.name: item for item in _templates().iterdir() if item.name.endswith(".yaml")}
    found[SEED_EXAMPLE] = resources.files("cdk_cleanrooms_ml.local.cleanroomsml") / (
        "example_seed.json"
    )
    return dict(sorted(found.items()))


def run(name: str | None, copy_to: Path | None, out: TextIO) -> int:
    """List the examples, print one (``name``), or copy them all into ``copy_to``; 0, or 2
    for an unknown name."""
    files = example_files()
    if copy_to is not None:
        copy_to.mkdir(parents=True, exist_ok=True)
        for file_name, item in files.items():
            with resources.as_file(item) as source:
                shutil.copyfile(source, copy_to / file_name)
            print(copy_to / file_name, file=out)
        return 0
    if name is None:
        for file_name in files:
            print(f"{file_name:<30}  {ABOUT.get(file_name, '')}", file=out)
        return 0
    if name not in files:
        print(f"error: no example {name!r}; one of: {', '.join(files)}", file=out)
        return 2
    out.write(files[name].read_text(encoding="utf-8"))
    return 0
