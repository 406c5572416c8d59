"""Whether a completion signal's URL is a WaitConditionHandle of the event's own stack.

The provider PUTs the job's attributes to ``CompletionSignalUrl``: any other URL would let a
template author make it send them anywhere (SSRF). So only the shape CloudFormation gives a
handle's ``Ref`` is accepted: its S3 host for the stack's region and partition, a path naming
the stack and a handle's logical id, and a presigned query. The offline harness serves handles
under its own origin, accepted only when the function's environment names that origin (a
template cannot set it).

The URL is presigned, a secret: no rule text here ever echoes any part of it.
"""

from __future__ import annotations

import os
import re
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit

# The offline harness's response server (``https://127.0.0.1:<port>``), set by the harness in
# the function's environment only.
LOCAL_ORIGIN_ENV: Final = "CDK_CLEANROOMS_ML_LOCAL_SIGNAL_ORIGIN"
URL_MAX: Final = 4096
_HTTPS_PORT: Final = 443
_HOST_PREFIX: Final = "cloudformation-waitcondition-"
# CloudFormation's own domain per partition: a handle URL never leaves it.
_DOMAINS: Final = {
    "aws": "amazonaws.com",
    "aws-us-gov": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
}
_REGION: Final = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
_STACK_ID: Final = re.compile(
    rf"arn:(?P<partition>aws[-a-z]*):cloudformation:(?P<region>{_REGION}):[0-9]{{12}}:"
    r"stack/[A-Za-z][-A-Za-z0-9]{0,127}/[A-Za-z0-9-]{1,64}"
)
_UUID: Final = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# What follows ``/<stack id>/`` in a handle's path: an optional UUID, then its logical id.
_HANDLE_TAIL: Final = re.compile(rf"(?:{_UUID}/)?[A-Za-z0-9]{{1,255}}")
# Printable ASCII but space and backslash: nothing a URL parser could read two ways.
_URL_CHARS: Final = re.compile(r"[!-\[\]-~]*")
_NETLOC: Final = re.compile(r"(?P<host>[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")

_WHAT: Final = "must be the Ref of an AWS::CloudFormation::WaitConditionHandle of this stack"


def signal_url_problem(url: str, stack_id: str) -> str | None:
    """None when ``url`` is a WaitConditionHandle URL of the stack ``stack_id``; else the rule
    it breaks (never the URL itself: it is presigned)."""
    stack = _STACK_ID.fullmatch(stack_id)
    if stack is None or stack["partition"] not in _DOMAINS:
        return (
            "cannot be checked: the event's StackId is not a CloudFormation stack ARN of the "
            f"{', '.join(_DOMAINS)} partitions"
        )
    if len(url) > URL_MAX:
        return f"{_WHAT} (at most {URL_MAX} characters)"
    if not _URL_CHARS.fullmatch(url):
        return f"{_WHAT}: it holds a space, a backslash, a control or a non-ASCII character"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{_WHAT}: it is not a URL"
    if parts.scheme != "https":
        return f"{_WHAT}: it is not an https URL"
    if "#" in url:
        return f"{_WHAT}: it must not have a fragment"
    if "@" in parts.netloc:
        return f"{_WHAT}: it must not carry user information"
    netloc = _NETLOC.fullmatch(parts.netloc.lower())
    if netloc is None:
        return f"{_WHAT}: its host must be a host name (not an IP address), with at most a port"
    port = int(netloc["port"]) if netloc["port"] is not None else _HTTPS_PORT
    region, partition = stack["region"], stack["partition"]
    path = unquote(parts.path)
    if _is_local_origin(netloc["host"], port):
        # The harness serves handles path-style: the bucket leads the path.
        bucket = f"/{_HOST_PREFIX}{region}"
        if not path.startswith(bucket + "/"):
            return f"{_WHAT}: its path must start with {bucket}/ (this stack's region)"
        path = path[len(bucket) :]
    else:
        if port != _HTTPS_PORT:
            return f"{_WHAT}: it must use port 443"
        hosts = _handle_hosts(region, _DOMAINS[partition])
        if netloc["host"] not in hosts:
            return (
                f"{_WHAT}: its host must be {hosts[0]} (or the .s3.{region}. or "
                f".s3-{region}. form): this stack's region and partition"
            )
    prefix = f"/{stack_id}/"
    if not path.startswith(prefix) or not _HANDLE_TAIL.fullmatch(path[len(prefix) :]):
        return f"{_WHAT}: its path must be /<this stack's id>/[<uuid>/]<handle's logical id>"
    if not _presigned(parts.query):
        return (
            f"{_WHAT}: it must be presigned (X-Amz-Signature with X-Amz-Algorithm, or "
            "Signature with AWSAccessKeyId or Expires)"
        )
    return None


def _handle_hosts(region: str, domain: str) -> tuple[str, ...]:
    bucket = f"{_HOST_PREFIX}{region}"
    return (
        f"{bucket}.s3.{domain}",
        f"{bucket}.s3.{region}.{domain}",
        f"{bucket}.s3-{region}.{domain}",
    )


def _is_local_origin(host: str, port: int) -> bool:
    """Whether ``host:port`` (of an https URL) is the harness's origin named by the
    environment; read at every check, so a process's environment alone decides."""
    origin = os.environ.get(LOCAL_ORIGIN_ENV, "")
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
        local_port = parts.port or _HTTPS_PORT
    except ValueError:
        return False
    if parts.scheme != "https" or not parts.hostname or parts.path.strip("/") or "@" in origin:
        return False
    return (host, port) == (parts.hostname.lower(), local_port)


def _presigned(query: str) -> bool:
    fields = parse_qs(query, keep_blank_values=True)

    def present(name: str) -> bool:
        return any(fields.get(name, []))

    if present("X-Amz-Signature") and present("X-Amz-Algorithm"):
        return True
    return present("Signature") and (present("AWSAccessKeyId") or present("Expires"))
