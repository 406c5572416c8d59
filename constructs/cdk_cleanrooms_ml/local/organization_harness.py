"""An AWS Organization on one machine: one :class:`~.harness.LocalCloud` per account and region.

:class:`LocalOrganization` holds the organization (:mod:`.organizations`), starts each
account and region's cloud when something first needs it (state in
``<state-dir>/<account>/<region>``, its driver defaulting to that account and region, its
endpoint serving the example job moved there), and gives every cloud three things a lone
``LocalCloud`` lacks (:class:`~.cloudformation.services.DriverServices`): its S3 (buckets made
by stacks, objects published by :meth:`LocalOrganization.deploy_assembly`), Lambda code read
from S3 as that account (a bucket of another account readable through its policy, as a
StackSet instance reads the management account's code), and StackSets
(:mod:`.cloudformation.stack_sets`), whose instances deploy into the other clouds.

:meth:`LocalOrganization.deploy_assembly` / :meth:`LocalOrganization.destroy_assembly` do what
``cdk deploy --all`` / ``cdk destroy --all`` do (:mod:`.toolkit`). Changes to the organization
(:meth:`LocalOrganization.move_account` ...) run the StackSets' auto-deployment.

``<state-dir>/organization.json`` keeps the organization, ``<state-dir>/lock`` one run at a
time, ``<state-dir>/runtime`` the Lambda runtime the clouds share (unless ``runtime_cache``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypedDict, Unpack

from .cleanroomsml.models import ExportDurations
from .cleanroomsml.relocation import relocated_seed
from .cleanroomsml.seed import default_seed
from .cloudformation.buckets import bucket_policies
from .cloudformation.driver import DriverOptions, DriverServices, LocalCloudFormation, ProgressEvent
from .cloudformation.stack_sets import OperationRecord, StackInstance, StackSetRecord, StackSets
from .harness import LocalCloud
from .lock import StateLock
from .organizations.exceptions import OrganizationsError
from .organizations.files import read_organization, write_organization
from .organizations.models import Organization
from .s3.access import read_object
from .s3.models import S3Backend, S3Object
from .state import StateStore
from .toolkit.deploy_all import AssemblyResult, deploy_stacks, destroy_stacks
from .toolkit.manifest import read_assembly, selected_stacks

ORGANIZATION_FILE: Final = "organization.json"
Seed = Mapping[str, Any] | Path


class CloudSettings(TypedDict, total=False):
    """What every cloud of the organization is started with (see :class:`LocalCloud`)."""

    function_timeout: float | None
    durations: ExportDurations | None
    on_progress: Callable[[ProgressEvent], None] | None
    runtime_cache: Path | None
    log_level: str | None
    fast_clock: bool
    runtime_packages: Path | None


class LocalOrganization:
    """An organization's clouds, one per account and region, started as they are needed."""

    def __init__(
        self,
        *,
        state_dir: Path,
        organization: Organization | None = None,
        options: DriverOptions | None = None,
        seeds: Mapping[tuple[str, str], Seed] | None = None,
        on_cloud_progress: Callable[[str, str, ProgressEvent], None] | None = None,
        **settings: Unpack[CloudSettings],
    ) -> None:
        """
        :param organization: the organization; default the one the state folder keeps.
        :param options: every driver's options; each cloud's ``default_account`` /
            ``default_region`` are its own. ``default_region`` is the home region: where a
            stack naming no region deploys.
        :param seeds: per ``(account, region)``, the generation jobs its endpoint serves;
            default the one kept in its state, else the example job moved into that account
            and region.
        :param on_cloud_progress: called with each cloud's account, region and progress
            (besides ``on_progress``, which every cloud calls with the event alone).
        :param settings: given to every cloud (``durations``, ``runtime_cache``...).
        """
        self.state_dir = state_dir.resolve()
        self._given = organization
        self._organization: Organization | None = None
        self._options = options or DriverOptions()
        self._seeds = dict(seeds or {})
        self._settings = settings
        self._on_cloud_progress = on_cloud_progress
        self._lock = threading.RLock()
        self._root_lock = StateLock(self.state_dir)
        self._clouds: dict[tuple[str, str], LocalCloud] = {}
        self._s3: dict[tuple[str, str], S3Backend] = {}
        self._stack_sets: dict[tuple[str, str], StackSets] = {}
        # Set by close(): a StackSet operation still running starts no cloud any more.
        self._closing = False

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalOrganization:
        self._root_lock.acquire()
        self._closing = False
        try:
            kept = self.state_dir / ORGANIZATION_FILE
            if self._given is not None:
                self._organization = self._given
                self._save_organization()
            elif kept.exists():
                self._organization = read_organization(kept)
            else:
                raise OrganizationsError(
                    "AWSOrganizationsNotInUseException",
                    f"no organization given and none kept in {kept}",
                )
        except BaseException:
            self._root_lock.release()
            raise
        return self

    def close(self, grace: float = 0.0) -> None:
        """Stop every cloud started (the last started first)."""
        with self._lock:
            self._closing = True
            clouds = list(self._clouds.values())
            self._clouds.clear()
        if not grace:
            # All at once: an instance's deployment waits on no cloud that is already gone.
            for cloud in clouds:
                cloud.driver.cancel()
        for cloud in reversed(clouds):
            cloud.close(grace)
        self._root_lock.release()

    def __enter__(self) -> LocalOrganization:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the organization and its clouds ----------------------------------------------------

    @property
    def organization(self) -> Organization:
        if self._organization is None:
            raise RuntimeError("LocalOrganization is not started")
        return self._organization

    @property
    def home_region(self) -> str:
        return self._options.default_region

    def cloud_dir(self, account: str, region: str) -> Path:
        return self.state_dir / account / region

    def cloud(self, account: str, region: str) -> LocalCloud:
        """The cloud of ``account`` in ``region``, started now if it is not yet."""
        with self._lock:
            found = self._clouds.get((account, region))
            if found is None:
                if self._closing:
                    raise RuntimeError("LocalOrganization is closed")
                found = self._start_cloud(account, region)
                self._clouds[(account, region)] = found
            return found

    def clouds(self) -> dict[tuple[str, str], LocalCloud]:
        """The clouds started so far, by ``(account, region)``."""
        with self._lock:
            return dict(self._clouds)

    def _start_cloud(self, account: str, region: str) -> LocalCloud:
        directory = self.cloud_dir(account, region)
        settings: dict[str, Any] = dict(self._settings)
        settings.setdefault("runtime_cache", self.state_dir / "runtime")
        settings["on_progress"] = self._progress(account, region)
        stack_sets = StackSets(self, account=account, region=region)
        cloud = LocalCloud(
            state_dir=directory,
            seed=self._seed(account, region, directory),
            options=dataclasses.replace(
                self._options, default_account=account, default_region=region
            ),
            services=DriverServices(
                s3=self.s3(account, region), code_objects=self, stack_sets=stack_sets
            ),
            **settings,
        )
        cloud.start()
        self._stack_sets[(account, region)] = stack_sets
        return cloud

    def _progress(self, account: str, region: str) -> Callable[[ProgressEvent], None] | None:
        each = self._settings.get("on_progress")
        with_cloud = self._on_cloud_progress
        if with_cloud is None:
            return each

        def report(event: ProgressEvent) -> None:
            if each is not None:
                each(event)
            with_cloud(account, region, event)

        return report

    def _seed(self, account: str, region: str, directory: Path) -> Seed | None:
        given = self._seeds.get((account, region))
        if given is not None:
            return given
        if StateStore(directory).seed_file.exists():
            return None  # the cloud serves what it kept
        return relocated_seed(default_seed(), account, region)

    # --- what clouds and handlers use (Clouds, Buckets, CodeObjects) -----------------------

    def driver(self, account: str, region: str) -> LocalCloudFormation:
        return self.cloud(account, region).driver

    def s3(self, account: str, region: str) -> S3Backend:
        """The buckets of ``account`` in ``region`` (no cloud needs to be started)."""
        with self._lock:
            found = self._s3.get((account, region))
            if found is None:
                state_file = self.cloud_dir(account, region) / "s3.json"
                found = S3Backend(account=account, region=region, state_file=state_file)
                self._s3[(account, region)] = found
            return found

    def accounts(self) -> Sequence[str]:
        return self.organization.accounts()

    def bucket_policy(self, account: str, region: str, bucket: str) -> list[dict[str, Any]]:
        # Read from the owner's stacks; its cloud need not run for that.
        store = StateStore(self.cloud_dir(account, region))
        return bucket_policies(store).get(bucket, [])

    def organization_of(self, account: str) -> str | None:
        organization = self.organization
        return organization.id if organization.has_account(account) else None

    def read_object(self, bucket: str, key: str, *, account: str, region: str) -> S3Object:
        return read_object(self, bucket, key, account=account, region=region)

    # --- cdk deploy --all / cdk destroy --all ------------------------------------------------

    def deploy_assembly(
        self,
        cdk_out: Path,
        stacks: Sequence[str] | None = None,
        *,
        exclusively: bool = False,
        parameters: Mapping[str, Mapping[str, str]] | None = None,
    ) -> AssemblyResult:
        """Deploy the assembly's stacks (``stacks``: those matching, with what they depend on
        unless ``exclusively``) in order, each into its account and region."""
        chosen = selected_stacks(read_assembly(cdk_out), stacks, exclusively=exclusively)
        return deploy_stacks(
            self,
            chosen,
            account=self.organization.management_account,
            region=self.home_region,
            parameters=parameters,
        )

    def destroy_assembly(
        self, cdk_out: Path, stacks: Sequence[str] | None = None, *, exclusively: bool = False
    ) -> AssemblyResult:
        """Destroy the assembly's deployed stacks, last first; ``retained`` lists what stays."""
        chosen = selected_stacks(read_assembly(cdk_out), stacks, exclusively=exclusively)
        return destroy_stacks(
            self, chosen, account=self.organization.management_account, region=self.home_region
        )

    # --- StackSets ----------------------------------------------------------------------------

    def _administrators(self) -> list[StackSets]:
        """The handlers of every account and region that administers a StackSet."""
        found: list[StackSets] = []
        for folder in sorted(self.state_dir.glob("*/*/stack_sets")):
            if any(folder.glob("*.json")):
                account, region = folder.parent.parent.name, folder.parent.name
                self.cloud(account, region)
                found.append(self._stack_sets[(account, region)])
        return found

    def stack_set(self, name: str) -> StackSetRecord | None:
        """The StackSet ``name`` (in whichever account and region administers it)."""
        for handler in self._administrators():
            record = handler.record(name)
            if record is not None:
                return record
        return None

    def stack_sets(self) -> list[StackSetRecord]:
        """Every StackSet of the organization's administrators."""
        found: list[StackSetRecord] = []
        for handler in self._administrators():
            found.extend(r for r in map(handler.record, handler.names()) if r is not None)
        return found

    def stack_set_instances(self, name: str) -> list[StackInstance]:
        """The StackSet's instances (account, region, stack name, statuses, reason)."""
        for handler in self._administrators():
            if name in handler.names():
                return handler.instances(name)
        return []

    # --- Organizations: changes, then auto-deployment ----------------------------------------

    def add_account(self, account: str, unit: str | None = None) -> list[OperationRecord]:
        """A new account in ``unit`` (default the root); StackSets targeting it deploy there."""
        self.organization.add_account(account, unit)
        return self._changed(account)

    def move_account(self, account: str, unit: str) -> list[OperationRecord]:
        self.organization.move_account(account, unit)
        return self._changed(account)

    def remove_account(self, account: str) -> list[OperationRecord]:
        self.organization.remove_account(account)
        return self._changed(account)

    def _changed(self, account: str) -> list[OperationRecord]:
        self._save_organization()
        done: list[OperationRecord] = []
        for handler in self._administrators():
            done.extend(handler.accounts_changed([account]))
        return done

    def _save_organization(self) -> None:
        write_organization(self.state_dir / ORGANIZATION_FILE, self.organization)


__all__ = ["CloudSettings", "LocalOrganization"]
