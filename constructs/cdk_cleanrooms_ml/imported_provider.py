"""A provider deployed elsewhere, known here only by its ServiceToken."""

from __future__ import annotations

import re
from typing import Final

from constructs import Construct, IConstruct

from cdk_cleanrooms_ml._handler.rules import ValidationError
from cdk_cleanrooms_ml.model_grants import (
    ASSOCIATION_STATEMENTS,
    AUDIENCE_MODELS,
    CONFIGURED_MODELS,
    POLICY_RESOURCE_ACTIONS,
    Spec,
)
from cdk_cleanrooms_ml.provider_interface import (
    EXPORT_ACTIONS,
    ProviderGrant,
    generation_job_actions,
)
from cdk_cleanrooms_ml.tokens import is_token

# The provider is a Lambda function, maybe with a version or alias qualifier.
_FUNCTION_ARN: Final = re.compile(
    r"arn:aws[-a-z]*:lambda:[-a-z0-9]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?"
)


def check_service_token(service_token: str) -> str:
    """``service_token`` if it is a token or a Lambda function ARN, else a ``ValidationError``."""
    if not isinstance(service_token, str):
        raise ValidationError(
            "service_token", f"must be a string, not {type(service_token).__name__}"
        )
    if not is_token(service_token) and not _FUNCTION_ARN.fullmatch(service_token):
        raise ValidationError(
            "service_token",
            f"{service_token[:100]!r} is not a Lambda function ARN"
            " (arn:<partition>:lambda:<region>:<account>:function:<name>)",
        )
    return service_token


class ImportedCleanRoomsMlProvider(Construct):
    """A provider deployed by another stack or app: resources here hold only its token.

    Made by :meth:`CleanRoomsMlProvider.from_service_token
    <cdk_cleanrooms_ml.CleanRoomsMlProvider.from_service_token>`; it adds nothing to the
    template. Its role is not this app's to change: grants are recorded in
    :attr:`granted_job_arns` (the jobs the remote provider must already allow),
    :attr:`granted_configured_audience_model_arns` and :attr:`granted_seed_role_arns` (what
    its generation jobs need) and return a :class:`ProviderGrant` whose ``success`` is False.
    """

    def __init__(self, scope: Construct, construct_id: str, service_token: str) -> None:
        # Checked before the construct joins the tree: a refused token leaves no trace.
        check_service_token(service_token)
        super().__init__(scope, construct_id)
        self._service_token = service_token
        self._granted: list[str] = []
        self._models: list[str] = []
        self._seed_roles: list[str] = []
        # Read once: each read is a call into CDK, and every export grants its job.
        self._path = self.node.path

    @property
    def service_token(self) -> str:
        """The token given: a Lambda function ARN, or a token such as ``Fn.import_value``."""
        return self._service_token

    @property
    def granted_job_arns(self) -> list[str]:
        """The generation jobs granted so far, in order, each once (ARNs or tokens)."""
        return list(self._granted)

    def grant_audience_export(self, audience_generation_job_arn: str) -> ProviderGrant:
        """Record the job; the remote provider's own stack must allow it (``success`` False)."""
        if audience_generation_job_arn not in self._granted:
            self._granted.append(audience_generation_job_arn)
        return ProviderGrant(
            actions=EXPORT_ACTIONS,
            resource_arns=(audience_generation_job_arn,),
            success=False,
            reason=(
                f"{self._path} is an imported provider: its role belongs to the stack that"
                " deployed it, which must allow this job (e.g. with allowed_job_arns)"
            ),
        )

    @property
    def granted_configured_audience_model_arns(self) -> list[str]:
        """The configured audience models of generation jobs granted so far, each once."""
        return list(self._models)

    @property
    def granted_seed_role_arns(self) -> list[str]:
        """The seed roles of generation jobs granted so far, each once (ARNs or tokens)."""
        return list(self._seed_roles)

    def grant_audience_generation_job(
        self, *, configured_audience_model_arn: str, seed_role_arn: str, tagging: bool
    ) -> ProviderGrant:
        """Record the model and seed role; the remote provider's own stack must allow them
        (``success`` False)."""
        if configured_audience_model_arn not in self._models:
            self._models.append(configured_audience_model_arn)
        if seed_role_arn not in self._seed_roles:
            self._seed_roles.append(seed_role_arn)
        return ProviderGrant(
            actions=generation_job_actions(tagging),
            resource_arns=(configured_audience_model_arn, seed_role_arn),
            success=False,
            reason=(
                f"{self._path} is an imported provider: its role belongs to the stack that"
                " deployed it (e.g. a CleanRoomsMlProviderStack), which must allow generation"
                " jobs of this configured audience model and pass this seed role (e.g. with"
                " allowed_seed_role_arns)"
            ),
        )

    def grant_audience_model(self, training_dataset_arn: str) -> ProviderGrant:
        """Nothing to change: the remote provider's own stack must allow audience models of
        this training dataset (``success`` False)."""
        return self._not_granted(AUDIENCE_MODELS, (training_dataset_arn,), "audience models")

    def grant_configured_audience_model(
        self, *, audience_model_arn: str, output_role_arn: str
    ) -> ProviderGrant:
        """Nothing to change (``success`` False), as for audience models."""
        return self._not_granted(
            CONFIGURED_MODELS, (audience_model_arn, output_role_arn), "configured audience models"
        )

    def grant_configured_audience_model_policy(
        self, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Nothing to change (``success`` False), as for audience models."""
        return self._not_granted(
            POLICY_RESOURCE_ACTIONS,
            (configured_audience_model_arn,),
            "configured audience model policies",
        )

    def grant_configured_audience_model_association(
        self, *, membership_id: str, configured_audience_model_arn: str
    ) -> ProviderGrant:
        """Nothing to change (``success`` False), as for audience models."""
        return self._not_granted(
            tuple(action for actions in ASSOCIATION_STATEMENTS for action in actions),
            (membership_id, configured_audience_model_arn),
            "configured audience model associations",
        )

    def _not_granted(
        self, actions: Spec | tuple[str, ...], arns: tuple[str, ...], what: str
    ) -> ProviderGrant:
        return ProviderGrant(
            actions=actions.actions() if isinstance(actions, Spec) else actions,
            resource_arns=arns,
            success=False,
            reason=(
                f"{self._path} is an imported provider: its role belongs to the stack that"
                f" deployed it, which must allow these {what} ({', '.join(arns)})"
            ),
        )

    def bind_resource(self, resource: IConstruct) -> None:
        """Nothing to wait for: the remote provider was deployed before this stack."""
