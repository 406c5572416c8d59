"""``python -m cdk_cleanrooms_ml.local`` / ``cdk-cleanrooms-ml-local``: deploy, destroy, serve.

``deploy`` takes a synthesized stack (``cdk.out``) or a plain template (``--template``) and runs
its audience exports against the embedded Clean Rooms ML endpoint, printing CloudFormation-style
progress; a second ``deploy`` is an update; ``destroy`` deletes (``--force`` forgets what cannot
be deleted). With ``--organization FILE``, ``deploy`` / ``destroy`` take the whole assembly,
StackSets included, to an organization of local clouds (:mod:`.organization_cli`). ``serve``
only runs the endpoint. Every error is one line on stderr; Ctrl-C and SIGTERM stop the handlers,
keep the state and exit 130 / 143.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from ..resource_types import SERVED
from . import examples
from .awslambda.packages import RuntimeSetupError
from .cleanrooms.responses import serve_with_cleanrooms
from .cleanroomsml.exceptions import SeedError
from .cleanroomsml.responses import CleanRoomsMlEndpoint
from .cloudformation.assembly import (
    StackTemplate,
    load_assembly,
    load_stack,
    load_template_file,
)
from .cloudformation.driver import DriverOptions
from .cloudformation.exceptions import TemplateError
from .errors import StateError, StateLostError
from .harness import LocalCloud, resolve_seed
from .interrupts import Interrupted, signals_interrupt
from .organization_cli import add_arguments as add_organization_arguments
from .organization_cli import run_organization
from .organizations.exceptions import OrganizationsError
from .output import clock_line, print_result, progress_line
from .server import PortInUseError
from .state import StateStore
from .tls import CertificateError

_N = TypeVar("_N", int, float)

EXIT_FAILED = 1
EXIT_USAGE = 2


def _key_values(items: Sequence[str], flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise TemplateError(f"{flag} expects KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def _number(text: str, kind: Callable[[str], _N], what: str) -> _N:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def _port(text: str) -> int:
    port = _number(text, int, "a port number")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is out of range: use 1-65535, or 0 for any free port"
        )
    return port


def _positive_seconds(text: str) -> float:
    value = _number(text, float, "a number of seconds")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a number of seconds above 0")
    return value


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Deploy a synthesized stack's Clean Rooms ML resources ("
        + ", ".join(SERVED.values())
        + ") to an embedded, offline Clean Rooms ML endpoint through the real handler and "
        "the CloudFormation protocol.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--app-dir",
            type=Path,
            default=Path("cdk.out"),
            help="the cloud assembly (default: cdk.out)",
        )
        sub.add_argument("--stack", help="stack name (needed when the assembly has several)")
        sub.add_argument(
            "--seed",
            type=Path,
            help="JSON seed of audience generation jobs (default: the example job)",
        )
        sub.add_argument(
            "--state-dir",
            type=Path,
            default=Path(".local-deploy"),
            help="where deployed stacks and the endpoint's state are kept (default: .local-deploy)",
        )
        sub.add_argument(
            "--port",
            type=_port,
            default=0,
            help="loopback port for the endpoint (default: any free port)",
        )

    deploy = commands.add_parser("deploy", help="create or update a stack")
    common(deploy)
    deploy.add_argument(
        "--template",
        type=Path,
        help="a plain CloudFormation template (JSON/YAML) instead of --app-dir",
    )
    deploy.add_argument(
        "--parameters", nargs="*", default=[], metavar="KEY=VALUE", help="template parameter values"
    )
    deploy.add_argument(
        "--function-timeout",
        type=_positive_seconds,
        help="override the provider Lambda's Timeout (seconds)",
    )
    deploy.add_argument(
        "--max-wait",
        type=_positive_seconds,
        help="wait at most this long for each response (never beyond ServiceTimeout)",
    )
    deploy.add_argument("--log-level", help="LOG_LEVEL for the handler (default: the function's)")
    deploy.add_argument(
        "--runtime-packages",
        type=_existing_folder,
        metavar="DIR",
        help="run the handler with the boto3 in DIR, as a Lambda runtime ships an older one "
        "(pip install --target DIR boto3==1.34.77); default: this environment's",
    )
    destroy = commands.add_parser("destroy", help="delete a deployed stack")
    common(destroy)
    for sub in (deploy, destroy):
        add_organization_arguments(sub)
        sub.add_argument(
            "--fast-clock",
            action="store_true",
            help="virtual time: handlers' sleeps and wait conditions with nothing left to signal "
            "them pass at once (hours of waiting take seconds); kept in the state folder",
        )
    destroy.add_argument(
        "--force",
        action="store_true",
        help="remove the stack's local state even when a Delete fails or its handler cannot run "
        "(what it created may stay in the endpoint)",
    )
    serve = commands.add_parser("serve", help="run only the Clean Rooms ML endpoint until Ctrl-C")
    common(serve)
    shown = commands.add_parser(
        "examples",
        help="list the example templates and seed file, print one, or copy them (--copy DIR)",
    )
    shown.add_argument("name", nargs="?", help="the example to print (default: list them)")
    shown.add_argument("--copy", type=Path, metavar="DIR", help="copy every example into DIR")
    return parser


def _stack(args: argparse.Namespace) -> StackTemplate:
    if getattr(args, "template", None) is not None:
        return load_template_file(args.template, stack_name=args.stack or args.template.stem)
    return load_stack(args.app_dir, args.stack)


def _stack_name_for_destroy(args: argparse.Namespace) -> str:
    if args.stack:
        return str(args.stack)
    if args.app_dir.is_dir():
        stacks = load_assembly(args.app_dir)
        if len(stacks) == 1:
            return next(iter(stacks))
    deployed = StateStore(args.state_dir).stack_names()
    if len(deployed) == 1:
        return deployed[0]
    raise TemplateError(
        "choose the stack to destroy with --stack; deployed locally: "
        + (", ".join(deployed) or "none")
    )


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    store = StateStore(args.state_dir)
    store.lock.acquire()
    try:
        seed = resolve_seed(store, args.seed)
        endpoint = CleanRoomsMlEndpoint(seed=seed, state_file=store.endpoint_file)
        store.save_seed(seed)
        with serve_with_cleanrooms(endpoint, port=args.port) as url:
            print(
                f"Clean Rooms ML endpoint on {url} (AWS_ENDPOINT_URL_CLEANROOMSML={url}, "
                f"AWS_ENDPOINT_URL_CLEANROOMS={url}); Ctrl-C stops",
                file=out,
                flush=True,
            )
            # Stopping is what Ctrl-C / SIGTERM are for here: a clean exit, not an error.
            with contextlib.suppress(Interrupted, KeyboardInterrupt):
                threading.Event().wait()
    finally:
        store.lock.release()
    return 0


def _interrupted_line(error: Interrupted, args: argparse.Namespace, name: str | None) -> str:
    line = f"interrupted by {signal.Signals(error.signum).name}: handler processes stopped"
    with contextlib.suppress(StateError, OSError):
        state = StateStore(args.state_dir).load_stack(name) if name else None
        if state is not None and state.status.endswith("_FAILED"):
            line += (
                f"; stack {name} is {state.status} in {args.state_dir}: run destroy to clean "
                "up what it started"
            )
            return line
    return line + f"; state kept in {args.state_dir}"


def _existing_folder(text: str) -> Path:
    folder = Path(text)
    if not (folder / "boto3").is_dir() or not (folder / "botocore").is_dir():
        raise argparse.ArgumentTypeError(f"{text} holds no boto3/ and botocore/ folders")
    return folder.resolve()


def _run(args: argparse.Namespace, out: TextIO, chosen: list[str]) -> int:
    """``deploy`` or ``destroy``; the stack's name goes into ``chosen`` once it is known."""
    if args.organization is not None:
        return 0 if run_organization(args, out) else EXIT_FAILED
    if args.command == "deploy":
        stack = _stack(args)
        parameters = _key_values(args.parameters, "--parameters")
        name = stack.name
    else:
        name = _stack_name_for_destroy(args)
    chosen.append(name)
    cloud = LocalCloud(
        state_dir=args.state_dir,
        seed=args.seed,
        port=args.port,
        function_timeout=getattr(args, "function_timeout", None),
        options=DriverOptions(max_wait=getattr(args, "max_wait", None)),
        on_progress=lambda event: print(progress_line(event), file=out, flush=True),
        log_level=getattr(args, "log_level", None),
        fast_clock=args.fast_clock,
        runtime_packages=getattr(args, "runtime_packages", None),
    )
    with cloud:
        print(
            f"{name}: local Clean Rooms ML endpoint at {cloud.url}; state in {args.state_dir}",
            file=out,
            flush=True,
        )
        print(clock_line(cloud.clock, args.state_dir), file=out, flush=True)
        started = time.monotonic()
        if args.command == "deploy":
            result = cloud.deploy(stack, parameters)
        else:
            result = cloud.destroy(name, force=args.force)
        # Let the handler's last invocation finish its logging before the servers stop.
        cloud.emulator.wait_idle(5)
    print_result(result, out)
    print(
        f"\n{'✅' if result.succeeded else '❌'}  {name}: {result.status} "
        f"({time.monotonic() - started:.1f} s)",
        file=out,
    )
    return 0 if result.succeeded else EXIT_FAILED


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    *,
    prog: str = "python -m cdk_cleanrooms_ml.local",
) -> int:
    out = out or sys.stdout
    args = _parser(prog).parse_args(argv)
    chosen: list[str] = []
    try:
        with signals_interrupt():
            if args.command == "serve":
                return _serve(args, out)
            if args.command == "examples":
                return examples.run(args.name, args.copy, out)
            return _run(args, out, chosen)
    except Interrupted as error:
        line = _interrupted_line(error, args, chosen[-1] if chosen else None)
        print(f"error: {line}", file=sys.stderr)
        return 128 + error.signum
    except StateLostError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (
        TemplateError,
        OrganizationsError,
        SeedError,
        StateError,
        PortInUseError,
        RuntimeSetupError,
        CertificateError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except json.JSONDecodeError as error:
        print(f"error: invalid JSON: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        # A folder that cannot be written, a file that vanished: one line, not a traceback.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
