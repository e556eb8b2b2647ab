"""A loopback reverse proxy in front of moto that misbehaves like AWS does on a bad day.

* Throttling: every ``throttle_every``-th request, and the first request to each service (so every
  wire protocol's error is seen), is answered with the service's own throttling error
  (``RequestLimitExceeded`` for EC2, ``Throttling`` for the query protocol, ``ThrottlingException`` for
  JSON, REST-JSON and CBOR protocols, ``SlowDown`` for S3). A throttled request passes when it comes
  again, so a client with retries always gets through: the test stays deterministic.
* Access denied: requests signed with the credentials of a denied account (learned from the
  AssumeRole answers that pass through) get a 403 ``AccessDenied`` in the service's protocol; with
  ``deny_services`` only those services of the account are refused.
* Not enabled: requests to a (service, region) of ``opt_out`` get the answer of a region the account has
  not opted into (``OptInRequired`` for EC2, ``UnrecognizedClientException`` elsewhere).
* Garbage: ``rewrite(service, answer)`` may change the body of any answer that passes (a field of an odd
  type, a truncated document).
* Recorded answers: with ``recorded``, a request with an answer recorded for its operation gets it
  (``recorded.py``); with ``recorded_first=False`` only when moto cannot serve it (answers 404, 500 or 501).

The service and the access key come from the SigV4 ``Authorization`` header's credential scope.
"""
from __future__ import annotations

import http.client
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, Iterable, Optional, Set, Tuple
from urllib.parse import parse_qs, urlparse

from .recorded import Recorded, protocol_of_service

CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
ACCESS_KEY_ID = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")

# what moto (and the estate's shim) answer for an operation they do not implement (404: a REST route it lacks)
UNSERVED = (404, 500, 501)


def protocol_of(service: str, headers) -> str:
    """The wire protocol of a request: JSON and CBOR requests say so themselves; the others speak what
    botocore's description of the service says."""
    content_type = headers.get("Content-Type") or ""
    if headers.get("smithy-protocol") == "rpc-v2-cbor" or "cbor" in content_type:
        return "cbor"
    if "x-amz-json" in content_type:
        return "json"
    return protocol_of_service(service)

THROTTLING_CODE = {"ec2": "RequestLimitExceeded", "query": "Throttling", "rest-xml": "SlowDown"}
DENIED_CODE = {"ec2": "UnauthorizedOperation", "query": "AccessDenied", "rest-xml": "AccessDenied"}


def _cbor_text(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) < 24:
        return bytes([0x60 | len(data)]) + data
    return bytes([0x78, len(data)]) + data


def cbor_map(values: Dict[str, str]) -> bytes:
    """A CBOR map of short text to text: all the RPC v2 CBOR error body needs."""
    out = bytes([0xA0 | len(values)])
    for key, value in values.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


def error_response(protocol: str, code: str, message: str, status: int) -> Tuple[int, Dict[str, str], bytes]:
    if protocol == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
        return status, {"Content-Type": "application/xml"}, body.encode()
    if protocol == "json":
        return status, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(
            {"__type": code, "message": message}).encode()
    if protocol == "rest-json":
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, json.dumps(
            {"message": message}).encode()
    if protocol == "cbor":
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, cbor_map(
            {"__type": code, "message": message})
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>fault-proxy</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def throttling(protocol: str) -> Tuple[int, Dict[str, str], bytes]:
    code = THROTTLING_CODE.get(protocol, "ThrottlingException")
    status = {"ec2": 503, "rest-xml": 503, "rest-json": 429}.get(protocol, 400)
    return error_response(protocol, code, "Rate exceeded", status)


def not_enabled(protocol: str) -> Tuple[int, Dict[str, str], bytes]:
    if protocol == "ec2":
        return error_response(protocol, "OptInRequired", "You are not subscribed to this service", 401)
    return error_response(protocol, "UnrecognizedClientException", "The security token included in the request "
                                                                    "is invalid", 400)


def access_denied(protocol: str) -> Tuple[int, Dict[str, str], bytes]:
    code = DENIED_CODE.get(protocol, "AccessDeniedException")
    return error_response(protocol, code, "User is not authorized to perform this operation", 403)


class FaultProxy:
    def __init__(self, upstream: str, throttle_every: int = 0, deny_accounts: Iterable[str] = (),
                 deny_services: Iterable[Tuple[str, str]] = (), opt_out: Iterable[Tuple[str, str]] = (),
                 rewrite: Optional[Callable[[str, bytes], bytes]] = None, recorded: Optional[Recorded] = None,
                 recorded_first: bool = True) -> None:
        parsed = urlparse(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.throttle_every = throttle_every
        self.deny_accounts = set(deny_accounts)
        self.deny_services = set(deny_services)  # (account id, signing name)
        self.opt_out = set(opt_out)  # (signing name, region)
        self.rewrite = rewrite
        self.recorded = recorded
        self.recorded_first = recorded_first
        self.lock = threading.Lock()
        self.requests = 0
        self.counts: Counter = Counter()  # "throttled", "denied", "passed"
        self.throttled_services: Counter = Counter()  # by signing name
        self._services_seen: Set[str] = set()
        self.assume_role_calls: Counter = Counter()  # by role ARN
        self.key_accounts: Dict[str, str] = {}  # access key id → account it was assumed into
        self._throttled: Set[bytes] = set()
        self._server: Optional[ThreadingHTTPServer] = None

    # ---- decisions ------------------------------------------------------------------------------

    def _should_throttle(self, fingerprint: bytes, service: str) -> bool:
        with self.lock:
            self.requests += 1
            if fingerprint in self._throttled:  # its retry: let it through
                self._throttled.discard(fingerprint)
                return False
            first_of_service = service not in self._services_seen
            self._services_seen.add(service)
            if self.throttle_every and (first_of_service or self.requests % self.throttle_every == 0):
                self._throttled.add(fingerprint)
                self.throttled_services[service] += 1
                return True
            return False

    def _is_denied(self, access_key: Optional[str], service: str) -> bool:
        account = self.key_accounts.get(access_key or "")
        if account is None:
            return False
        return account in self.deny_accounts or (account, service) in self.deny_services

    def _learn_assumed_key(self, body: bytes, answer: bytes) -> None:
        role = (parse_qs(body.decode("utf-8", "replace")).get("RoleArn") or [""])[0]
        if not role:
            return
        self.assume_role_calls[role] += 1
        found = ACCESS_KEY_ID.search(answer)
        if found:
            self.key_accounts[found.group(1).decode()] = role.split(":")[4]

    # ---- serving --------------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        found = CREDENTIAL.search(handler.headers.get("Authorization") or "")
        access_key, region, service = (found.group(1), found.group(2), found.group(3)) if found else (None, "", "")
        protocol = protocol_of(service, handler.headers)
        fingerprint = b"|".join([handler.command.encode(), handler.path.encode(),
                                 (handler.headers.get("X-Amz-Target") or "").encode(), body])
        if self._is_denied(access_key, service):
            self.counts["denied"] += 1
            return self._send(handler, *access_denied(protocol))
        if (service, region) in self.opt_out:
            self.counts["not_enabled"] += 1
            return self._send(handler, *not_enabled(protocol))
        if self._should_throttle(fingerprint, service):
            self.counts["throttled"] += 1
            return self._send(handler, *throttling(protocol))
        if self.recorded_first and self._answer_recorded(handler, service, body):
            return None
        status, headers, answer = self._forward(handler, body)
        if status in UNSERVED and not self.recorded_first and self._answer_recorded(handler, service, body):
            return None
        if service == "sts" and b"Action=AssumeRole" in body and status == 200:
            with self.lock:
                self._learn_assumed_key(body, answer)
        if self.rewrite is not None and status == 200:
            answer = self.rewrite(service, answer)
        self.counts["passed"] += 1
        self._send(handler, status, headers, answer)

    def _answer_recorded(self, handler: BaseHTTPRequestHandler, service: str, body: bytes) -> bool:
        known = self.recorded.answer(service, handler.command, handler.path, handler.headers, body) \
            if self.recorded is not None else None
        if known is None:
            return False
        self.counts["recorded"] += 1
        self._send(handler, *known)
        return True

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes):
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection", "keep-alive")}
            conn.request(handler.command, handler.path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            kept = {k: v for k, v in response.getheaders()
                    if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive")}
            return response.status, kept, answer
        finally:
            conn.close()

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, headers: Dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def start(self) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
