"""The certificate of the worker's own web server (protocol memo §1.4, item 5): ``--cert``/``--cert-key``
when given, otherwise a fresh key whose CSR (CN = subscriber id, SANs = this host's names and addresses)
the core signs with its CA through ``POST /ca/sign``. It is not a client certificate: the core asks for
no mTLS."""
from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import shutil
import socket
import ssl
import tempfile
from typing import List, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from worker.core.api import CoreApi
from worker.core.client import CoreClient
from worker.core.errors import FatalError

log = logging.getLogger(__name__)


def _local_names() -> List[x509.GeneralName]:
    names = {"localhost", socket.gethostname(), socket.getfqdn()}
    addresses = {"127.0.0.1", "::1"}
    try:
        addresses.update(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    entries: List[x509.GeneralName] = [x509.DNSName(n) for n in sorted(names) if n]
    entries += [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses)]
    return entries


def signed_by_core(client: CoreClient, common_name: str) -> ssl.SSLContext:
    """A server context with a new key and the certificate the core's CA signed for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
           .add_extension(x509.SubjectAlternativeName(_local_names()), critical=False)
           .sign(key, hashes.SHA256()))
    cert = CoreApi(client).sign("POST /ca/sign (a certificate for the web server)",
                                csr.public_bytes(serialization.Encoding.PEM))
    directory = tempfile.mkdtemp(prefix="resotoworker-web-")
    atexit.register(shutil.rmtree, directory, True)
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert)
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return from_files(cert_path, key_path, None)


def from_files(cert: str, key: str, password: Optional[str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key, password)
    except (OSError, ssl.SSLError) as ex:
        raise FatalError(f"cannot load the web server certificate {cert} with key {key}: {ex}") from None
    return context


def web_tls(client: CoreClient, cert: Optional[str], key: Optional[str], password: Optional[str],
            common_name: str, no_tls: bool) -> Optional[ssl.SSLContext]:
    """The web server's TLS context, or None for plain HTTP: ``no_tls``, or a core without TLS and no
    ``--cert``."""
    if no_tls:
        return None
    if cert or key:
        if not (cert and key):
            raise FatalError("--cert and --cert-key go together")
        return from_files(cert, key, password)
    if not client.tls:
        return None
    return signed_by_core(client, common_name)
