"""Node ids by the reference worker's scheme, so that switching workers keeps every node id stable.

The id is the url-safe base64 (no padding) of a 16-byte BLAKE2b digest of the Python ``str`` of the key
tuple ``(kind, cloud, account, region, zone, id, *extra)``; a missing ancestor is ``"undefined"``
(protocol memo §4.5, §10.1.10). Region nodes add their name, AWS resources their ARN (``extra``).
"""
from __future__ import annotations

import base64
import hashlib
from typing import Optional

UNDEFINED = "undefined"


def node_id(kind: str, cloud: Optional[str], account: Optional[str], region: Optional[str],
            zone: Optional[str], resource_id: str, *extra: object) -> str:
    key = (kind, cloud or UNDEFINED, account or UNDEFINED, region or UNDEFINED, zone or UNDEFINED,
           resource_id) + tuple(extra)
    digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=16).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def root_id() -> str:
    return node_id("graph_root", None, None, None, None, "root")


def cloud_id(cloud: str) -> str:
    return node_id("cloud", cloud, None, None, None, cloud)
