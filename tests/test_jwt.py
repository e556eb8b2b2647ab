import base64
import json

import pytest

from worker.core import jwt


def test_round_trip_and_shape():
    token = jwt.encode("secret", {"sha256_fingerprint": "AA"}, now=1000)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256" and len(base64.standard_b64decode(header["salt"])) == 16
    claims = jwt.decode(token, "secret", now=1001)
    assert claims == {"sha256_fingerprint": "AA", "exp": 1300}


def test_wrong_psk_and_expiry_are_refused():
    token = jwt.encode("secret", now=1000)
    with pytest.raises(jwt.InvalidToken, match="wrong PSK"):
        jwt.decode(token, "other", now=1001)
    with pytest.raises(jwt.InvalidToken, match="expired"):
        jwt.decode(token, "secret", now=1300)


def test_token_is_reused_while_it_has_time_left():
    cache = jwt.TokenCache("secret")
    assert cache.header() == cache.header()
    assert jwt.TokenCache(None).header() == {}
