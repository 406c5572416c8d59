"""What the local "account" remembers between runs, as small JSON files in one directory.

``<state-dir>/stacks/<stack>.json``: deployed resources (physical ids, properties, Data), outputs.
``<state-dir>/exports.json``: the region's export table (name -> value, exporting stack).
``<state-dir>/functions.json``: Lambda functions deployed by local stacks, by ARN.
``<state-dir>/cleanroomsml.json``: the endpoint's export jobs.
``<state-dir>/scheduler.json``: EventBridge Scheduler's schedule groups and pending schedules.
``<state-dir>/seed.json``: the generation jobs the endpoint serves (the last ``--seed``).
``<state-dir>/lock``: the pid of the run using the folder; one run at a time (:mod:`.lock`).
``<state-dir>/clock.json``: how far virtual time is ahead of real time (:mod:`.clock`), once a
run used the fast clock.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .awslambda.runtime import LocalFunction
from .clock import CLOCK_FILE
from .cloudformation.stacks import StackState
from .errors import StateError, StateLostError
from .jsonfile import write_json_atomic
from .lock import StateLock


def _read_json(path: Path, default: Any) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    except OSError as error:
        raise StateError(f"state file {path} cannot be read: {error.strerror or error}") from error
    try:
        return json.loads(text)
    except ValueError as error:
        raise StateError(
            f"state file {path} is not valid JSON ({error}); fix it, or remove it to forget "
            "what it held"
        ) from error


def _read_object(path: Path, default: dict[str, Any]) -> dict[str, Any]:
    data = _read_json(path, default)
    if not isinstance(data, dict):
        raise StateError(f"state file {path} must hold a JSON object, not {type(data).__name__}")
    return data


class StateStore:
    def __init__(self, directory: Path) -> None:
        # Absolute: handler processes run with the asset as their working directory.
        self.directory = directory.resolve()
        self.lock = StateLock(self.directory)

    @property
    def endpoint_file(self) -> Path:
        return self.directory / "cleanroomsml.json"

    @property
    def scheduler_file(self) -> Path:
        return self.directory / "scheduler.json"

    @property
    def clock_file(self) -> Path:
        return self.directory / CLOCK_FILE

    @property
    def seed_file(self) -> Path:
        return self.directory / "seed.json"

    @property
    def work_dir(self) -> Path:
        return self.directory / "work"

    def check_intact(self) -> None:
        """Raise :class:`StateLostError` when the folder this run locked was removed."""
        if not self.lock.intact():
            raise StateLostError(
                f"the state folder {self.directory} was removed while this run used it; "
                "stopped without saving (run deploy again to start afresh, or destroy --force)"
            )

    def _write(self, path: Path, payload: object) -> None:
        # Never quietly recreate a folder removed mid-run: half a state is worse than none.
        self.check_intact()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, payload)

    def _stack_file(self, name: str) -> Path:
        return self.directory / "stacks" / f"{name}.json"

    def load_stack(self, name: str) -> StackState | None:
        path = self._stack_file(name)
        data = _read_json(path, None)
        if data is None:
            return None
        try:
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, not {type(data).__name__}")
            return StackState.from_json(data)
        except (KeyError, TypeError, AttributeError) as error:
            raise StateError(
                f"state file {path} is not a stack's state ({type(error).__name__}: {error}); "
                f"remove it with destroy --force --stack {name}"
            ) from error

    def save_stack(self, state: StackState) -> None:
        self._write(self._stack_file(state.stack_name), asdict(state))

    def delete_stack(self, name: str) -> None:
        self.check_intact()
        self._stack_file(name).unlink(missing_ok=True)

    def stack_names(self) -> list[str]:
        """Stacks with a state file, readable or not."""
        folder = self.directory / "stacks"
        return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []

    def stacks(self) -> list[StackState]:
        found = (self.load_stack(name) for name in self.stack_names())
        return [state for state in found if state is not None]

    # --- the seed the endpoint serves -------------------------------------------------------

    def seed(self) -> dict[str, Any] | None:
        data = _read_json(self.seed_file, None)
        return None if data is None else _read_object(self.seed_file, {})

    def save_seed(self, seed: dict[str, Any]) -> None:
        self._write(self.seed_file, seed)

    # --- exports: name -> {"value": ..., "stack": ...} --------------------------------------

    def exports(self) -> dict[str, dict[str, str]]:
        path = self.directory / "exports.json"
        raw = _read_object(path, {})
        for name, entry in raw.items():
            if not isinstance(entry, dict) or not {"value", "stack"} <= set(entry):
                raise StateError(
                    f"state file {path}: export {name!r} must be an object with value and stack"
                )
        exports: dict[str, dict[str, str]] = raw
        return exports

    def save_exports(self, exports: dict[str, dict[str, str]]) -> None:
        self._write(self.directory / "exports.json", exports)

    # --- functions: arn -> LocalFunction fields + owning stack ------------------------------

    def functions(self) -> dict[str, tuple[str, LocalFunction]]:
        path = self.directory / "functions.json"
        raw = _read_object(path, {})
        found: dict[str, tuple[str, LocalFunction]] = {}
        for arn, item in raw.items():
            try:
                fields = dict(item)
                stack = str(fields.pop("stack"))
                fields["code_dir"] = Path(fields["code_dir"])
                found[arn] = (stack, LocalFunction(**fields))
            except (KeyError, TypeError, ValueError) as error:
                raise StateError(
                    f"state file {path}: function {arn} cannot be read "
                    f"({type(error).__name__}: {error})"
                ) from error
        return found

    def save_functions(self, functions: dict[str, tuple[str, LocalFunction]]) -> None:
        payload = {
            arn: {
                **asdict(function),
                "code_dir": str(function.code_dir),
                "stack": stack,
                "environment": dict(function.environment),
            }
            for arn, (stack, function) in functions.items()
        }
        self._write(self.directory / "functions.json", payload)
