"""A resotocore 3.9.0 stand-in for tests: real HTTP/websocket/TLS sockets on 127.0.0.1, the core's
PSK/JWT checks, and the core's rejections of malformed models, merges and frames.

    with CoreDouble(psk="changeme", tls=True) as core:
        run_worker(core.url, ca_cert=core.ca_pem)          # the code under test
        action = core.send_action("collect")
        assert core.wait_reply(action["task"])["kind"] == "action_done"
        assert all(m.ok for m in core.merges) and core.violations == []

Modules: `core` (CoreDouble), `middleware` (recording, faults, auth), `routes_*` and `ws_*` (endpoints),
`validation` / `kinds` / `merge_graph` (what the core refuses), `graph_store` and `search` (what it
keeps and serves), `frames` (which websocket frames it digests), `jwt`, `tls`, `records`, `state`.
"""

from .core import CoreDouble
from .records import FrameRecord, MergeRecord, RequestRecord, Violation
from .validation import CoreRejection, update_model, validate_merge

__all__ = ["CoreDouble", "CoreRejection", "FrameRecord", "MergeRecord", "RequestRecord", "Violation",
           "update_model", "validate_merge"]
