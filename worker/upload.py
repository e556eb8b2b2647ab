"""Sending graphs to the core (protocol memo §4): create the graph, register the model, stream merge
uploads with retries.

The model goes up with ``PATCH /graph/G/model``, which merges, rather than the reference's PUT, which
replaces: a PUT from a worker with fewer collectors would delete the kinds other workers registered,
and a GET-merge-PUT would race with them. PATCH is one atomic request on the core's side.

Uploads go with ``wait_for_result=true`` by default, so a merge the core rejects is an error we report
(the reference sends ``false`` and never hears of them). A failed attempt is retried with jittered
exponential backoff, re-reading the spool files from the start; a 400 (the core rejected the content)
is not retried, except for a conflicting merge in progress, which clears by itself.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

import requests
import tenacity

from worker.core.client import CoreClient
from worker.core.errors import CoreRejected

log = logging.getLogger(__name__)


class UploadFailed(Exception):
    pass


class _Retryable(Exception):
    pass


@dataclass
class UploadResult:
    status: int
    counts: Optional[Dict[str, Any]]
    attempts: int


def _retrying(attempts: int, max_wait: float, what: str) -> tenacity.Retrying:
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, attempts)),
        wait=tenacity.wait_exponential_jitter(initial=1, max=max_wait),
        retry=tenacity.retry_if_exception_type(_Retryable),
        before_sleep=lambda s: log.warning("%s: attempt %d failed (%s); retrying", what, s.attempt_number,
                                           s.outcome.exception() if s.outcome else "?"),
        reraise=True,
    )


class CoreGraph:
    def __init__(self, client: CoreClient, graph: str, attempts: int = 3, max_wait: float = 30) -> None:
        self.client = client
        self.graph = graph
        self.attempts = attempts
        self.max_wait = max_wait

    def _call(self, what: str, send: Callable[[], requests.Response], ok: Iterable[int] = (200,)) -> requests.Response:
        def once() -> requests.Response:
            try:
                response = send()
            except requests.RequestException as ex:
                raise _Retryable(f"{type(ex).__name__}: {ex}") from None
            if response.status_code in ok:
                return response
            if response.status_code >= 500 or response.status_code == 429 or \
                    "ConflictingChangeInProgress" in response.text:
                raise _Retryable(f"core answered {response.status_code}: {response.text.strip()[:300]}")
            self.client.expect(response, what, *ok)
            return response

        try:
            return _retrying(self.attempts, self.max_wait, what)(once)
        except _Retryable as ex:
            raise UploadFailed(f"{what}: {ex} (after {self.attempts} attempts)") from None
        except CoreRejected as ex:
            raise UploadFailed(str(ex)) from None

    def prepare(self, model: List[Dict[str, Any]]) -> None:
        """Create the graph (idempotent) and merge our kinds into its model."""
        self._call(f"creating graph {self.graph}", lambda: self.client.request(
            "POST", f"/graph/{self.graph}", headers={"Accept": "application/json", "Content-Type": "application/json"}))
        self._call(f"updating the model of graph {self.graph}", lambda: self.client.request(
            "PATCH", f"/graph/{self.graph}/model", json=model, headers={"Accept": "application/json"}))
        log.info("graph %s ready, model with %d kinds registered", self.graph, len(model))

    def merge(self, what: str, body: Callable[[], Iterable[bytes]], nodes: int, edges: int,
              task_id: Optional[str], wait_for_result: bool) -> UploadResult:
        headers = {"Content-Type": "application/x-ndjson", "Accept": "application/json",
                   "Resoto-Worker-Nodes": str(nodes), "Resoto-Worker-Edges": str(edges)}
        if task_id:
            headers["Resoto-Worker-Task-Id"] = task_id
        params = {"wait_for_result": "true" if wait_for_result else "false"}
        tries = {"n": 0}

        def send() -> requests.Response:
            tries["n"] += 1
            return self.client.request("POST", f"/graph/{self.graph}/merge", params=params, headers=headers,
                                       data=iter(body()), timeout=3600)

        response = self._call(f"uploading {what}", send, ok=(200, 204))
        counts = None
        if response.status_code == 200:
            try:
                counts = response.json()
            except ValueError:
                counts = None
        return UploadResult(response.status_code, counts, tries["n"])
