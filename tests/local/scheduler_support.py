"""Helpers for the EventBridge Scheduler tests: tiny stand-in functions and a boto3 client."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from cdk_cleanrooms_ml.local.awslambda.runtime import LocalFunction
from cdk_cleanrooms_ml.local.harness import LocalCloud
from tests.local.support import STAND_IN_CLOCK

HOUR = 3600
ROLE_ARN = "arn:aws:iam::111122223333:role/scheduler-invokes-the-function"

CLOCK = STAND_IN_CLOCK

# Answers with the event it got and the time it ran.
ECHO = """
from . import clock

def handler(event, context):
    return {"event": event, "now": clock.current().now()}
"""

# Poll n schedules poll n+1 ``every`` seconds later, up to ``last``: a wait made of polls.
CHAIN = """
import datetime, json
import boto3
from . import clock

def handler(event, context):
    now = clock.current().now()
    n = event["poll"]
    if n < event["last"]:
        at = datetime.datetime.fromtimestamp(now + event["every"], datetime.UTC)
        boto3.client("scheduler").create_schedule(
            Name=f"poll-{n + 1}",
            GroupName=event["group"],
            ScheduleExpression=f"at({at:%Y-%m-%dT%H:%M:%S})",
            ScheduleExpressionTimezone="UTC",
            Target={
                "Arn": context.invoked_function_arn,
                "RoleArn": event["role"],
                "Input": json.dumps({**event, "poll": n + 1}),
            },
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
        )
    return {"poll": n, "now": now}
"""

# PUTs a SUCCESS signal to the wait condition handle URL in its event (no Content-Type: the
# presigned URL was signed without one).
SIGNAL = """
import http.client, json, ssl
from urllib.parse import urlsplit

def handler(event, context):
    body = json.dumps({"Status": "SUCCESS", "UniqueId": "poller", "Data": "done", "Reason": ""})
    url = urlsplit(event["url"])
    connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
    connection.request("PUT", url.path + "?" + url.query, body=body, headers={"content-type": ""})
    return {"status": connection.getresponse().status}
"""


def stand_in(tmp_path: Path, name: str, source: str, *, timeout: float = 60) -> LocalFunction:
    """A function ``name`` whose package ``name`` has ``source`` as index.py, and a clock."""
    package = tmp_path / f"{name}-code" / name
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "clock.py").write_text(textwrap.dedent(CLOCK))
    (package / "index.py").write_text(textwrap.dedent(source))
    return LocalFunction(
        function_name=name,
        handler=f"{name}.index.handler",
        code_dir=package.parent,
        timeout_seconds=timeout,
    )


def scheduler_client(cloud: LocalCloud) -> Any:
    return boto3.client(
        "scheduler",
        endpoint_url=cloud.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def at(moment: float) -> str:
    """The one-time expression for ``moment`` (whole seconds, rounded up)."""
    return f"at({datetime.fromtimestamp(int(moment) + 1, UTC):%Y-%m-%dT%H:%M:%S})"


def create_schedule(
    cloud: LocalCloud,
    name: str,
    *,
    function_arn: str,
    moment: float,
    payload: dict[str, Any],
    group: str = "default",
    after: str = "DELETE",
) -> str:
    arn: str = scheduler_client(cloud).create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=at(moment),
        ScheduleExpressionTimezone="UTC",
        Target={"Arn": function_arn, "RoleArn": ROLE_ARN, "Input": json.dumps(payload)},
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion=after,
    )["ScheduleArn"]
    return arn


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` in real time; False when it is still false after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
