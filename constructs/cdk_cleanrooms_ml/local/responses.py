"""CloudFormation's side of the custom-resource protocol: the ResponseURL.

An HTTPS server on 127.0.0.1 with a freshly made certificate authority records the PUT that the
handler sends to its ResponseURL. The handler (crhelper: ``http.client`` with
``ssl.create_default_context()``) trusts it through ``SSL_CERT_FILE`` in the runtime's
environment, so nothing in the handler is bent for the harness. :func:`check_response` applies
CloudFormation's rules to what arrived.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import ipaddress
import json
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from .server import LoopbackServer, Request, Response

MAX_BODY_BYTES: Final = 4096
MAX_PHYSICAL_ID_BYTES: Final = 1024
_PREFIX: Final = "/cloudformation-response/"
_VALID_DAYS: Final = 7


class CertificateError(RuntimeError):
    """No way to make the loopback certificate on this machine."""


@dataclass(frozen=True)
class LoopbackCertificate:
    """A CA (what clients trust) and a server certificate for 127.0.0.1 / localhost it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def create_certificate(directory: Path, *, backend: str = "auto") -> LoopbackCertificate:
    """Make a throw-away CA and server certificate.

    ``backend``: ``cryptography``, ``openssl`` (the CLI) or ``auto`` (the first available).
    """
    directory.mkdir(parents=True, exist_ok=True)
    certificate = LoopbackCertificate(
        ca_file=directory / "ca.pem",
        cert_file=directory / "server.pem",
        key_file=directory / "server-key.pem",
    )
    if backend == "auto":
        backend = "openssl" if importlib.util.find_spec("cryptography") is None else "cryptography"
    if backend == "cryptography":
        _create_with_cryptography(certificate)
    elif backend == "openssl":
        _create_with_openssl(certificate)
    else:
        raise ValueError(f"unknown certificate backend {backend!r}")
    certificate.key_file.chmod(0o600)
    return certificate


def _key_usage(x509: Any, *, signs_certificates: bool) -> Any:
    """Signing keys only: the CA also signs certificates and CRLs, the server key does not."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _create_with_cryptography(target: LoopbackCertificate) -> None:
    # An optional dependency (the openssl CLI is the fallback), hence imported here.
    x509: Any = importlib.import_module("cryptography.x509")
    hashes: Any = importlib.import_module("cryptography.hazmat.primitives.hashes")
    serialization: Any = importlib.import_module("cryptography.hazmat.primitives.serialization")
    ec: Any = importlib.import_module("cryptography.hazmat.primitives.asymmetric.ec")
    oid: Any = importlib.import_module("cryptography.x509.oid")
    name_oid, server_auth = oid.NameOID, oid.ExtendedKeyUsageOID.SERVER_AUTH

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(name_oid.COMMON_NAME, "cdk-cleanrooms-ml local CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(x509, signs_certificates=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(name_oid.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(x509, signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([server_auth]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    target.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    target.cert_file.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    target.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _create_with_openssl(target: LoopbackCertificate) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError(
            "the HTTPS response server needs a certificate: install 'cryptography' (pip) or openssl"
        )
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        ca_key = work / "ca-key.pem"
        csr = work / "server.csr"
        extensions = work / "server.ext"
        extensions.write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid\n",
            encoding="utf-8",
        )
        curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        commands = [
            [
                openssl,
                "req",
                "-x509",
                *curve,
                "-keyout",
                str(ca_key),
                "-out",
                str(target.ca_file),
                "-days",
                str(_VALID_DAYS),
                "-subj",
                "/CN=cdk-cleanrooms-ml local CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE,pathlen:0",
                "-addext",
                "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
            ],
            [
                openssl,
                "req",
                *curve,
                "-keyout",
                str(target.key_file),
                "-out",
                str(csr),
                "-subj",
                "/CN=127.0.0.1",
            ],
            [
                openssl,
                "x509",
                "-req",
                "-in",
                str(csr),
                "-CA",
                str(target.ca_file),
                "-CAkey",
                str(ca_key),
                "-CAcreateserial",
                "-out",
                str(target.cert_file),
                "-days",
                str(_VALID_DAYS),
                "-sha256",
                "-extfile",
                str(extensions),
            ],
        ]
        for command in commands:
            done = subprocess.run(command, check=False, capture_output=True, timeout=60)
            if done.returncode != 0:
                message = done.stderr.decode(errors="replace").strip()
                raise CertificateError(
                    f"openssl could not make the loopback certificate: {message}"
                )
    target.cert_file.write_bytes(target.cert_file.read_bytes() + target.ca_file.read_bytes())


@dataclass(frozen=True)
class RecordedResponse:
    """One PUT received on a ResponseURL."""

    request_id: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise ValueError("the response body is not a JSON object")
        return data


class ResponseRecorder:
    """Issues ResponseURLs and records what is PUT to them (a service for LoopbackServer)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.responses: list[RecordedResponse] = []
        self._arrived = threading.Condition()

    def url_for(self, request_id: str) -> str:
        if not self.base_url:
            raise RuntimeError("the response server is not running")
        # Shaped like a presigned S3 URL: the signature is what must never reach a log.
        signature = secrets.token_hex(32)
        return (
            f"{self.base_url}{_PREFIX}{request_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires=7200&X-Amz-Signature={signature}"
        )

    def handles(self, request: Request) -> bool:
        return request.path.startswith(_PREFIX)

    def handle(self, request: Request) -> Response:
        if request.method != "PUT":
            return Response(405)
        request_id = unquote(request.path[len(_PREFIX) :])
        recorded = RecordedResponse(
            request_id=request_id,
            path=request.path,
            headers=dict(request.headers),
            body=request.body,
            received_at=time.time(),
        )
        with self._arrived:
            self.responses.append(recorded)
            self._arrived.notify_all()
        return Response(200)

    def for_request(self, request_id: str) -> list[RecordedResponse]:
        with self._arrived:
            return [r for r in self.responses if r.request_id == request_id]

    def wait_for(
        self, request_id: str, timeout: float, *, skip: int = 0
    ) -> RecordedResponse | None:
        """The response to ``request_id`` after the first ``skip`` ones (waits ≤ ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [r for r in self.responses if r.request_id == request_id]
                if len(found) > skip:
                    return found[skip]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(min(remaining, 1.0))


class ResponseServer:
    """The HTTPS loopback server around a :class:`ResponseRecorder`."""

    def __init__(self, certificate: LoopbackCertificate) -> None:
        self.certificate = certificate
        self.recorder = ResponseRecorder()
        self._server = LoopbackServer([self.recorder], ssl_context=certificate.server_context())

    def start(self) -> ResponseServer:
        self._server.start()
        self.recorder.base_url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()


@dataclass(frozen=True)
class ResponseCheck:
    body: dict[str, Any]
    problems: list[str]

    @property
    def status(self) -> str:
        return str(self.body.get("Status", ""))

    @property
    def physical_id(self) -> str:
        return str(self.body.get("PhysicalResourceId") or "")

    @property
    def reason(self) -> str:
        return str(self.body.get("Reason") or "")

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("Data")
        return data if isinstance(data, dict) else {}


def check_response(recorded: RecordedResponse, event: dict[str, Any]) -> ResponseCheck:
    """Apply CloudFormation's rules for a custom resource response; list what breaks them."""
    problems: list[str] = []
    if len(recorded.body) > MAX_BODY_BYTES:
        problems.append(
            f"response body is {len(recorded.body)} bytes, at most {MAX_BODY_BYTES} allowed"
        )
    try:
        body = recorded.json()
    except ValueError as error:
        return ResponseCheck({}, [*problems, f"response body is not a JSON object: {error}"])
    status = body.get("Status")
    if status not in ("SUCCESS", "FAILED"):
        problems.append(f"Status is {status!r}, expected SUCCESS or FAILED")
    physical_id = body.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        problems.append("PhysicalResourceId is missing or empty")
    elif len(physical_id.encode("utf-8")) > MAX_PHYSICAL_ID_BYTES:
        problems.append(
            f"PhysicalResourceId is {len(physical_id.encode('utf-8'))} bytes, "
            f"at most {MAX_PHYSICAL_ID_BYTES} allowed"
        )
    if status == "FAILED" and not body.get("Reason"):
        problems.append("Reason is required when Status is FAILED")
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        if body.get(key) != event.get(key):
            problems.append(f"{key} is {body.get(key)!r}, expected {event.get(key)!r}")
    data = body.get("Data")
    if data is not None and not isinstance(data, dict):
        problems.append("Data must be an object")
    return ResponseCheck(body, problems)
