"""``python -m cdk_cleanrooms_ml.local deploy|destroy|serve``.

``deploy`` takes a synthesized stack (``cdk.out``) or a plain template (``--template``) and runs
its audience exports against the embedded Clean Rooms ML endpoint, printing CloudFormation-style
progress; a second ``deploy`` is an update; ``destroy`` deletes. ``serve`` only runs the endpoint.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .driver import DriverOptions, ProgressEvent, StackResult
from .endpoint import CleanRoomsMlEndpoint, SeedError, serve_endpoint
from .harness import LocalCloud
from .responses import CertificateError
from .runtime import RuntimeSetupError
from .server import PortInUseError
from .state import StateStore
from .template import (
    RESOURCE_TYPE,
    StackTemplate,
    TemplateError,
    load_assembly,
    load_stack,
    load_template_file,
)

EXIT_FAILED = 1
EXIT_USAGE = 2


def _key_values(items: Sequence[str], flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: {flag} expects KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cdk_cleanrooms_ml.local",
        description="Deploy a synthesized stack's Clean Rooms ML audience exports to an embedded, "
        "offline Clean Rooms ML endpoint through the real handler and CloudFormation protocol.",
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
            help="where deployed stacks and the endpoint's state are kept",
        )
        sub.add_argument(
            "--port",
            type=int,
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
        "--function-timeout", type=float, help="override the provider Lambda's Timeout (seconds)"
    )
    deploy.add_argument(
        "--max-wait",
        type=float,
        help="wait at most this long for each response (never beyond ServiceTimeout)",
    )
    deploy.add_argument("--log-level", help="LOG_LEVEL for the handler (default: the function's)")
    destroy = commands.add_parser("destroy", help="delete a deployed stack")
    common(destroy)
    serve = commands.add_parser("serve", help="run only the Clean Rooms ML endpoint until Ctrl-C")
    common(serve)
    return parser


def progress_line(event: ProgressEvent) -> str:
    elapsed = f" ({event.elapsed:.1f} s)" if event.elapsed is not None else ""
    reason = f"  {event.reason}" if event.reason else ""
    clock = time.strftime("%H:%M:%S")
    # The construct id when the template has path metadata, the logical id otherwise.
    name = event.label or event.logical_id
    columns = f"{clock}  {name:<30}  {event.resource_type:<34}  {event.status}"
    return f"{columns}{elapsed}{reason}"


def _print_result(result: StackResult, out: TextIO) -> None:
    if result.outputs:
        print("\nOutputs:", file=out)
        for name, value in result.outputs.items():
            print(f"{result.stack_name}.{name} = {value}", file=out)
    exports = {lid: r for lid, r in result.resources.items() if r.type == RESOURCE_TYPE}
    if exports and result.succeeded and result.status != "DELETE_COMPLETE":
        print("\nAttributes:", file=out)
        for logical_id, resource in exports.items():
            shown = f"{resource.label} ({logical_id})" if resource.label else logical_id
            print(f"{shown}  physical id {resource.physical_id}", file=out)
            for key, value in resource.data.items():
                print(f"  {key} = {value}", file=out)
    if not result.succeeded:
        print(f"\n{result.stack_name}: {result.status}: {result.reason}", file=out)


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
    deployed = [s.stack_name for s in StateStore(args.state_dir).stacks()]
    if len(deployed) == 1:
        return deployed[0]
    raise TemplateError(
        "choose the stack to destroy with --stack; deployed locally: "
        + (", ".join(deployed) or "none")
    )


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    store = StateStore(args.state_dir)
    endpoint = CleanRoomsMlEndpoint(seed=args.seed, state_file=store.endpoint_file)
    with serve_endpoint(endpoint, port=args.port) as url:
        print(
            f"Clean Rooms ML endpoint on {url} (AWS_ENDPOINT_URL_CLEANROOMSML={url}); Ctrl-C stops",
            file=out,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args, out)
        if args.command == "deploy":
            stack = _stack(args)
            parameters = _key_values(args.parameters, "--parameters")
            name = stack.name
        else:
            name = _stack_name_for_destroy(args)
        cloud = LocalCloud(
            state_dir=args.state_dir,
            seed=args.seed,
            port=args.port,
            function_timeout=getattr(args, "function_timeout", None),
            options=DriverOptions(max_wait=getattr(args, "max_wait", None)),
            on_progress=lambda event: print(progress_line(event), file=out, flush=True),
            log_level=getattr(args, "log_level", None),
        )
        with cloud:
            print(
                f"{name}: local Clean Rooms ML endpoint at {cloud.url}; state in {args.state_dir}",
                file=out,
                flush=True,
            )
            started = time.monotonic()
            result = (
                cloud.deploy(stack, parameters) if args.command == "deploy" else cloud.destroy(name)
            )
            # Let the handler's last invocation finish its logging before the servers stop.
            cloud.emulator.wait_idle(5)
        _print_result(result, out)
        print(
            f"\n{'✅' if result.succeeded else '❌'}  {name}: {result.status} "
            f"({time.monotonic() - started:.1f} s)",
            file=out,
        )
        return 0 if result.succeeded else EXIT_FAILED
    except (TemplateError, SeedError, PortInUseError, RuntimeSetupError, CertificateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except json.JSONDecodeError as error:
        print(f"error: invalid JSON: {error}", file=sys.stderr)
        return EXIT_USAGE
