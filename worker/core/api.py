"""The core's REST endpoints the worker calls, each in one place, with one response policy.

An answer outside the statuses a call expects raises ``CoreRejected`` (``CoreUnauthorized`` for a 401:
the core does not take our token, so nothing that follows can succeed), no answer ``CoreUnreachable``;
both are ``CoreError``s. Which of them clear by themselves (``retryable``) is said here too, and
``Retry`` is the one way of trying again: jittered exponential backoff within a time budget, ended at
once when the worker stops.

The websocket paths are the links' (``worker.core.link`` and its subclasses); the two requests made
before a token or the CA are known (``/system/ready``, ``/ca/cert``) are ``CoreClient.wait_ready`` and
``worker.core.tls``'s.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, TypeVar, Union

import requests
import tenacity

from worker.core.client import CoreClient
from worker.core.errors import CoreError, CoreGaveUp, CoreRejected, CoreUnauthorized, CoreUnreachable

log = logging.getLogger(__name__)

Json = Dict[str, Any]
Timeout = Union[None, float, Tuple[float, float]]
T = TypeVar("T")

JSON_ANSWER = {"Accept": "application/json"}
NDJSON_ANSWER = {"Accept": "application/x-ndjson"}


def retryable(error: CoreError) -> bool:
    """Whether trying again may succeed: no answer, the core overloaded or failing, or a merge that
    conflicts with one in progress (it clears by itself). Anything else the core rejected stays rejected."""
    if isinstance(error, CoreUnreachable):
        return True
    if isinstance(error, CoreRejected):
        return error.status >= 500 or error.status == 429 or "ConflictingChangeInProgress" in error.body
    return False


def _last(error: CoreError) -> str:
    if isinstance(error, CoreUnreachable):
        return f"{type(error.cause).__name__}: {error.cause}"
    if isinstance(error, CoreRejected):
        return f"core answered {error.status}: {error.body.strip()[:300]}"
    return str(error)


class _Again(Exception):
    pass


class Retry:
    """Up to ``attempts`` attempts, paused with jittered exponential backoff (at most ``max_wait``), all
    within ``budget`` seconds; ``stopping`` ends the attempts, and a pause, at once."""

    def __init__(self, attempts: int, max_wait: float, budget: float, stopping: threading.Event) -> None:
        self.attempts = max(1, attempts)
        self.max_wait = max_wait
        self.budget = budget
        self.stopping = stopping

    def run(self, what: str, attempt: Callable[[float], T]) -> T:
        """``attempt(left)``, ``left`` being the seconds of the budget still there, until it returns or
        fails for good: a ``CoreError`` that is not ``retryable`` as it is, ``CoreGaveUp`` otherwise."""
        deadline = time.monotonic() + self.budget
        last = ["no attempt made"]

        def once() -> T:
            if self.stopping.is_set():
                raise CoreGaveUp(f"{what}: stopped, the worker is shutting down (last: {last[0]})")
            left = deadline - time.monotonic()
            if left <= 0:
                raise CoreGaveUp(f"{what}: no attempt left within {self.budget:g} s "
                                 f"(resotoworker.upload_retry_budget); last: {last[0]}")
            try:
                return attempt(left)
            except CoreError as ex:
                if not retryable(ex):
                    raise
                last[0] = _last(ex)
                raise _Again(last[0]) from None

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_exponential_jitter(initial=1, max=self.max_wait),
            retry=tenacity.retry_if_exception_type(_Again),
            sleep=self.stopping.wait,  # a shutdown ends the pause at once
            before_sleep=lambda s: log.warning("%s: attempt %d failed (%s); retrying", what, s.attempt_number,
                                               s.outcome.exception() if s.outcome else "?"),
            reraise=True,
        )
        try:
            return retrying(once)
        except _Again as ex:
            raise CoreGaveUp(f"{what}: {ex} (after {self.attempts} attempts)") from None


class CoreApi:
    """The REST calls, one attempt each. ``what`` (where a call takes it) names the request in its errors."""

    def __init__(self, client: CoreClient) -> None:
        self.client = client

    def call(self, what: str, method: str, path: str, ok: Iterable[int] = (200,), **kw: Any) -> requests.Response:
        try:
            response = self.client.request(method, path, **kw)
        except requests.RequestException as ex:
            raise CoreUnreachable(what, ex) from None
        if response.status_code in ok:
            return response
        if response.status_code == 401:
            raise CoreUnauthorized(what, response.text)
        raise CoreRejected(what, response.status_code, response.text)

    # ---- graphs ----------------------------------------------------------------------------------

    def create_graph(self, what: str, graph: str) -> requests.Response:
        """Idempotent: an existing graph is kept."""
        return self.call(what, "POST", f"/graph/{graph}", headers={**JSON_ANSWER, "Content-Type": "application/json"})

    def update_model(self, what: str, graph: str, kinds: list, timeout: Timeout) -> requests.Response:
        """PATCH merges our kinds into the model (a PUT would drop other workers' kinds)."""
        return self.call(what, "PATCH", f"/graph/{graph}/model", json=kinds, headers=JSON_ANSWER, timeout=timeout)

    def merge(self, what: str, graph: str, body: Iterable[bytes], headers: Dict[str, str], wait_for_result: bool,
              timeout: Timeout) -> requests.Response:
        """A streamed merge upload; 204 when the core was told not to wait for the result."""
        params = {"wait_for_result": "true" if wait_for_result else "false"}
        return self.call(what, "POST", f"/graph/{graph}/merge", ok=(200, 204), params=params,
                         headers={"Content-Type": "application/x-ndjson", **JSON_ANSWER, **headers}, data=body,
                         timeout=timeout)

    def search_graph(self, what: str, graph: str, query: str) -> str:
        """The nodes and edges ``query`` finds, as ndjson text."""
        return self.call(what, "POST", f"/graph/{graph}/search/graph", params={"section": "reported"},
                         data=query.encode("utf-8"), headers={**NDJSON_ANSWER, "Content-Type": "text/plain"},
                         timeout=self.client.graph_work()).text

    def patch_nodes(self, what: str, graph: str, lines: bytes) -> None:
        self.call(what, "PATCH", f"/graph/{graph}/nodes", data=lines,
                  headers={"Content-Type": "application/x-ndjson", **NDJSON_ANSWER}, timeout=self.client.graph_work())

    def execute(self, what: str, graph: str, command: str) -> str:
        """A CLI command run by the core on ``graph``; its output as ndjson text."""
        return self.call(what, "POST", "/cli/execute", params={"graph": graph}, data=command.encode("utf-8"),
                         headers={"Content-Type": "text/plain", **NDJSON_ANSWER}, timeout=self.client.graph_work()).text

    # ---- subscriptions ---------------------------------------------------------------------------

    def subscribe(self, what: str, subscriber: str, action: str, timeout_s: int) -> None:
        """The core waits up to ``timeout_s`` for our answer to ``action``, and for it before going on."""
        self.call(what, "POST", f"/subscriber/{subscriber}/{action}",
                  params={"timeout": str(timeout_s), "wait_for_completion": "true"}, headers=JSON_ANSWER)

    def unsubscribe(self, what: str, subscriber: str, action: str, timeout: Optional[float] = None) -> None:
        """404: the core no longer had it, which is what was asked."""
        self.call(what, "DELETE", f"/subscriber/{subscriber}/{action}", ok=(200, 204, 404), timeout=timeout)

    def collect_subscribers(self) -> Any:
        """Who subscribes to ``collect`` now: the core's JSON answer (a list of subscribers)."""
        return self.call("listing the subscribers of collect", "GET", "/subscribers/for/collect",
                         headers=JSON_ANSWER).json()

    # ---- config ----------------------------------------------------------------------------------

    def get_config(self, what: str, config_id: str, params: Json) -> Optional[requests.Response]:
        """None when the core has no such config (404)."""
        try:
            return self.call(what, "GET", f"/config/{config_id}", params=params, headers=JSON_ANSWER)
        except CoreRejected as ex:
            if ex.status == 404:
                return None
            raise

    def update_config_model(self, what: str, model: Json) -> None:
        self.call(what, "PATCH", "/configs/model", json=model)

    def put_config(self, what: str, config_id: str, body: Json) -> requests.Response:
        return self.call(what, "PUT", f"/config/{config_id}", json=body)

    # ---- certificates ----------------------------------------------------------------------------

    def sign(self, what: str, csr_pem: bytes) -> bytes:
        """The certificate the core's CA signs for ``csr_pem``, PEM."""
        return self.call(what, "POST", "/ca/sign", data=csr_pem, headers={"Content-Type": "application/x-pem-file"}).content
