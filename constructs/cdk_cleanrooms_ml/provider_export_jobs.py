"""The export statement of a provider role's inline policy: the granted job ARNs and patterns,
rendered once at synth within IAM's size limit (see :mod:`job_grants`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import jsii
from aws_cdk import Annotations, IAnyProducer, IResolveContext, Lazy, Token
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from cdk_cleanrooms_ml import job_grants, provider_nag
from cdk_cleanrooms_ml.provider_interface import EXPORT_ACTIONS

POLICY_SIZE_WARNING: Final = "cdk-cleanrooms-ml:jobPolicyWildcarded"


class ExportJobs:
    """Job ARNs (or tokens) by a key that compares them, and ARN patterns: kept in Python and
    rendered once, at synth, when all of them are known. Named exactly while the role's
    policies fit IAM's 10,240-character limit, else one pattern per account and region, with
    a warning on ``provider`` and a cdk-nag acknowledgement."""

    def __init__(
        self,
        provider: Construct,
        role_policy: iam.PolicyDocument,
        fixed_chars: Callable[[], int],
        acknowledge: Callable[[str, str], None],
    ) -> None:
        self._provider = provider
        self._role_policy = role_policy
        self._fixed_chars = fixed_chars
        self._acknowledge = acknowledge
        self._jobs: dict[str, str] = {}
        self.patterns: dict[str, job_grants.JobScope] = {}
        """The granted ARN patterns, each with its parts."""
        self._statement: iam.PolicyStatement | None = None
        self._decided: job_grants.JobResources | None = None
        self._warned: str | None = None

    def add_job(self, key: str, job_arn: str) -> None:
        """Grant ``job_arn``, once per ``key`` (what it resolves to)."""
        if key not in self._jobs:
            self._jobs[key] = job_arn
            self.changed()

    def add_pattern(self, pattern: str, scope: job_grants.JobScope) -> None:
        """Grant the jobs matching ``pattern`` (whose parts are ``scope``)."""
        self.patterns[pattern] = scope
        self.changed()

    def invalidate(self) -> None:
        """Decide again: something counting towards the role's size limit changed."""
        self._decided = None

    def resources(self) -> job_grants.JobResources:
        """The statement's resources: decided once, when first asked at synth."""
        if self._decided is None:
            self._decided = job_grants.decide(
                list(self._jobs.values()), self.patterns, self._fixed_chars()
            )
            self._report(self._decided)
        return self._decided

    def changed(self) -> None:
        """A job or pattern was granted: decide again, and make sure the statement exists."""
        self._decided = None
        if self._statement is not None:
            return
        # One statement whose resources CDK asks for at synth, when every export has been
        # granted: only then is the policy's size known.
        resources = Token.as_string(Lazy.uncached_any(_JobResourcesProducer(self)))
        self._statement = iam.PolicyStatement(actions=list(EXPORT_ACTIONS), resources=[resources])
        self._role_policy.add_statements(self._statement)
        # Decided (and warned about) before synthesis writes anything, when validation runs.
        self._provider.node.add_validation(_DecideBeforeSynth(self))

    def _report(self, decided: job_grants.JobResources) -> None:
        if not decided.wildcards:
            return
        message = (
            f"The {len(self._jobs)} generation job ARNs granted to this provider would take"
            f" about {decided.exact_chars} characters of inline policy, over IAM's"
            f" {job_grants.ROLE_INLINE_POLICIES_MAX}-character limit for a role: the deploy"
            " would fail. The provider is granted the export actions on every generation job"
            f" of these accounts and regions instead: {', '.join(decided.wildcards)}. To keep"
            " exact grants, spread the exports over more stacks or providers."
        )
        if message != self._warned:
            self._warned = message
            Annotations.of(self._provider).add_warning_v2(POLICY_SIZE_WARNING, message)
        for wildcard in decided.wildcards:
            self._acknowledge(wildcard, provider_nag.TOO_MANY_JOBS)


@jsii.implements(IAnyProducer)
class _JobResourcesProducer:
    """The export statement's ``Resource``: one value, or a list of them."""

    def __init__(self, jobs: ExportJobs) -> None:
        self._jobs = jobs

    def produce(self, context: IResolveContext) -> Any:
        resources = self._jobs.resources().resources
        return resources[0] if len(resources) == 1 else resources


@jsii.implements(IValidation)
class _DecideBeforeSynth:
    def __init__(self, jobs: ExportJobs) -> None:
        self._jobs = jobs

    def validate(self) -> list[str]:
        try:
            self._jobs.resources()
        except job_grants.PolicyTooLargeError as error:
            return [str(error)]
        return []
