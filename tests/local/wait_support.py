"""Helpers for the wait-condition tests: a raw template and the signalling side."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cdk_cleanrooms_ml.local.cloudformation.assembly import StackTemplate, load_template_file
from cdk_cleanrooms_ml.local.harness import LocalCloud

STACK = "WaitStack"
HOUR = 3600


def wait_template(
    tmp_path: Path,
    *,
    timeout: object = "600",
    count: object = None,
    wait_id: str = "Wait",
    handle_id: str = "Handle",
) -> StackTemplate:
    """A handle, a wait condition on it, and an output that reads the condition's Data."""
    properties: dict[str, Any] = {"Handle": {"Ref": handle_id}, "Timeout": timeout}
    if count is not None:
        properties["Count"] = count
    template = {
        "Resources": {
            handle_id: {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            wait_id: {"Type": "AWS::CloudFormation::WaitCondition", "Properties": properties},
        },
        "Outputs": {
            "Data": {"Value": {"Fn::GetAtt": [wait_id, "Data"]}},
            "Condition": {"Value": {"Ref": wait_id}},
        },
    }
    path = tmp_path / "wait.template.json"
    path.write_text(json.dumps(template))
    return load_template_file(path, stack_name=STACK)


def put(cloud: LocalCloud, url: str, body: bytes, headers: Mapping[str, str] | None = None) -> int:
    """PUT ``body`` to a handle URL as a provider would (no Content-Type unless given)."""
    context = ssl.create_default_context(cafile=str(cloud.responses.certificate.ca_file))
    parts = urlsplit(url)
    connection = http.client.HTTPSConnection(parts.netloc, context=context, timeout=30)
    try:
        connection.request(
            "PUT", f"{parts.path}?{parts.query}", body=body, headers=dict(headers or {})
        )
        return connection.getresponse().status
    finally:
        connection.close()


def signal(
    cloud: LocalCloud,
    url: str,
    status: str,
    unique_id: str,
    *,
    data: str = "",
    reason: str = "",
) -> int:
    body = {"Status": status, "UniqueId": unique_id, "Data": data, "Reason": reason}
    return put(cloud, url, json.dumps(body).encode())
