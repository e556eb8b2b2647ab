"""TLS bootstrap (protocol memo §1.4): fetch the core's CA without verification, prove it with the
PSK-signed ``sha256_fingerprint`` claim, and write a bundle (public roots + core CA) that every later
HTTPS request and ``wss://`` connection verifies against, hostname check included."""
from __future__ import annotations

import atexit
import hashlib
import logging
import os
import ssl
import tempfile
from typing import Optional

import certifi
import requests
import urllib3

from worker.core import tokens
from worker.core.errors import FatalError

log = logging.getLogger(__name__)


def fingerprint(pem: str) -> str:
    """Colon-separated upper-case hex SHA-256 over the DER certificate, as the core writes it."""
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def fetch_ca(core_url: str, psk: Optional[str], timeout: float = 10) -> str:
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    try:
        response = requests.get(f"{core_url}/ca/cert", verify=False, timeout=timeout)
    except requests.RequestException as ex:
        raise FatalError(f"could not fetch the core's CA certificate from {core_url}/ca/cert: {ex}") from None
    if response.status_code != 200:
        raise FatalError(f"could not fetch the core's CA certificate: {core_url}/ca/cert answered "
                         f"{response.status_code}")
    pem = response.text
    try:
        actual = fingerprint(pem)
    except ValueError as ex:
        raise FatalError(f"the core's /ca/cert did not return a PEM certificate: {ex}") from None
    if psk:
        header = response.headers.get("Authorization")
        if not header:
            raise FatalError("the core sent its CA certificate without a signed fingerprint: "
                             "is the core running without a PSK while the worker has one?")
        try:
            claims = tokens.decode(header, psk)
        except tokens.InvalidToken as ex:
            raise FatalError(f"the core's CA certificate signature could not be verified with our PSK "
                             f"(wrong PSK?): {ex}") from None
        if claims.get("sha256_fingerprint") != actual:
            raise FatalError(f"CA certificate fingerprint mismatch (man in the middle?): the core signed "
                             f"{claims.get('sha256_fingerprint')}, the certificate received has {actual}")
    else:
        log.warning("no PSK set: trusting the core's CA certificate %s on first use", actual)
    return pem


def write_bundle(ca_pem: str, directory: Optional[str] = None) -> str:
    """Public roots + the core CA in one file; returns its path."""
    with open(certifi.where(), encoding="utf-8") as roots:
        public = roots.read()
    handle, path = tempfile.mkstemp(prefix="resotoworker-ca-", suffix=".pem", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(public.rstrip("\n") + "\n" + ca_pem.strip() + "\n")
    atexit.register(_remove, path)
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def load_ca_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            pem = f.read()
        fingerprint(pem)
    except (OSError, ValueError) as ex:
        raise FatalError(f"--ca-cert {path}: cannot read a PEM certificate: {ex}") from None
    return pem
