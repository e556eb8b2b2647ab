"""HTTP access to the core: base URL, token, TLS settings, one keep-alive session."""
from __future__ import annotations

import argparse
import logging
import ssl
import threading
import time
from typing import Any, Dict, Optional, Tuple, Union

import requests
import urllib3

from worker.core import tls
from worker.core.errors import FatalError
from worker.core.tokens import TokenCache

log = logging.getLogger(__name__)


class CoreClient:
    def __init__(self, url: str, psk: Optional[str] = None, verify: Union[bool, str] = True,
                 timeout: float = 30, graph_timeout: float = 600) -> None:
        self.url = url.rstrip("/")
        self.ws_url = "ws" + self.url[4:] if self.url.startswith("http") else self.url
        self.tokens = TokenCache(psk)
        self.verify = verify
        self.timeout = timeout  # connect, handshakes, sending, the answer to a plain request
        self.graph_timeout = graph_timeout  # the answer to graph work
        self._local = threading.local()  # requests sessions are not thread-safe: one per thread

    @property
    def tls(self) -> bool:
        return self.url.startswith("https://")

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def use_bounds(self, worker: Dict[str, Any]) -> None:
        """The waits for the core, from a ``resotoworker`` section (at start and after every change)."""
        self.timeout = worker["core_timeout"]
        self.graph_timeout = worker["graph_timeout"]

    def graph_work(self, at_most: Optional[float] = None) -> Tuple[float, float]:
        """requests' timeout for graph work: connecting and sending like any request, the answer
        graph_timeout (or ``at_most``, if less)."""
        return self.timeout, self.graph_timeout if at_most is None else min(self.graph_timeout, at_most)

    def auth_header(self) -> Dict[str, str]:
        return self.tokens.header()

    def request(self, method: str, path: str, *, headers: Optional[Dict[str, str]] = None,
                timeout: Union[None, float, Tuple[float, float]] = None, **kw: Any) -> requests.Response:
        all_headers = dict(headers or {})
        all_headers.update(self.auth_header())
        return self.session.request(method, self.url + path, headers=all_headers, verify=self.verify,
                                    timeout=timeout or self.timeout, **kw)

    def sslopt(self) -> Dict[str, Any]:
        """websocket-client TLS options matching the HTTP settings."""
        if not self.tls:
            return {}
        if self.verify is False:
            return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
        if isinstance(self.verify, str):
            return {"ca_certs": self.verify}
        return {}

    def wait_ready(self, max_wait: float = 300, interval: float = 2, stop: Optional[threading.Event] = None) -> None:
        """Poll ``/system/ready`` (no auth, no verification: the CA is not known yet) until it answers
        200, at most ``max_wait`` seconds."""
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # no CA yet: unverified on purpose
        deadline = time.monotonic() + max_wait
        last = "no answer yet"
        announced = False
        while True:
            try:
                response = requests.get(self.url + "/system/ready", verify=False, timeout=5)
                if response.status_code == 200:
                    return
                last = f"status {response.status_code}"
            except requests.RequestException as ex:
                last = str(ex)
            if not announced:
                log.info("waiting for the core at %s to be ready (%s)", self.url, last)
                announced = True
            if time.monotonic() + interval > deadline or (stop is not None and stop.wait(interval)):
                raise FatalError(f"the core at {self.url} did not become ready within {max_wait:.0f} s "
                                 f"(last: {last})")
            if stop is None:
                time.sleep(interval)


def connect(args: argparse.Namespace, stop: Optional[threading.Event] = None) -> CoreClient:
    """Wait for the core, then set up TLS the way the core expects (protocol memo §1.2, §1.4)."""
    url = args.resotocore_uri.rstrip("/")
    probe = CoreClient(url, args.psk, verify=False)
    probe.wait_ready(max_wait=args.ready_timeout, stop=stop)
    if not url.startswith("https://"):
        return CoreClient(url, args.psk)
    if args.no_verify_certs:
        log.warning("--no-verify-certs: the core's certificate is not checked")
        return CoreClient(url, args.psk, verify=False)
    ca_pem = tls.load_ca_file(args.ca_cert) if args.ca_cert else tls.fetch_ca(url, args.psk)
    return CoreClient(url, args.psk, verify=tls.write_bundle(ca_pem))
