"""Write the snapshots of the example app's templates from today's code, on purpose: after a
change to a template's meaning, then review their diff. Run from the repository root::

    .venv/bin/python -m tests.snapshots.regenerate

Removes the snapshot of a stack or mode that no longer exists.
"""

from __future__ import annotations

from tests.snapshots import TEMPLATES, committed, dumps, snapshot_file
from tests.snapshots.synth import synthesize_all


def main() -> None:
    current = synthesize_all()
    written = removed = 0
    for (mode, stack), template in current.items():
        path = snapshot_file(mode, stack)
        text = dumps(template)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    for key, path in committed().items():
        if key not in current:
            path.unlink()
            removed += 1
    for folder in TEMPLATES.iterdir() if TEMPLATES.exists() else ():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    print(
        f"{len(current)} snapshots in {TEMPLATES}: {written} written, {removed} removed,"
        f" {len(current) - written} unchanged"
    )


if __name__ == "__main__":
    main()
