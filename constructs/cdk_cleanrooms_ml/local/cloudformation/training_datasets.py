"""``AWS::CleanRoomsML::TrainingDataset``, run against the embedded Clean Rooms ML endpoint as
CloudFormation's own handler runs it against the service.

Create calls CreateTrainingDataset with the properties in the API's shape (``Tags`` as a map,
``TrainingData`` in camel case); the physical id, and so ``Ref``, is the dataset's ARN, and
``Fn::GetAtt`` gives ``TrainingDatasetArn`` and ``Status``. An Update that changes only ``Tags``
tags and untags in place; a change of any other property (all create-only) creates the new
dataset and answers its ARN, so the driver deletes the old one once the stack is complete, as
for every replacement. Delete calls DeleteTrainingDataset; one gone already counts as deleted.
A service error fails the resource with the service's message, worded as CloudFormation shows a
handler's error.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .handled_types import TRAINING_DATASET
from .protocol import FAILED, SUCCESS, Operation
from .stacks import ResourceState

if TYPE_CHECKING:
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient

_PROPERTIES: Final = ("Name", "RoleArn", "TrainingData", "Description", "Tags")
_REQUIRED: Final = ("Name", "RoleArn", "TrainingData")
# The one property that changes in place; a change of any other replaces the dataset.
_UPDATABLE: Final = ("Tags",)
# How CloudFormation's handlers name the service's errors (HandlerErrorCode).
_HANDLER_ERROR_CODES: Final = {
    "ConflictException": "AlreadyExists",
    "ResourceNotFoundException": "NotFound",
    "ValidationException": "InvalidRequest",
    "AccessDeniedException": "AccessDenied",
    "ThrottlingException": "Throttling",
    "ServiceQuotaExceededException": "ServiceLimitExceeded",
    "InternalServiceException": "ServiceInternalError",
}
# A handler retries what the service asks to be tried again (throttling, 500s), a few times;
# the service, not botocore, checks the request (its message is the one CloudFormation shows).
_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, parameter_validation=False
)


def _api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the API's camelCase (``TableName`` -> ``tableName``)."""
    if isinstance(value, Mapping):
        return {f"{k[:1].lower()}{k[1:]}": _api_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_api_shape(item) for item in value]
    return value


def _tags(properties: Mapping[str, Any]) -> dict[str, str]:
    return {str(tag["Key"]): str(tag["Value"]) for tag in properties.get("Tags") or []}


def property_problems(properties: Mapping[str, Any]) -> list[str]:
    """What CloudFormation's schema check finds wrong with the properties (JSON pointer first)."""
    problems = [f"#: required key [{key}] not found" for key in _REQUIRED if key not in properties]
    problems += [
        f"#: extraneous key [{key}] is not permitted"
        for key in properties
        if key not in _PROPERTIES
    ]
    tags = properties.get("Tags", [])
    if not isinstance(tags, list):
        problems.append("#/Tags: expected type: JSONArray")
    else:
        problems += [
            f"#/Tags/{index}: required keys [Key, Value]"
            for index, tag in enumerate(tags)
            if not isinstance(tag, Mapping) or set(tag) != {"Key", "Value"}
        ]
    return problems


def create_request(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The CreateTrainingDataset request the properties stand for."""
    request: dict[str, Any] = {
        "name": properties["Name"],
        "roleArn": properties["RoleArn"],
        "trainingData": _api_shape(properties["TrainingData"]),
    }
    if "Description" in properties:
        request["description"] = properties["Description"]
    if "Tags" in properties:
        request["tags"] = _tags(properties)
    return request


def _reason(error: ClientError) -> str:
    """The service's error as CloudFormation shows a handler's."""
    code = str(error.response.get("Error", {}).get("Code", "Unknown"))
    message = error.response.get("Error", {}).get("Message", str(error))
    meta = error.response.get("ResponseMetadata", {})
    return (
        f'Resource handler returned message: "{message} (Service: CleanRoomsML, Status Code: '
        f'{meta.get("HTTPStatusCode", 0)}, Request ID: {meta.get("RequestId", "")})" '
        f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: "
        f"{_HANDLER_ERROR_CODES.get(code, 'GeneralServiceException')})"
    )


class TrainingDatasets:
    """Creates, updates and deletes every stack's training datasets in one endpoint."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._clients: dict[str, CleanRoomsMLClient] = {}
        self._lock = threading.Lock()

    def _client(self, region: str) -> CleanRoomsMLClient:
        with self._lock:
            if region not in self._clients:
                session = boto3.session.Session(
                    aws_access_key_id="local", aws_secret_access_key="local", region_name=region
                )
                self._clients[region] = session.client(
                    "cleanroomsml", endpoint_url=self.endpoint_url, config=_CONFIG
                )
            return self._clients[region]

    def run(
        self,
        request_type: str,
        resource: ResourceState,
        *,
        region: str,
        old_properties: Mapping[str, Any] | None = None,
    ) -> Operation:
        """Run a Create, Update or Delete of ``resource``; what it did, as an Operation."""
        event: dict[str, Any] = {
            "RequestType": request_type,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": resource.logical_id,
            "ResourceType": TRAINING_DATASET,
            "ResourceProperties": resource.properties,
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = resource.physical_id
        operation = Operation(request_type, resource.logical_id, event, FAILED)
        problems = [] if request_type == "Delete" else property_problems(resource.properties)
        if problems:
            operation.reason = (
                f"Properties validation failed for resource {resource.logical_id} with "
                f"message: [{', '.join(problems)}]"
            )
            return operation
        client = self._client(region)
        started = time.monotonic()
        try:
            if request_type == "Delete":
                _delete(client, resource.physical_id)
                operation.physical_id = resource.physical_id
            else:
                new, old = resource.properties, old_properties or {}
                made = request_type == "Create" or _fixed(old) != _fixed(new)
                arn = (
                    _create(client, new) if made else _retag(client, resource.physical_id, old, new)
                )
                operation.data = _attributes(client, arn, made=made)
                operation.physical_id = arn
            operation.status = SUCCESS
        except ClientError as error:
            operation.reason = _reason(error)
        except BotoCoreError as error:
            operation.reason = f"Resource handler returned message: {error!r}"
        operation.elapsed = time.monotonic() - started
        return operation


def _fixed(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The create-only properties: a change of any of them replaces the dataset."""
    return {k: v for k, v in properties.items() if k not in _UPDATABLE}


def _create(client: CleanRoomsMLClient, properties: Mapping[str, Any]) -> str:
    return client.create_training_dataset(**create_request(properties))["trainingDatasetArn"]


def _retag(
    client: CleanRoomsMLClient, arn: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> str:
    before, after = _tags(old), _tags(new)
    removed = sorted(set(before) - set(after))
    if removed:
        client.untag_resource(resourceArn=arn, tagKeys=removed)
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    if changed:
        client.tag_resource(resourceArn=arn, tags=changed)
    return arn


def _attributes(client: CleanRoomsMLClient, arn: str, *, made: bool) -> dict[str, Any]:
    """What Fn::GetAtt reads, as the handler's read of the dataset finds it."""
    try:
        status = client.get_training_dataset(trainingDatasetArn=arn)["status"]
    except (ClientError, BotoCoreError):
        if made:
            # Reported as failed, nothing else would delete it: the handler cleans up itself.
            with contextlib.suppress(ClientError, BotoCoreError):
                client.delete_training_dataset(trainingDatasetArn=arn)
        raise
    return {"TrainingDatasetArn": arn, "Status": status}


def _delete(client: CleanRoomsMLClient, arn: str) -> None:
    if ":training-dataset/" not in arn:
        return  # its Create failed before anything was made: nothing to delete
    try:
        client.delete_training_dataset(trainingDatasetArn=arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
