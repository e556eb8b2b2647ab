"""The worker's PSK tokens (PyJWT with the core's PBKDF2 key and salt header), checked against the core
double's independent implementation of the core's rules, and over HTTP."""
import base64
import json
import time

import pytest
from core_double import CoreDouble
from core_double import jwt as core_jwt

from worker.core import tokens
from worker.core.client import CoreClient


def header_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def test_round_trip_and_shape():
    token = tokens.encode("secret", {"sha256_fingerprint": "AA"}, now=time.time())
    header = header_of(token)
    assert header["alg"] == "HS256" and len(base64.standard_b64decode(header["salt"])) == 16
    claims = tokens.decode("Bearer " + token, "secret")
    assert claims["sha256_fingerprint"] == "AA" and claims["exp"] == pytest.approx(time.time() + 300, abs=5)


def test_wrong_psk_expiry_and_garbage_are_refused():
    token = tokens.encode("secret")
    with pytest.raises(tokens.InvalidToken, match="wrong PSK"):
        tokens.decode(token, "other")
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.decode(tokens.encode("secret", now=time.time() - 301), "secret")
    with pytest.raises(tokens.InvalidToken, match="not a JWT"):
        tokens.decode("a.b", "secret")
    without_salt = core_jwt.encode({}, "secret", with_salt=False)
    with pytest.raises(tokens.InvalidToken, match="no salt"):
        tokens.decode(without_salt, "secret")


def test_the_core_double_and_the_worker_accept_each_others_tokens():
    assert core_jwt.decode(tokens.encode("secret", {"a": 1}), "secret")["a"] == 1
    with pytest.raises(core_jwt.TokenError):
        core_jwt.decode(tokens.encode("secret", now=time.time() - 301), "secret")
    assert tokens.decode(core_jwt.encode({"b": 2}, "secret"), "secret")["b"] == 2


def test_the_core_double_takes_the_workers_token_over_http():
    with CoreDouble(psk="secret") as core:
        assert CoreClient(core.url, "secret").request("GET", "/configs").status_code == 200
        assert CoreClient(core.url, "wrong").request("GET", "/configs").status_code == 401


def test_token_is_reused_while_it_has_time_left():
    cache = tokens.TokenCache("secret")
    assert cache.header() == cache.header()
    assert tokens.TokenCache(None).header() == {}
