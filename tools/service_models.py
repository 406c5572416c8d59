"""Write the service models the provider's handler ships (``python -m tools.service_models``).

A Lambda runtime's botocore trails the service by months, and botocore refuses, on the client,
any request member its own model does not know (a SQL seed's ``sqlComputeConfiguration`` on
botocore 1.34.77). So the handler carries the models it was tested against, in
``lambda/cleanrooms_ml_provider/models/<service>/<api version>/`` as botocore lays out its
data, and its clients load them ahead of the runtime's own (:mod:`service_models`).

Written from the botocore installed here: documentation removed (the bulk of a model, never
read at run time), Clean Rooms trimmed to the operations the handler calls and the shapes they
reach, JSON without spaces. The asset gzips them (botocore reads ``.json.gz`` since 1.32).
Run it after upgrading botocore in the dev environment, then run the tests: the files are what
the handler's tests ran against.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import botocore
import botocore.session

TARGET: Final = Path(__file__).resolve().parents[1] / "lambda" / "cleanrooms_ml_provider" / "models"
# Each shipped service -> the operations kept (None: all of them).
SERVICES: Final[Mapping[str, tuple[str, ...] | None]] = {
    "cleanroomsml": None,
    "cleanrooms": (
        "CreateConfiguredAudienceModelAssociation",
        "GetConfiguredAudienceModelAssociation",
        "UpdateConfiguredAudienceModelAssociation",
        "DeleteConfiguredAudienceModelAssociation",
        "ListConfiguredAudienceModelAssociations",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ),
    "scheduler": None,
}
_DOC_KEYS: Final = frozenset({"documentation", "documentationUrl"})
KINDS: Final = ("service-2", "paginators-1")


def _without_docs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_docs(v) for k, v in value.items() if k not in _DOC_KEYS}
    if isinstance(value, list):
        return [_without_docs(v) for v in value]
    return value


def _shape_refs(shape: Mapping[str, Any]) -> Iterator[str]:
    for key in ("member", "key", "value"):
        if key in shape:
            yield shape[key]["shape"]
    for member in shape.get("members", {}).values():
        yield member["shape"]


def _reachable(model: Mapping[str, Any], operations: Iterable[str]) -> set[str]:
    pending: list[str] = []
    for name in operations:
        operation = model["operations"][name]
        pending += [operation[key]["shape"] for key in ("input", "output") if key in operation]
        pending += [error["shape"] for error in operation.get("errors", [])]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += _shape_refs(model["shapes"][name])
    return seen


def trimmed(model: dict[str, Any], operations: tuple[str, ...] | None) -> dict[str, Any]:
    """The model without documentation, with only ``operations`` and the shapes they reach."""
    model = _without_docs(model)
    if operations is None:
        return model
    shapes = _reachable(model, operations)
    return {
        **model,
        "operations": {k: v for k, v in model["operations"].items() if k in operations},
        "shapes": {k: v for k, v in model["shapes"].items() if k in shapes},
    }


def _paginators(document: dict[str, Any], operations: tuple[str, ...] | None) -> dict[str, Any]:
    pagination = document.get("pagination", {})
    kept = {k: v for k, v in pagination.items() if operations is None or k in operations}
    return {"pagination": kept}


def write(target: Path = TARGET) -> list[Path]:
    loader = botocore.session.get_session().get_component("data_loader")
    written = []
    for service, operations in SERVICES.items():
        version = loader.determine_latest_version(service, "service-2")
        folder = target / service / version
        folder.mkdir(parents=True, exist_ok=True)
        documents = {
            "service-2": trimmed(
                loader.load_service_model(service, "service-2", version), operations
            ),
            "paginators-1": _paginators(
                loader.load_service_model(service, "paginators-1", version), operations
            ),
        }
        for kind, document in documents.items():
            path = folder / f"{kind}.json"
            path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    print(f"from botocore {botocore.__version__}", file=sys.stderr)
