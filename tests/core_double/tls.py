"""The double's certificate authority: a trustme CA, a host certificate for 127.0.0.1/localhost, and
CSR signing for `POST /ca/sign` (protocol memo §1.4)."""

from __future__ import annotations

import datetime
import hashlib
import os
import ssl
import tempfile
from typing import Tuple

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def fingerprint_of_pem(pem: bytes) -> str:
    """Colon-separated upper-case hex SHA-256 of the DER certificate."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


class CertificateAuthority:
    def __init__(self) -> None:
        self._ca = trustme.CA(organization_name="core double CA")
        self._host = self._ca.issue_cert("127.0.0.1", "localhost")
        self.dir = tempfile.mkdtemp(prefix="core-double-tls-")
        self.ca_pem_bytes: bytes = self._ca.cert_pem.bytes()
        self.ca_pem_path = os.path.join(self.dir, "ca.pem")
        with open(self.ca_pem_path, "wb") as f:
            f.write(self.ca_pem_bytes)
        self.fingerprint = fingerprint_of_pem(self.ca_pem_bytes)
        self._ca_cert = x509.load_pem_x509_certificate(self.ca_pem_bytes)
        self._ca_key = serialization.load_pem_private_key(self._ca.private_key_pem.bytes(), password=None)

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._host.configure_cert(ctx)
        return ctx

    def sign_csr(self, csr_pem: bytes, days: int = 365) -> Tuple[bytes, str]:
        csr = x509.load_pem_x509_csr(csr_pem)
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self._ca_cert.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
        )
        for ext in csr.extensions:
            if isinstance(ext.value, x509.SubjectAlternativeName):
                builder = builder.add_extension(ext.value, critical=False)
        cert = builder.sign(self._ca_key, hashes.SHA256())  # type: ignore[arg-type]
        pem = cert.public_bytes(serialization.Encoding.PEM)
        return pem, fingerprint_of_pem(pem)
