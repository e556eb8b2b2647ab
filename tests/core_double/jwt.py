"""HS256 tokens keyed by a PSK, the way resotocore signs and checks them (protocol memo §1.3).

The key is derived per token from the PSK and a random salt carried in a non-standard JOSE header
field, so the double must derive it from the token it is given, never cache one key per PSK.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple

PBKDF2_ITERATIONS = 100_000


class TokenError(Exception):
    pass


@lru_cache(maxsize=256)  # a reused token costs one derivation; the result is the same as deriving anew
def derive_key(psk: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", psk.encode("utf-8"), salt, PBKDF2_ITERATIONS, 32)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def encode(claims: Dict[str, Any], psk: str, expire_in: Optional[int] = 300, salt: Optional[bytes] = None,
           with_salt: bool = True) -> str:
    """A token as the core (or a worker) makes it. `with_salt=False` makes a token no core accepts."""
    salt = os.urandom(16) if salt is None else salt
    header: Dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if with_salt:
        header["salt"] = base64.standard_b64encode(salt).decode("ascii")
    payload = dict(claims)
    if expire_in is not None:
        payload["exp"] = int(time.time()) + expire_in
    signing_input = _b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64url(
        json.dumps(payload, separators=(",", ":")).encode()
    )
    sig = hmac.new(derive_key(psk, salt), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(sig)


def _split(token: str) -> Tuple[Dict[str, Any], Dict[str, Any], bytes, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("token does not have three parts")
    try:
        header = json.loads(_unb64url(parts[0]))
        payload = json.loads(_unb64url(parts[1]))
        sig = _unb64url(parts[2])
    except Exception as ex:
        raise TokenError(f"token is not decodable: {ex}") from ex
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("token header or payload is not an object")
    return header, payload, sig, parts[0] + "." + parts[1]


def decode(token: str, psk: str, now: Optional[float] = None) -> Dict[str, Any]:
    """Verify like the core: HS256 only, key from the header salt, `exp` with no leeway."""
    header, payload, sig, signing_input = _split(token)
    if header.get("alg") != "HS256":
        raise TokenError(f"unsupported algorithm {header.get('alg')}")
    salt_b64 = header.get("salt")
    if not isinstance(salt_b64, str) or not salt_b64:
        # the core derives with a fresh random salt then, which never verifies
        raise TokenError("token has no salt header")
    try:
        salt = base64.standard_b64decode(salt_b64)
    except Exception as ex:
        raise TokenError("salt is not standard base64") from ex
    expected = hmac.new(derive_key(psk, salt), signing_input.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, sig):
        raise TokenError("signature verification failed")
    if "exp" in payload:
        exp = payload["exp"]
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise TokenError("exp is not a number")
        if (time.time() if now is None else now) >= exp:
            raise TokenError("token expired")
    return payload


def decode_header_value(value: str, psk: str) -> Dict[str, Any]:
    """`Bearer <jwt>`: scheme case-insensitive, exactly one space (memo §1.3)."""
    scheme = "Bearer"
    if len(value) <= len(scheme) + 1 or value[: len(scheme)].lower() != scheme.lower() or value[len(scheme)] != " ":
        raise TokenError("not a Bearer authorization")
    return decode(value[len(scheme) + 1:], psk)


def unverified_claims(token: str) -> Dict[str, Any]:
    return _split(token)[1]
