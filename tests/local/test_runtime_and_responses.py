"""The isolated Lambda runtime, the Invoke emulator and the HTTPS response recorder."""

from __future__ import annotations

import http.client
import json
import shutil
import ssl
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from cdk_cleanrooms_ml.local.awslambda.invocations import LambdaEmulator
from cdk_cleanrooms_ml.local.awslambda.invoke import InvokeApi
from cdk_cleanrooms_ml.local.awslambda.runtime import LambdaRuntime, LocalFunction
from cdk_cleanrooms_ml.local.cloudformation.protocol import check_response
from cdk_cleanrooms_ml.local.recorder import RecordedResponse, ResponseServer
from cdk_cleanrooms_ml.local.server import LoopbackServer, PortInUseError
from cdk_cleanrooms_ml.local.tls import create_certificate

pytestmark = pytest.mark.slow

PROBE = """
import importlib.util, os, sys, time

MODULES = ("boto3", "botocore", "crhelper", "cdk_cleanrooms_ml", "yaml", "pytest")
VARIABLES = ("AWS_REGION", "LOG_LEVEL", "HOME_SECRET", "LAMBDA_TASK_ROOT")

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {
        "found": {m: importlib.util.find_spec(m) is not None for m in MODULES},
        "remaining": context.get_remaining_time_in_millis(),
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "env": {k: os.environ.get(k) for k in VARIABLES},
        "cwd": os.getcwd(),
        "event": event,
    }
"""


@pytest.fixture
def probe_asset(tmp_path: Path) -> Path:
    asset = tmp_path / "asset"
    (asset / "probe").mkdir(parents=True)
    (asset / "probe" / "__init__.py").write_text("")
    (asset / "probe" / "index.py").write_text(textwrap.dedent(PROBE))
    return asset


@pytest.fixture
def runtime(
    tmp_path: Path, runtime_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LambdaRuntime]:
    # Must not reach the handler: the runtime's environment is built from scratch.
    monkeypatch.setenv("HOME_SECRET", "leaked")
    from cdk_cleanrooms_ml.local.awslambda.packages import build_runtime_dir

    lambda_runtime = LambdaRuntime(
        work_dir=tmp_path / "work", runtime_dir=build_runtime_dir(runtime_cache)
    )
    yield lambda_runtime
    lambda_runtime.close()


def function(asset: Path, **overrides: Any) -> LocalFunction:
    settings: dict[str, Any] = {
        "function_name": "probe",
        "handler": "probe.index.handler",
        "code_dir": asset,
        "timeout_seconds": 20,
        "memory_mb": 256,
        "environment": {"LOG_LEVEL": "DEBUG"},
    }
    settings.update(overrides)
    return LocalFunction(**settings)


def test_handler_sees_only_the_asset_and_the_runtime_packages(
    runtime: LambdaRuntime, probe_asset: Path
) -> None:
    result = runtime.invoke(function(probe_asset), b'{"hello": "world"}', request_id="req-1")
    assert result.status == "ok", result.log
    payload = result.payload
    assert payload["found"] == {
        "boto3": True,
        "botocore": True,
        "crhelper": False,  # not in this asset, and the runtime does not provide it
        "cdk_cleanrooms_ml": False,
        "yaml": False,
        "pytest": False,
    }
    assert payload["function_name"] == "probe"
    assert payload["arn"] == "arn:aws:lambda:us-east-1:111122223333:function:probe"
    assert payload["memory"] == "256"
    assert payload["request_id"] == "req-1"
    assert 15_000 < payload["remaining"] <= 20_000
    assert payload["env"] == {
        "AWS_REGION": "us-east-1",
        "LOG_LEVEL": "DEBUG",
        "HOME_SECRET": None,
        "LAMBDA_TASK_ROOT": str(probe_asset),
    }
    assert payload["cwd"] == str(probe_asset)
    assert payload["event"] == {"hello": "world"}
    assert "START RequestId: req-1" in result.log


def test_timeout_and_errors_are_reported_like_lambda(
    runtime: LambdaRuntime, probe_asset: Path
) -> None:
    started = time.monotonic()
    timed_out = runtime.invoke(function(probe_asset, timeout_seconds=1), b'{"sleep": 30}')
    assert timed_out.status == "timeout"
    assert timed_out.error_message == "Task timed out after 1.00 seconds"
    assert time.monotonic() - started < 10
    failed = runtime.invoke(function(probe_asset), b'{"fail": true}')
    assert (failed.status, failed.error_type, failed.error_message) == (
        "error",
        "ValueError",
        "asked to fail",
    )
    missing = runtime.invoke(function(probe_asset, handler="nothere.index.handler"), b"{}")
    assert missing.status == "error"
    assert missing.error_type == "Runtime.ImportModuleError"


def test_timeout_override_applies_to_every_function(
    tmp_path: Path, runtime: LambdaRuntime, probe_asset: Path
) -> None:
    short = LambdaRuntime(
        work_dir=tmp_path / "short", runtime_dir=runtime.runtime_dir, timeout_override=2
    )
    try:
        result = short.invoke(function(probe_asset, timeout_seconds=900), b"{}")
        assert result.status == "ok"
        assert result.payload["remaining"] <= 2000
    finally:
        short.close()


def test_invoke_api_runs_event_invocations_asynchronously(
    runtime: LambdaRuntime, probe_asset: Path
) -> None:
    emulator = LambdaEmulator(runtime)
    probe = function(probe_asset)
    emulator.register(probe)
    with LoopbackServer([InvokeApi(emulator)]) as server:
        client = boto3.client(
            "lambda",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        queued = client.invoke(
            FunctionName=probe.arn, InvocationType="Event", Payload=b'{"sleep": 0.5}'
        )
        assert queued["StatusCode"] == 202
        answered = client.invoke(FunctionName="probe", Payload=b'{"n": 1}')
        assert answered["StatusCode"] == 200
        assert json.loads(answered["Payload"].read())["event"] == {"n": 1}
        failed = client.invoke(FunctionName="probe", Payload=b'{"fail": true}')
        assert failed["FunctionError"] == "Unhandled"
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.invoke(FunctionName="missing", InvocationType="Event", Payload=b"{}")
        assert emulator.wait_idle(30)
    emulator.close()
    assert [i.invocation_type for i in emulator.invocations] == [
        "Event",
        "RequestResponse",
        "RequestResponse",
    ]
    assert all(i.result is not None for i in emulator.invocations)


@pytest.mark.parametrize("backend", ["cryptography", "openssl"])
def test_response_server_is_trusted_through_its_ca_file(tmp_path: Path, backend: str) -> None:
    if backend == "openssl" and shutil.which("openssl") is None:
        pytest.skip("no openssl CLI")
    if backend == "cryptography":
        pytest.importorskip("cryptography")
    certificate = create_certificate(tmp_path / backend, backend=backend)
    server = ResponseServer(certificate).start()
    try:
        url = server.recorder.url_for("req-1")
        assert url.startswith("https://127.0.0.1:")
        assert "X-Amz-Signature=" in url
        # What crhelper does: http.client with the default context, trusting SSL_CERT_FILE's CA.
        context = ssl.create_default_context(cafile=str(certificate.ca_file))
        host = url.split("/")[2]
        connection = http.client.HTTPSConnection(host, context=context, timeout=10)
        connection.request("PUT", url[len(f"https://{host}") :], body=b'{"Status": "SUCCESS"}')
        assert connection.getresponse().status == 200
        connection.close()
        recorded = server.recorder.wait_for("req-1", 5)
        assert recorded is not None
        assert recorded.json() == {"Status": "SUCCESS"}
        # Nobody else trusts it.
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusted = http.client.HTTPSConnection(
                host, context=ssl.create_default_context(), timeout=10
            )
            untrusted.request("PUT", "/cloudformation-response/x", body=b"{}")
    finally:
        server.stop()


EVENT = {"StackId": "stack", "RequestId": "req", "LogicalResourceId": "Res"}


def recorded(body: object) -> RecordedResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RecordedResponse("req", "/x", {}, raw, 0.0)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({**EVENT, "Status": "SUCCESS", "PhysicalResourceId": "p", "Data": {}}, None),
        ({**EVENT, "Status": "DONE", "PhysicalResourceId": "p"}, "Status is 'DONE'"),
        (
            {**EVENT, "Status": "SUCCESS", "PhysicalResourceId": ""},
            "PhysicalResourceId is missing or empty",
        ),
        (
            {**EVENT, "Status": "SUCCESS", "PhysicalResourceId": "é" * 513},
            "1026 bytes, at most 1024",
        ),
        (
            {**EVENT, "Status": "FAILED", "PhysicalResourceId": "p", "Reason": ""},
            "Reason is required",
        ),
        (
            {**EVENT, "Status": "SUCCESS", "PhysicalResourceId": "p", "Data": {"x": "y" * 4096}},
            "at most 4096",
        ),
        (
            {**EVENT, "RequestId": "other", "Status": "SUCCESS", "PhysicalResourceId": "p"},
            "RequestId is 'other'",
        ),
        (b"not json", "not a JSON object"),
    ],
)
def test_response_rules(body: object, problem: str | None) -> None:
    check = check_response(recorded(body), dict(EVENT))
    if problem is None:
        assert check.problems == []
    else:
        assert any(problem in p for p in check.problems), check.problems


def test_busy_port_is_a_clear_error() -> None:
    with (
        LoopbackServer([]) as first,
        pytest.raises(PortInUseError, match=f"port {first.port} .* in use"),
    ):
        LoopbackServer([], port=first.port).start()
