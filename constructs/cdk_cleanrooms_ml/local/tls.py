"""The loopback certificate authority: what the handler trusts to reach the ResponseURL.

A throw-away CA and a server certificate for 127.0.0.1 / localhost it signed, made per run with
``cryptography`` or, without it, the ``openssl`` CLI. The handler (crhelper: ``http.client`` with
``ssl.create_default_context()``) trusts the CA through ``SSL_CERT_FILE``, so nothing in the
handler is bent for the harness.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import ipaddress
import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

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
