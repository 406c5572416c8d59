"""``deploy --organization FILE`` / ``destroy --organization FILE``: a whole assembly (StackSets
included) deployed to, or destroyed from, an organization of local clouds, as
``cdk deploy --all`` / ``cdk destroy --all`` would with the organization's accounts.

The organization comes from a JSON file (:mod:`.organizations.files`: ``id``,
``managementAccount``, ``units`` by id with their ``accounts`` and optional ``parent``); stacks
naming no account go to the management account, those naming no region to ``--home-region``.
``--stack`` chooses stacks by name pattern (with what they depend on). Each progress line names
its account and region; the summary lists every stack's result, what was retained, and every
StackSet's instances. State: ``<state-dir>/<account>/<region>`` per cloud.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TextIO

from .cloudformation.driver import DriverOptions, ProgressEvent
from .cloudformation.exceptions import TemplateError
from .organization_harness import LocalOrganization
from .organizations.files import read_organization
from .output import progress_line
from .toolkit.deploy_all import AssemblyResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The organization mode's options, on ``deploy`` and ``destroy``."""
    parser.add_argument(
        "--organization",
        type=Path,
        metavar="FILE",
        help="deploy (destroy) every stack of the assembly, StackSets included, to the accounts "
        "of the organization FILE describes (JSON: id, managementAccount, units); --stack then "
        "chooses stacks by name pattern",
    )
    parser.add_argument(
        "--home-region",
        default="us-east-1",
        help="with --organization: where stacks naming no region go (default: us-east-1)",
    )


def _refuse_single_stack_options(args: argparse.Namespace) -> None:
    refused = {
        "--template": getattr(args, "template", None) is not None,
        "--seed": args.seed is not None,
        "--port": bool(args.port),
        "--parameters": bool(getattr(args, "parameters", None)),
        "--force": bool(getattr(args, "force", False)),
    }
    given = [flag for flag, used in refused.items() if used]
    if given:
        raise TemplateError(
            f"{given[0]} cannot be used with --organization (each account and region's cloud "
            "serves the example job moved there, on a port of its own)"
        )


def _summary(run: AssemblyResult, org: LocalOrganization, out: TextIO, started: float) -> None:
    print("", file=out)
    for result in run.results:
        mark = "✅" if result.succeeded else "❌"
        reason = f": {result.reason}" if result.reason and not result.succeeded else ""
        print(f"{mark}  {result.stack_name}: {result.status}{reason}", file=out)
    for kept in run.retained:
        print(
            f"retained: {kept.physical_id} ({kept.type}, {kept.account} {kept.region}, "
            f"from {kept.stack_name})",
            file=out,
        )
    for record in org.stack_sets():
        print(f"\nStackSet {record.name} ({record.stack_set_id}):", file=out)
        for instance in org.stack_set_instances(record.name):
            reason = f"  {instance.reason}" if instance.reason else ""
            print(
                f"  {instance.account} {instance.region}  {instance.stack_name or '-'}  "
                f"{instance.stack_status or '-'}  {instance.status}{reason}",
                file=out,
            )
    print(f"\n({time.monotonic() - started:.1f} s)", file=out)


def run_organization(args: argparse.Namespace, out: TextIO) -> bool:
    """Deploy or destroy ``args.app_dir`` in the organization; whether every stack succeeded."""
    _refuse_single_stack_options(args)
    organization = read_organization(args.organization)

    def show(account: str, region: str, event: ProgressEvent) -> None:
        print(f"{account} {region:<14}  {progress_line(event)}", file=out, flush=True)

    org = LocalOrganization(
        state_dir=args.state_dir,
        organization=organization,
        options=DriverOptions(
            max_wait=getattr(args, "max_wait", None), default_region=args.home_region
        ),
        on_cloud_progress=show,
        function_timeout=getattr(args, "function_timeout", None),
        log_level=getattr(args, "log_level", None),
        fast_clock=args.fast_clock,
        runtime_packages=getattr(args, "runtime_packages", None),
    )
    patterns = [args.stack] if args.stack else None
    started = time.monotonic()
    with org:
        print(
            f"organization {organization.id}: {len(organization.accounts())} accounts; "
            f"state in {args.state_dir}",
            file=out,
            flush=True,
        )
        if args.command == "deploy":
            run = org.deploy_assembly(args.app_dir, patterns)
        else:
            run = org.destroy_assembly(args.app_dir, patterns)
        for cloud in org.clouds().values():
            # Let the handlers' last invocations finish their logging before the servers stop.
            cloud.emulator.wait_idle(5)
        _summary(run, org, out, started)
    return run.succeeded
