"""The daemon's small web server: /health, /ready, /info, /metrics under resotoworker.web_path.
A stdlib ThreadingHTTPServer in a daemon thread; HTTPS when given a TLS context (``worker.core.certs``).

Each connection gets its own thread at once, and the TLS handshake runs there, not in ``accept()``:
one client that connects and says nothing must not keep the others (liveness probes) waiting. A client
has ``request_timeout`` seconds for the handshake and for each request."""
from __future__ import annotations

import json
import logging
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

from worker.metrics import CONTENT_TYPE_LATEST, Metrics

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tls: Optional[ssl.SSLContext] = None
    request_timeout = 10.0

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            try:  # "::" serves IPv4 too
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            except OSError:
                pass
        super().server_bind()

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(self.request_timeout)
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.tls.wrap_socket(request, server_side=True) as secured:  # the handshake, bounded
            super().finish_request(secured, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("web: connection from %s ended: %s", client_address[0], sys.exc_info()[1])


def _make_server(host: str, port: int, handler: type) -> _Server:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("Server", (_Server,), {"address_family": family})
    return server_class((host, port), handler)


class WebServer:
    """``links`` gives {name: connected}; ``collectors`` gives (active, all) collector names."""

    def __init__(self, host: str, port: int, path: str, links: Callable[[], Dict[str, bool]],
                 collectors: Callable[[], tuple], metrics: Metrics, tls: Optional[ssl.SSLContext] = None,
                 request_timeout: float = 10.0) -> None:
        self.host, self.port = host, port
        self.prefix = "/" + path.strip("/")
        self.links = links
        self.collectors = collectors
        self.metrics = metrics
        self.tls = tls
        self.request_timeout = request_timeout
        self.server: Optional[_Server] = None
        self.thread: Optional[threading.Thread] = None

    def start(self) -> "WebServer":
        handler = self._handler()
        try:
            self.server = _make_server(self.host, self.port, handler)
        except OSError as ex:
            if self.host not in ("::", "::0"):
                raise
            log.warning("web server: cannot bind %s (%s; no IPv6 on this host?): using 0.0.0.0", self.host, ex)
            self.server = _make_server("0.0.0.0", self.port, handler)
        self.server.tls, self.server.request_timeout = self.tls, self.request_timeout
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if self.tls is not None else "http"
        log.info("web server listening on %s://%s:%d%s (port %d)", scheme, shown, port, self.route(""), port)
        self.port = port
        self.thread = threading.Thread(target=self.server.serve_forever, name="web", daemon=True,
                                       kwargs={"poll_interval": 0.2})
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def route(self, name: str) -> str:
        return (self.prefix.rstrip("/") + "/" + name) if name else (self.prefix.rstrip("/") + "/")

    def _handler(self) -> type:
        web = self
        routes = {web.route(n): n for n in ("health", "ready", "info", "metrics")}

        class Handler(BaseHTTPRequestHandler):
            server_version = "resotoworker"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("web: %s %s", self.address_string(), fmt % args)

            def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
                      headers: Optional[Dict[str, str]] = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                name = routes.get(self.path.split("?", 1)[0])
                try:
                    if name == "health":
                        self._send(200, b"ok\n")
                    elif name == "ready":
                        down: List[str] = [n for n, up in web.links().items() if not up]
                        if down:
                            self._send(503, ("not ready: links down: " + ", ".join(down) + "\n").encode())
                        else:
                            self._send(200, b"ok\n")
                    elif name == "info":
                        active, every = web.collectors()
                        body = {"active_collectors": list(active), "all_collectors": list(every)}
                        self._send(200, json.dumps(body).encode(), "application/json")
                    elif name == "metrics":
                        self._send(200, web.metrics.render(), CONTENT_TYPE_LATEST)
                    else:
                        self._send(404, b"not found\n")
                except Exception as ex:  # never let a probe kill the thread silently
                    log.exception("web: %s failed", self.path)
                    self._send(500, f"error: {ex}\n".encode())

            def _not_allowed(self) -> None:
                self._send(405, b"method not allowed\n", headers={"Allow": "GET, HEAD"})

            do_HEAD = do_GET  # _send leaves the body out
            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

        return Handler
