"""Shared pieces of the TrainingDataset resource tests: a template of datasets, and what the
endpoint holds and was asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cloudformation.assembly import StackTemplate, load_template_file
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.local.owner_support import ROLE, client

STACK: Final = "Training"
KIND: Final = "AWS::CleanRoomsML::TrainingDataset"
OTHER_ROLE: Final = "arn:aws:iam::111122223333:role/other-training-role"
# TRAINING_DATA as CloudFormation writes it.
CFN_TRAINING_DATA: Final = [
    {
        "Type": "INTERACTIONS",
        "InputConfig": {
            "Schema": [
                {"ColumnName": "user_id", "ColumnTypes": ["USER_ID"]},
                {"ColumnName": "item_id", "ColumnTypes": ["ITEM_ID"]},
                {"ColumnName": "ts", "ColumnTypes": ["TIMESTAMP"]},
            ],
            "DataSource": {
                "GlueDataSource": {
                    "TableName": "clicks",
                    "DatabaseName": "ads",
                    "CatalogId": "111122223333",
                }
            },
        },
    }
]


def dataset(
    name: str = "clicks",
    *,
    role: str = ROLE,
    tags: dict[str, str] | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Name": name,
        "RoleArn": role,
        "Description": "clicks of q4",
        "TrainingData": CFN_TRAINING_DATA,
    }
    if tags is not None:
        properties["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return {"Type": KIND, "Properties": properties, **attributes}


def template(tmp_path: Path, resources: dict[str, Any], name: str = "t") -> StackTemplate:
    """A plain template of ``resources``, with outputs reading the first one."""
    first = next(iter(resources))
    body = {
        "Resources": resources,
        "Outputs": {
            "Ref": {"Value": {"Ref": first}},
            "Arn": {"Value": {"Fn::GetAtt": [first, "TrainingDatasetArn"]}},
            "Status": {"Value": {"Fn::GetAtt": [first, "Status"]}},
        },
    }
    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps(body))
    return load_template_file(path, stack_name=STACK)


def get(cloud: LocalCloud, arn: str) -> dict[str, Any]:
    found: dict[str, Any] = client(cloud.url).get_training_dataset(trainingDatasetArn=arn)
    return found


def exists(cloud: LocalCloud, arn: str) -> bool:
    try:
        get(cloud, arn)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False
    return True


def calls(cloud: LocalCloud) -> list[str]:
    """The dataset and tag operations the endpoint answered, in order."""
    return [
        call.operation
        for call in cloud.endpoint.calls
        if "TrainingDataset" in call.operation
        or call.operation in ("TagResource", "UntagResource", "ListTagsForResource")
    ]
