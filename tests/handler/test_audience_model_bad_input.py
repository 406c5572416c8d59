"""Every bad audience model property is refused by the shared rules, naming the field and the
rule, before any call."""

from __future__ import annotations

import copy
from typing import Any

from cdk_cleanrooms_ml._handler.fields import audience_model as model_fields
from tests.handler.bad_input import Case, matrix_tests
from tests.handler.model_support import DATASET_ARN, model_event

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
START = "TrainingDataStartTime"
END = "TrainingDataEndTime"


def base() -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "TrainingDatasetArn": DATASET_ARN,
    }


def edit(key: str, value: Any = ..., props: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``props`` (default :func:`base`) with ``key`` set, or removed (no value)."""
    edited = copy.deepcopy(props if props is not None else base())
    if value is ...:
        del edited[key]
    else:
        edited[key] = value
    return edited


WINDOW = edit(START, "2024-06-01T00:00:00Z")
CASES = [
    Case("not-an-object", ["TrainingDatasetArn"], "ResourceProperties", "not an object"),
    Case("unknown-key", edit("Dataset", "x"), "Dataset", "unknown property"),
    Case("dataset-missing", edit("TrainingDatasetArn"), "TrainingDatasetArn", "required"),
    Case("dataset-number", edit("TrainingDatasetArn", 7), "TrainingDatasetArn", "string"),
    Case(
        "dataset-short", edit("TrainingDatasetArn", "arn:aws"), "TrainingDatasetArn", "at least 20"
    ),
    Case(
        "dataset-long",
        edit("TrainingDatasetArn", DATASET_ARN + "x" * 2048),
        "TrainingDatasetArn",
        "at most 2048",
    ),
    Case(
        "dataset-other-type",
        edit("TrainingDatasetArn", DATASET_ARN.replace("training-dataset", "audience-model")),
        "TrainingDatasetArn",
        "training dataset ARN",
    ),
    Case(
        "dataset-s3",
        edit("TrainingDatasetArn", "arn:aws:s3:::bucket-of-training-data"),
        "TrainingDatasetArn",
        "training dataset ARN",
    ),
    Case(
        "dataset-account",
        edit("TrainingDatasetArn", DATASET_ARN.replace("111122223333", "1111")),
        "TrainingDatasetArn",
        "training dataset ARN",
    ),
    Case(
        "dataset-space",
        edit("TrainingDatasetArn", DATASET_ARN + " x"),
        "TrainingDatasetArn",
        "training dataset ARN",
    ),
    Case("start-date-only", edit(START, "2024-01-01"), START, "ISO 8601"),
    Case("start-no-zone", edit(START, "2024-01-01T00:00:00"), START, "with its zone"),
    Case("start-number", edit(START, 1704067200), START, "string"),
    Case("start-bad-day", edit(START, "2024-02-30T00:00:00Z"), START, "not a valid date"),
    Case("start-bad-hour", edit(START, "2024-01-01T25:00:00Z"), START, "not a valid date"),
    Case("end-words", edit(END, "yesterday"), END, "ISO 8601"),
    Case("end-before-start", edit(END, "2024-01-01T00:00:00Z", WINDOW), END, "not after"),
    Case("end-equals-start", edit(END, "2024-06-01T02:00:00+02:00", WINDOW), END, "not after"),
    Case(
        "kms-alias", edit("KmsKeyArn", KEY_ARN.replace(":key/", ":alias/")), "KmsKeyArn", "KMS key"
    ),
    Case("kms-short", edit("KmsKeyArn", "arn:aws:kms"), "KmsKeyArn", "at least 20"),
    Case(
        "kms-not-arn", edit("KmsKeyArn", "1234abcd-12ab-34cd-56ef-1234567890ab"), "KmsKeyArn", "KMS"
    ),
    Case("name-empty", edit("Name", ""), "Name", "at least 1"),
    Case("name-long", edit("Name", "m" * 64), "Name", "at most 63"),
    Case("name-blank", edit("Name", "   "), "Name", "blank"),
    Case("name-newline", edit("Name", "a\nb"), "Name", ""),
    Case("name-list", edit("Name", ["a"]), "Name", "string"),
    Case("description-long", edit("Description", "d" * 256), "Description", "at most 255"),
    Case("tags-object", edit("Tags", {"team": "growth"}), "Tags", "list"),
    Case(
        "tags-aws",
        edit("Tags", [{"Key": "aws:team", "Value": "x"}]),
        "Tags.aws:team",
        "reserved for AWS",
    ),
    Case(
        "tags-owner",
        edit("Tags", [{"Key": "cdk-cleanrooms-ml:resource", "Value": "x"}]),
        "Tags.cdk-cleanrooms-ml:resource",
        "reserved",
    ),
    Case(
        "tags-duplicate",
        edit("Tags", [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]),
        "Tags[1].Key",
        "duplicate",
    ),
    Case(
        "tags-fifty",
        edit("Tags", [{"Key": f"k{i}", "Value": ""} for i in range(50)]),
        "Tags",
        "at most 49",
    ),
    Case("tags-no-value", edit("Tags", [{"Key": "a"}]), "Tags[0].Value", "required"),
    Case("wait-maybe", edit("WaitForCompletion", "maybe"), "WaitForCompletion", "true or false"),
    Case("timeout-zero", edit("ServiceTimeout", "0"), "ServiceTimeout", "1 to 3600"),
    Case("timeout-long", edit("ServiceTimeout", "3601"), "ServiceTimeout", "1 to 3600"),
]


(
    test_the_matrix_is_wide_and_its_ids_unique,
    test_bad_input_names_the_field_and_the_rule,
    test_the_handler_fails_naming_the_field_and_calls_nothing,
) = matrix_tests(CASES, model_fields.parse_properties, lambda props: model_event("Create", props))
