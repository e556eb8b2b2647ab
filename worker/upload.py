"""Sending graphs to the core (protocol memo §4): create the graph, register the model, stream merge
uploads with retries.

The model goes up with ``PATCH /graph/G/model``, which merges, rather than the reference's PUT, which
replaces: a PUT from a worker with fewer collectors would delete the kinds other workers registered,
and a GET-merge-PUT would race with them. PATCH is one atomic request on the core's side.

Uploads go with ``wait_for_result=true`` by default, so a merge the core rejects is an error we report
(the reference sends ``false`` and never hears of them). A failed attempt is retried with jittered
exponential backoff, re-reading the spool files from the start; a 400 (the core rejected the content)
is not retried, except for a conflicting merge in progress, which clears by itself.

Every wait is bounded: connecting and sending the data by ``core_timeout`` (a core that stops reading
fails the attempt), the answer by ``graph_timeout``, all attempts and pauses together by
``upload_retry_budget``. When the worker stops, no further attempt is made and a pause ends at once.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import requests
import tenacity

from worker.core.client import CoreClient
from worker.core.errors import CoreRejected
from worker.metrics import METRICS

log = logging.getLogger(__name__)

Json = Dict[str, Any]
# send(timeout) makes one attempt; timeout is requests' (connect and send, answer)
Send = Callable[[Tuple[float, float]], requests.Response]


class UploadFailed(Exception):
    pass


class _Retryable(Exception):
    pass


@dataclass
class UploadResult:
    status: int
    counts: Optional[Dict[str, Any]]
    attempts: int


class CoreGraph:
    """One graph in the core, with the upload settings of a ``resotoworker`` section. ``stopping``
    ends every retry (the daemon's shutdown)."""

    def __init__(self, client: CoreClient, worker: Json, stopping: Optional[threading.Event] = None) -> None:
        self.client = client
        self.graph = worker["graph"]
        self.attempts = worker["upload_attempts"]
        self.max_wait = worker["upload_retry_max_wait"]
        self.budget = worker["upload_retry_budget"]
        self.stopping = stopping or threading.Event()

    def _call(self, call: str, what: str, send: Send, ok: Iterable[int] = (200,)) -> requests.Response:
        """``send`` with retries; ``call`` names the kind of request in the metrics."""
        deadline = time.monotonic() + self.budget
        last = ["no attempt made"]

        def once() -> requests.Response:
            if self.stopping.is_set():
                raise UploadFailed(f"{what}: stopped, the worker is shutting down (last: {last[0]})")
            left = deadline - time.monotonic()
            if left <= 0:
                raise UploadFailed(f"{what}: no attempt left within {self.budget:g} s "
                                   f"(resotoworker.upload_retry_budget); last: {last[0]}")
            try:
                response = send(self.client.graph_work(at_most=left))
            except requests.RequestException as ex:
                METRICS.upload_attempt(call, ok=False)
                last[0] = f"{type(ex).__name__}: {ex}"
                raise _Retryable(last[0]) from None
            METRICS.upload_attempt(call, ok=response.status_code in ok)
            if response.status_code in ok:
                return response
            if response.status_code >= 500 or response.status_code == 429 or \
                    "ConflictingChangeInProgress" in response.text:
                last[0] = f"core answered {response.status_code}: {response.text.strip()[:300]}"
                raise _Retryable(last[0])
            self.client.expect(response, what, *ok)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(1, self.attempts)),
            wait=tenacity.wait_exponential_jitter(initial=1, max=self.max_wait),
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self.stopping.wait,  # a shutdown ends the pause at once
            before_sleep=lambda s: log.warning("%s: attempt %d failed (%s); retrying", what, s.attempt_number,
                                               s.outcome.exception() if s.outcome else "?"),
            reraise=True,
        )
        try:
            return retrying(once)
        except _Retryable as ex:
            raise UploadFailed(f"{what}: {ex} (after {self.attempts} attempts)") from None
        except CoreRejected as ex:
            raise UploadFailed(str(ex)) from None

    def prepare(self, model: List[Dict[str, Any]]) -> None:
        """Create the graph (idempotent) and merge our kinds into its model."""
        self._call("graph", f"creating graph {self.graph}", lambda timeout: self.client.request(
            "POST", f"/graph/{self.graph}", headers={"Accept": "application/json", "Content-Type": "application/json"}))
        self._call("model", f"updating the model of graph {self.graph}", lambda timeout: self.client.request(
            "PATCH", f"/graph/{self.graph}/model", json=model, headers={"Accept": "application/json"},
            timeout=timeout))
        log.info("graph %s ready, model with %d kinds registered", self.graph, len(model))

    def merge(self, what: str, body: Callable[[], Iterable[bytes]], nodes: int, edges: int,
              task_id: Optional[str], wait_for_result: bool) -> UploadResult:
        headers = {"Content-Type": "application/x-ndjson", "Accept": "application/json",
                   "Resoto-Worker-Nodes": str(nodes), "Resoto-Worker-Edges": str(edges)}
        if task_id:
            headers["Resoto-Worker-Task-Id"] = task_id
        params = {"wait_for_result": "true" if wait_for_result else "false"}
        tries = {"n": 0}

        def send(timeout: Tuple[float, float]) -> requests.Response:
            tries["n"] += 1
            return self.client.request("POST", f"/graph/{self.graph}/merge", params=params, headers=headers,
                                       data=self._until_stopped(body()), timeout=timeout)

        response = self._call("merge", f"uploading {what}", send, ok=(200, 204))
        counts = None
        if response.status_code == 200:
            try:
                counts = response.json()
            except ValueError:
                counts = None
        return UploadResult(response.status_code, counts, tries["n"])

    def _until_stopped(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The body, cut off when the worker stops (the core drops a merge whose body breaks off)."""
        for chunk in chunks:
            if self.stopping.is_set():
                raise UploadFailed("stopped while sending, the worker is shutting down")
            yield chunk
