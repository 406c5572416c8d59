"""``TrainingDataset``: the L2 over ``AWS::CleanRoomsML::TrainingDataset`` (a Glue table of
interactions the model owner trains audience models on)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol, runtime_checkable

from aws_cdk import Names, RemovalPolicy, Stack, Token
from aws_cdk import aws_cleanroomsml as cleanroomsml
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_cleanrooms_ml._handler import rules
from cdk_cleanrooms_ml._handler.arns import check_training_dataset_arn
from cdk_cleanrooms_ml.tokens import concrete
from cdk_cleanrooms_ml.training_data import Column, TrainingDataSource, check_columns

SERVICE_PRINCIPAL: Final = "cleanrooms-ml.amazonaws.com"
# What the service reads of the Glue table (its schema and partitions). An assumption checked
# against no account: see the README.
GLUE_READ_ACTIONS: Final = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)
INTERACTIONS: Final = "INTERACTIONS"


@runtime_checkable
class ITrainingDataset(Protocol):
    """A training dataset, declared in this app or imported by its ARN."""

    @property
    def training_dataset_arn(self) -> str: ...


class ImportedTrainingDataset(Construct):
    """A training dataset this app does not declare (it adds nothing to the template)."""

    def __init__(self, scope: Construct, construct_id: str, training_dataset_arn: str) -> None:
        if concrete(training_dataset_arn):
            check_training_dataset_arn(training_dataset_arn)
        super().__init__(scope, construct_id)
        self._arn = training_dataset_arn

    @property
    def training_dataset_arn(self) -> str:
        return self._arn


class TrainingDataset(Construct):
    """A training dataset: a Glue table of user-item interactions and its columns, read by Clean
    Rooms ML through a role (created with Glue read on exactly that table, or given).

    Concrete values are checked here (a ``ValidationError`` naming the prop); CloudFormation
    replaces the dataset on any change but its tags (``Tags.of(...)``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: TrainingDataSource,
        columns: Sequence[Column],
        name: str | None = None,
        description: str | None = None,
        role: iam.IRole | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        """
        :param source: ``TrainingDataSource.glue(database, table, catalog_id=None)``.
        :param columns: ``[Column(name, ColumnType.USER_ID), ...]``: 1-100 columns with a
            USER_ID, an ITEM_ID and a TIMESTAMP column, and at most 10 features.
        :param name: 1-63 characters; default: one unique in the account, from the path.
        :param description: 0-255 characters; default: none.
        :param role: the role Clean Rooms ML reads the table with; default: a new one trusting
            ``cleanrooms-ml.amazonaws.com`` (of this account) with Glue read on the table
            (grant it S3 read of the table's data: ``bucket.grant_read(dataset.role)``).
        :param removal_policy: ``DESTROY`` (default) or ``RETAIN``.
        """
        if not isinstance(source, TrainingDataSource):
            raise TypeError("source: use TrainingDataSource.glue(database, table)")
        check_columns(list(columns))
        if name is not None and concrete(name):
            rules.check_name(name, "name")
        if description is not None and concrete(description):
            rules.check_description(description, "description")
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.source = source
        self.columns = tuple(columns)
        self.role: iam.IRole = role or self._reader_role(stack)
        self.resource = cleanroomsml.CfnTrainingDataset(
            self,
            "Resource",
            name=name or Names.unique_resource_name(self, max_length=63, separator="-"),
            description=description,
            role_arn=self.role.role_arn,
            training_data=[
                cleanroomsml.CfnTrainingDataset.DatasetProperty(
                    type=INTERACTIONS,
                    input_config=cleanroomsml.CfnTrainingDataset.DatasetInputConfigProperty(
                        schema=[column.render() for column in self.columns],
                        data_source=source.render(),
                    ),
                )
            ],
        )
        self.resource.apply_removal_policy(removal_policy)
        # CreateTrainingDataset passes the role: it must hold its policy by then.
        self.resource.node.add_dependency(self.role)

    def _reader_role(self, stack: Stack) -> iam.Role:
        catalog = self.source.catalog_id or stack.account
        glue = [
            stack.format_arn(service="glue", resource="catalog", account=catalog),
            stack.format_arn(
                service="glue",
                resource="database",
                resource_name=self.source.database,
                account=catalog,
            ),
            stack.format_arn(
                service="glue",
                resource="table",
                resource_name=f"{self.source.database}/{self.source.table}",
                account=catalog,
            ),
        ]
        role = iam.Role(
            self,
            "ReaderRole",
            assumed_by=iam.ServicePrincipal(SERVICE_PRINCIPAL).with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="Clean Rooms ML reads this training dataset's Glue table",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(GLUE_READ_ACTIONS), resources=glue)
        )
        return role

    @property
    def training_dataset_arn(self) -> str:
        """The dataset's ARN (``Fn::GetAtt TrainingDatasetArn``; also its ``Ref``)."""
        return Token.as_string(self.resource.attr_training_dataset_arn)

    @property
    def status(self) -> str:
        """The dataset's status (``Fn::GetAtt Status``: ACTIVE)."""
        return Token.as_string(self.resource.attr_status)

    @staticmethod
    def from_training_dataset_arn(
        scope: Construct, construct_id: str, training_dataset_arn: str
    ) -> ImportedTrainingDataset:
        """A dataset made elsewhere, by its ARN (a concrete one is checked at synth, naming
        ``training_dataset_arn``)."""
        return ImportedTrainingDataset(scope, construct_id, training_dataset_arn)
