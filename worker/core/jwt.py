"""The PSK tokens the core expects (protocol memo §1.3): HS256 JWTs whose signing key is
PBKDF2-HMAC-SHA256(psk, salt, 100 000 iterations, 32 bytes), with the salt (16 random bytes, standard
base64) carried in a non-standard ``salt`` header field."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any, Dict, Optional

ITERATIONS = 100_000
LIFETIME = 300


class InvalidToken(Exception):
    pass


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(psk: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", psk.encode("utf-8"), salt, ITERATIONS, dklen=32)


def encode(psk: str, claims: Optional[Dict[str, Any]] = None, lifetime: int = LIFETIME,
           now: Optional[float] = None) -> str:
    salt = os.urandom(16)
    header = {"alg": "HS256", "typ": "JWT", "salt": base64.standard_b64encode(salt).decode("ascii")}
    body = dict(claims or {})
    body["exp"] = int((now if now is not None else time.time()) + lifetime)
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, body))
    signature = hmac.new(derive_key(psk, salt), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def decode(token: str, psk: str, now: Optional[float] = None) -> Dict[str, Any]:
    """Verify ``token`` with ``psk`` and return its claims; InvalidToken says what is wrong."""
    if token.lower().startswith("bearer "):
        token = token[7:]
    try:
        head_b64, body_b64, sig_b64 = token.split(".")
        header = json.loads(_unb64url(head_b64))
        claims = json.loads(_unb64url(body_b64))
        signature = _unb64url(sig_b64)
    except (ValueError, json.JSONDecodeError) as ex:
        raise InvalidToken(f"not a JWT: {ex}") from None
    if header.get("alg") != "HS256":
        raise InvalidToken(f"unexpected algorithm {header.get('alg')!r}")
    if "salt" not in header:
        raise InvalidToken("token has no salt header")
    key = derive_key(psk, base64.standard_b64decode(header["salt"]))
    expected = hmac.new(key, f"{head_b64}.{body_b64}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("signature does not match (wrong PSK?)")
    exp = claims.get("exp")
    if exp is not None and (now if now is not None else time.time()) >= exp:
        raise InvalidToken("token has expired")
    return claims


class TokenCache:
    """Reuses one token while it has more than ``min_left`` seconds to live: PBKDF2 with 100k rounds
    costs ~50 ms, the reference pays it on every request."""

    def __init__(self, psk: Optional[str], min_left: int = 60) -> None:
        self.psk = psk or None
        self.min_left = min_left
        self._token: Optional[str] = None
        self._expires = 0.0

    def header(self) -> Dict[str, str]:
        if not self.psk:
            return {}
        now = time.time()
        if self._token is None or self._expires - now <= self.min_left:
            self._token = encode(self.psk, now=now)
            self._expires = now + LIFETIME
        return {"Authorization": f"Bearer {self._token}"}
