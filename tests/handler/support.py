"""Running the real handler entry point against stubbed AWS clients and a real HTTPS endpoint.

``invoke_handler(event, services=...)`` calls ``index.handler(event, context)`` exactly as Lambda
would, with real boto3 clients behind botocore ``Stubber`` (which checks every request and
response against the service model), a Lambda-like context and a controllable clock, and returns
the body CloudFormation would receive at the event's ResponseURL: a loopback HTTPS server with a
self-signed certificate records each PUT, so crhelper's own sending code runs unchanged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import secrets
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import ANY, Stubber
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cdk_cleanrooms_ml._handler import clients, index
from cdk_cleanrooms_ml._handler import clock as handler_clock

REGION = "us-east-1"
ACCOUNT = "111122223333"
JOB_ARN = (
    f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/"
    "0f1e2d3c-aaaa-bbbb-cccc-123456789012"
)
MODEL_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/model-1"
FUNCTION_NAME = "ExportStack-AudienceExportProvider-AbCdEf123456"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
STACK_NAME = "ExportStack"
STACK_ID = (
    f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK_NAME}/"
    "5b6a1c2e-0000-1111-2222-333344445555"
)
LOGICAL_ID = "AudienceExport"
T0 = 1_800_000_000.0  # the fake clock's start, epoch seconds


# --- time ---------------------------------------------------------------------------------


class FakeClock:
    """Epoch time that only moves when the handler sleeps (or a test advances it)."""

    def __init__(self, start: float = T0) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.t += seconds

    def advance(self, seconds: float) -> None:
        self.t += seconds


class LambdaContext:
    """The parts of the Lambda context object the handler and crhelper read."""

    def __init__(self, clock: FakeClock, remaining_ms: int) -> None:
        self._clock = clock
        self._end = clock.now() + remaining_ms / 1000
        self.function_name = FUNCTION_NAME
        self.invoked_function_arn = FUNCTION_ARN
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 256
        self.log_group_name = f"/aws/lambda/{FUNCTION_NAME}"
        self.log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - self._clock.now()) * 1000))


# --- the CloudFormation side ----------------------------------------------------------------


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class ResponseServer:
    """An HTTPS endpoint on 127.0.0.1 standing in for the presigned S3 ResponseURL."""

    def __init__(self) -> None:
        import ssl

        self._dir = Path(tempfile.mkdtemp(prefix="cfn-response-"))
        self.cert_file, key_file = _self_signed(self._dir)
        self.bodies: dict[str, list[bytes]] = {}
        bodies, lock = self.bodies, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with lock:
                    bodies.setdefault(self.path, []).append(body)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def new_url(self) -> str:
        """A fresh presigned-looking URL (the signature is what must never be logged)."""
        path = f"/cloudformation-custom-resource-response-useast1/{uuid.uuid4()}"
        query = (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Expires=7200"
            f"&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
            f"&X-Amz-SignedHeaders=host&X-Amz-Signature={secrets.token_hex(32)}"
        )
        return f"https://127.0.0.1:{self.port}{path}?{query}"

    def bodies_for(self, url: str) -> list[bytes]:
        path = url.split(str(self.port), 1)[1]
        return list(self.bodies.get(path, []))


_server: ResponseServer | None = None


def response_server() -> ResponseServer:
    global _server  # noqa: PLW0603 - one endpoint for the whole session
    if _server is None:
        _server = ResponseServer()
    return _server


def properties(
    *,
    job_arn: str = JOB_ARN,
    size_type: str = "ABSOLUTE",
    size_value: str = "1000",
    name: str | None = "my-export",
    description: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """ResourceProperties as CloudFormation sends them: every value a string."""
    props: dict[str, Any] = {
        "ServiceToken": FUNCTION_ARN,
        "AudienceGenerationJobArn": job_arn,
        "AudienceSize": {"Type": size_type, "Value": size_value},
    }
    if name is not None:
        props["Name"] = name
    if description is not None:
        props["Description"] = description
    props.update(extra)
    return props


def cfn_event(
    request_type: str,
    resource_properties: Any,
    *,
    physical_id: str | None = None,
    old_properties: Any = None,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": FUNCTION_ARN,
        "ResponseURL": response_server().new_url(),
        "StackId": stack_id,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": "Custom::CleanRoomsMlAudienceExport",
        "ResourceProperties": resource_properties,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = old_properties
    return event


# --- the AWS side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    at: float


class Services:
    """Real boto3 clients, each behind an active Stubber, with every call recorded."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[Call] = []
        self.cleanroomsml = boto3.client("cleanroomsml", region_name=REGION)
        self.lambda_ = boto3.client("lambda", region_name=REGION)
        self.cleanroomsml_stub = Stubber(self.cleanroomsml)
        self.lambda_stub = Stubber(self.lambda_)
        for service, client in (("cleanroomsml", self.cleanroomsml), ("lambda", self.lambda_)):
            # provide-client-params fires before the Stubber checks anything, so even a call
            # that has no stubbed answer is recorded.
            client.meta.events.register(
                f"provide-client-params.{service}.*", self._recorder(service)
            )
        self.cleanroomsml_stub.activate()
        self.lambda_stub.activate()

    def _recorder(self, service: str) -> Callable[..., None]:
        def record(params: Mapping[str, Any], model: Any, **_: Any) -> None:
            self.calls.append(Call(service, model.name, dict(params), self.clock.now()))

        return record

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def verify(self) -> None:
        self.cleanroomsml_stub.assert_no_pending_responses()
        self.lambda_stub.assert_no_pending_responses()

    # Convenience for queueing stubbed answers, in call order.

    def expect_get_job(
        self,
        status: str = "ACTIVE",
        *,
        sizes: list[tuple[str, int]] | None = None,
        job_arn: str = JOB_ARN,
        status_details: dict[str, str] | None = None,
    ) -> None:
        self.cleanroomsml_stub.add_response(
            "get_audience_generation_job",
            generation_job(job_arn, status, sizes=sizes, status_details=status_details),
            expected_params={"audienceGenerationJobArn": job_arn},
        )

    def expect_list(
        self,
        exports: list[dict[str, Any]],
        *,
        job_arn: str = JOB_ARN,
        next_token: str | None = None,
        token: str | None = None,
    ) -> None:
        response: dict[str, Any] = {"audienceExportJobs": exports}
        if next_token:
            response["nextToken"] = next_token
        expected: dict[str, Any] = {"audienceGenerationJobArn": job_arn, "maxResults": 100}
        if token:
            expected["nextToken"] = token
        self.cleanroomsml_stub.add_response(
            "list_audience_export_jobs", response, expected_params=expected
        )

    def expect_start(
        self,
        name: str,
        size: tuple[str, int] = ("ABSOLUTE", 1000),
        *,
        description: str | None = None,
        job_arn: str = JOB_ARN,
    ) -> None:
        expected: dict[str, Any] = {
            "name": name,
            "audienceGenerationJobArn": job_arn,
            "audienceSize": {"type": size[0], "value": size[1]},
        }
        if description is not None:
            expected["description"] = description
        self.cleanroomsml_stub.add_response("start_audience_export_job", {}, expected)

    def expect_error(
        self, method: str, code: str, message: str = "", status: int = 400, **modeled: Any
    ) -> None:
        self.cleanroomsml_stub.add_client_error(
            method,
            service_error_code=code,
            service_message=message,
            http_status_code=status,
            modeled_fields={"message": message, **modeled} if message or modeled else None,
        )

    def expect_invoke(self) -> None:
        self.lambda_stub.add_response(
            "invoke",
            {"StatusCode": 202},
            expected_params={
                "FunctionName": FUNCTION_ARN,
                "InvocationType": "Event",
                "Payload": ANY,
            },
        )


def generation_job(
    job_arn: str,
    status: str,
    *,
    sizes: list[tuple[str, int]] | None = None,
    status_details: dict[str, str] | None = None,
) -> dict[str, Any]:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    job: dict[str, Any] = {
        "createTime": when,
        "updateTime": when,
        "audienceGenerationJobArn": job_arn,
        "name": "generation-job",
        "status": status,
        "configuredAudienceModelArn": MODEL_ARN,
    }
    if sizes:
        job["metrics"] = {
            "relevanceMetrics": [
                {"audienceSize": {"type": t, "value": v}, "score": 5.0} for t, v in sizes
            ]
        }
    if status_details:
        job["statusDetails"] = status_details
    return job


def export_summary(
    name: str,
    status: str = "ACTIVE",
    size: tuple[str, int] = ("ABSOLUTE", 1000),
    *,
    description: str | None = None,
    job_arn: str = JOB_ARN,
    output_location: str | None = None,
    status_details: dict[str, str] | None = None,
) -> dict[str, Any]:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    summary: dict[str, Any] = {
        "createTime": when,
        "updateTime": when,
        "name": name,
        "audienceGenerationJobArn": job_arn,
        "audienceSize": {"type": size[0], "value": size[1]},
        "status": status,
    }
    if description is not None:
        summary["description"] = description
    if output_location is not None:
        summary["outputLocation"] = output_location
    elif status == "ACTIVE":
        summary["outputLocation"] = f"s3://audience-output/exports/{name}/"
    if status_details:
        summary["statusDetails"] = status_details
    return summary


# --- a time-driven fake service on top of the Stubber ----------------------------------------


@dataclass
class FakeExport:
    name: str
    size: tuple[str, int]
    description: str | None
    started: float
    active_after_s: float | None  # None: never finishes
    fail: dict[str, str] | None = None  # statusDetails when it ends CREATE_FAILED


@dataclass
class FakeCleanRoomsMl:
    """Answers each cleanroomsml call from state and the clock, through the Stubber.

    Right before the Stubber checks a call, the answer for that moment is queued with the
    call's own parameters as the expected ones: requests and responses are still validated
    against the model, but how many polls happen is up to the handler, as with the service.
    """

    services: Services
    job_active_after_s: float = 0.0  # generation job: CREATE_IN_PROGRESS until then
    sizes: list[tuple[str, int]] = field(default_factory=lambda: [("ABSOLUTE", 1000)])
    export_active_after_s: float | None = 30.0
    export_fails: dict[str, str] | None = None
    exports: dict[str, FakeExport] = field(default_factory=dict)
    created: float = T0

    def __post_init__(self) -> None:
        self.services.cleanroomsml.meta.events.register(
            "provide-client-params.cleanroomsml.*", self._answer
        )

    def add_existing(self, count: int, *, status: str = "ACTIVE") -> None:
        for n in range(count):
            name = f"other-export-{n:02d}"
            self.exports[name] = FakeExport(
                name, ("ABSOLUTE", 1000), None, self.created, 0.0 if status == "ACTIVE" else None
            )

    def _answer(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        now = self.services.clock.now()
        stub = self.services.cleanroomsml_stub
        if model.name == "GetAudienceGenerationJob":
            ready = now - self.created >= self.job_active_after_s
            status = "ACTIVE" if ready else "CREATE_IN_PROGRESS"
            response = generation_job(
                params["audienceGenerationJobArn"], status, sizes=self.sizes if ready else None
            )
            stub.add_response("get_audience_generation_job", response, dict(params))
        elif model.name == "StartAudienceExportJob":
            self.exports[params["name"]] = FakeExport(
                params["name"],
                (params["audienceSize"]["type"], params["audienceSize"]["value"]),
                params.get("description"),
                now,
                self.export_active_after_s,
                self.export_fails,
            )
            stub.add_response("start_audience_export_job", {}, dict(params))
        elif model.name == "ListAudienceExportJobs":
            size = int(params.get("maxResults", 10))
            start = int(params.get("nextToken", "0"))
            summaries = [self._summary(export, now) for export in self.exports.values()]
            page: dict[str, Any] = {"audienceExportJobs": summaries[start : start + size]}
            if start + size < len(summaries):
                page["nextToken"] = str(start + size)
            stub.add_response("list_audience_export_jobs", page, dict(params))

    def _summary(self, export: FakeExport, now: float) -> dict[str, Any]:
        age = now - export.started
        if export.active_after_s is None or age < export.active_after_s:
            status = "CREATE_PENDING" if age < 1 else "CREATE_IN_PROGRESS"
            return export_summary(export.name, status, export.size, description=export.description)
        if export.fail:
            return export_summary(
                export.name,
                "CREATE_FAILED",
                export.size,
                description=export.description,
                status_details=export.fail,
            )
        return export_summary(export.name, "ACTIVE", export.size, description=export.description)

    def active_since(self, name: str) -> float:
        export = self.exports[name]
        assert export.active_after_s is not None
        return export.started + export.active_after_s


# --- the entry point ------------------------------------------------------------------------


@dataclass
class Invocation:
    response: dict[str, Any] | None  # what CloudFormation received; None: no response was sent
    calls: list[Call]
    responses_sent: int

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def continuation_event(self) -> dict[str, Any]:
        """The event this invocation handed over to its follow-up invocation."""
        invokes = [call for call in self.calls if call.operation == "Invoke"]
        assert len(invokes) == 1, self.operations
        payload = invokes[0].params["Payload"]
        return dict(json.loads(payload))


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def invoke_handler(
    event: dict[str, Any],
    *,
    services: Services,
    remaining_ms: int = 300_000,
) -> Invocation:
    """Run ``index.handler(event, context)`` once; return what CloudFormation would receive."""
    server = response_server()
    clients.use(cleanroomsml=services.cleanroomsml, lambda_=services.lambda_)
    handler_clock.use(services.clock)
    first_call = len(services.calls)
    context = LambdaContext(services.clock, remaining_ms)
    # crhelper verifies the response endpoint with the default trust store; SSL_CERT_FILE is
    # how OpenSSL lets that store be the test certificate.
    with _env(SSL_CERT_FILE=str(server.cert_file)):
        index.handler(json.loads(json.dumps(event)), context)
    bodies = server.bodies_for(event["ResponseURL"])
    response = json.loads(bodies[-1]) if bodies else None
    return Invocation(response, services.calls[first_call:], len(bodies))
