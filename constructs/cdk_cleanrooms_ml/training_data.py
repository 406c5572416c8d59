"""What a training dataset is made of: its Glue source and its columns, with the service's rules
(botocore ``cleanroomsml`` 2023-09-06, and the Clean Rooms ML user guide's training data
requirements), checked at synth for concrete values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from aws_cdk import aws_cleanroomsml as cleanroomsml

from cdk_cleanrooms_ml._handler.rules import ValidationError, check_length, check_pattern
from cdk_cleanrooms_ml.tokens import concrete

GLUE_NAME_MAX: Final = 128
COLUMNS_MIN: Final = 1
COLUMNS_MAX: Final = 100
# The user guide: a user, an item and a timestamp column are required; at most 10 features
# (categorical and numerical together).
REQUIRED_COLUMN_TYPES: Final = ("USER_ID", "ITEM_ID", "TIMESTAMP")
FEATURES_MAX: Final = 10
# The model's patterns (a column or table name may hold spaces, a database name may not).
_COLUMN_NAME: Final = re.compile(r"[a-zA-Z0-9_](([a-zA-Z0-9_ ]+-)*([a-zA-Z0-9_ ]+))?")
_DATABASE_NAME: Final = re.compile(r"[a-zA-Z0-9_](([a-zA-Z0-9_]+-)*([a-zA-Z0-9_]+))?")
_ACCOUNT: Final = re.compile(r"[0-9]{12}")


class ColumnType(Enum):
    """What a column holds for training."""

    USER_ID = "USER_ID"
    ITEM_ID = "ITEM_ID"
    TIMESTAMP = "TIMESTAMP"
    CATEGORICAL_FEATURE = "CATEGORICAL_FEATURE"
    NUMERICAL_FEATURE = "NUMERICAL_FEATURE"


def _check_glue_name(value: str, field: str, pattern: re.Pattern[str], what: str) -> None:
    if concrete(value):
        check_length(field, value, 1, GLUE_NAME_MAX)
        check_pattern(field, value, pattern, what)


@dataclass(frozen=True)
class Column:
    """One column of the Glue table: its name and what it holds."""

    name: str
    column_type: ColumnType

    def __post_init__(self) -> None:
        if not isinstance(self.column_type, ColumnType):
            raise ValidationError("columns.column_type", "must be a ColumnType")
        _check_glue_name(
            self.name,
            "columns.name",
            _COLUMN_NAME,
            "a column name (letters, digits, _, spaces and inner -)",
        )

    def render(self) -> cleanroomsml.CfnTrainingDataset.ColumnSchemaProperty:
        return cleanroomsml.CfnTrainingDataset.ColumnSchemaProperty(
            column_name=self.name, column_types=[self.column_type.value]
        )


@dataclass(frozen=True)
class TrainingDataSource:
    """Where the training data is: a Glue table (:meth:`glue`)."""

    database: str
    table: str
    catalog_id: str | None = None

    @staticmethod
    def glue(database: str, table: str, catalog_id: str | None = None) -> TrainingDataSource:
        """The Glue table ``database``.``table`` (of the ``catalog_id`` account's catalog;
        default: the stack's account)."""
        _check_glue_name(
            database, "source.database", _DATABASE_NAME, "a Glue database name (no spaces)"
        )
        _check_glue_name(table, "source.table", _COLUMN_NAME, "a Glue table name")
        if catalog_id is not None and concrete(catalog_id):
            check_pattern("source.catalog_id", catalog_id, _ACCOUNT, "a 12-digit account id")
        return TrainingDataSource(database, table, catalog_id)

    def render(self) -> cleanroomsml.CfnTrainingDataset.DataSourceProperty:
        return cleanroomsml.CfnTrainingDataset.DataSourceProperty(
            glue_data_source=cleanroomsml.CfnTrainingDataset.GlueDataSourceProperty(
                database_name=self.database, table_name=self.table, catalog_id=self.catalog_id
            )
        )


def check_columns(columns: Sequence[Column]) -> None:
    """1-100 columns, each name once; a USER_ID, an ITEM_ID and a TIMESTAMP column, and at most
    10 feature columns (what the user guide states; nothing more is enforced)."""
    if not all(isinstance(column, Column) for column in columns):
        raise ValidationError("columns", "must be Column(name, ColumnType...) objects")
    if not COLUMNS_MIN <= len(columns) <= COLUMNS_MAX:
        raise ValidationError(
            "columns", f"{len(columns)} columns, {COLUMNS_MIN} to {COLUMNS_MAX} allowed"
        )
    names = Counter(column.name for column in columns if concrete(column.name))
    repeated = sorted(name for name, count in names.items() if count > 1)
    if repeated:
        raise ValidationError("columns", f"column {repeated[0]!r} is named more than once")
    types = Counter(column.column_type.value for column in columns)
    for required in REQUIRED_COLUMN_TYPES:
        if not types[required]:
            raise ValidationError(
                "columns",
                f"no {required} column: a training dataset needs a "
                f"{', a '.join(REQUIRED_COLUMN_TYPES)} column",
            )
    features = types["CATEGORICAL_FEATURE"] + types["NUMERICAL_FEATURE"]
    if features > FEATURES_MAX:
        raise ValidationError(
            "columns", f"{features} feature columns, at most {FEATURES_MAX} allowed"
        )
