"""The PSK tokens the core expects (protocol memo §1.3): HS256 JWTs (PyJWT) whose signing key is
PBKDF2-HMAC-SHA256(psk, salt, 100 000 iterations, 32 bytes), with the salt (16 random bytes, standard
base64) carried in a non-standard ``salt`` header field. The key depends on the token's own salt, so the
header is read before the signature can be checked."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
from typing import Any, Dict, Optional

import jwt

ITERATIONS = 100_000
LIFETIME = 300


class InvalidToken(Exception):
    pass


def derive_key(psk: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", psk.encode("utf-8"), salt, ITERATIONS, dklen=32)


def encode(psk: str, claims: Optional[Dict[str, Any]] = None, lifetime: int = LIFETIME,
           now: Optional[float] = None) -> str:
    salt = os.urandom(16)
    body = dict(claims or {})
    body["exp"] = int((now if now is not None else time.time()) + lifetime)
    return jwt.encode(body, derive_key(psk, salt), algorithm="HS256",
                      headers={"salt": base64.standard_b64encode(salt).decode("ascii")})


def decode(token: str, psk: str) -> Dict[str, Any]:
    """Verify ``token`` with ``psk`` (signature, and ``exp`` against the clock) and return its claims;
    InvalidToken says what is wrong."""
    if token.lower().startswith("bearer "):
        token = token[7:]
    try:
        salt = jwt.get_unverified_header(token).get("salt")
    except jwt.InvalidTokenError as ex:
        raise InvalidToken(f"not a JWT: {ex}") from None
    if not isinstance(salt, str):
        raise InvalidToken("token has no salt header")
    try:
        key = derive_key(psk, base64.standard_b64decode(salt))
    except (binascii.Error, ValueError):
        raise InvalidToken("the salt header is not base64") from None
    try:
        return jwt.decode(token, key, algorithms=["HS256"])
    except jwt.InvalidSignatureError:
        raise InvalidToken("signature does not match (wrong PSK?)") from None
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token has expired") from None
    except jwt.InvalidTokenError as ex:
        raise InvalidToken(f"token refused: {ex}") from None


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
