"""Sending graphs to the core (protocol memo §4): create the graph, register the model, stream merge
uploads with retries.

The model goes up with ``PATCH /graph/G/model``, which merges, rather than the reference's PUT, which
replaces: a PUT from a worker with fewer collectors would delete the kinds other workers registered,
and a GET-merge-PUT would race with them. PATCH is one atomic request on the core's side.

Uploads go with ``wait_for_result=true`` by default, so a merge the core rejects is an error we report
(the reference sends ``false`` and never hears of them). A failed attempt is retried as
``worker.core.api`` says (``Retry``, ``retryable``), re-reading the spool files from the start; a 400
(the core rejected the content) is not retried, except for a conflicting merge in progress.

Every wait is bounded: connecting and sending the data by ``core_timeout`` (a core that stops reading
fails the attempt), the answer by ``graph_timeout``, all attempts and pauses together by
``upload_retry_budget``. When the worker stops, no further attempt is made and a pause ends at once.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

import requests

from worker.core.api import CoreApi, Retry
from worker.core.client import CoreClient
from worker.core.errors import CoreGaveUp, CoreRejected, CoreUnauthorized, CoreUnreachable
from worker.metrics import METRICS

log = logging.getLogger(__name__)

Json = Dict[str, Any]


class UploadFailed(Exception):
    pass


@dataclass
class UploadResult:
    status: int
    counts: Optional[Dict[str, Any]]
    attempts: int


class CoreGraph:
    """One graph in the core, with the upload settings of a ``resotoworker`` section. ``stopping``
    ends every retry (the daemon's shutdown)."""

    def __init__(self, client: CoreClient, settings: Json, stopping: Optional[threading.Event] = None) -> None:
        self.client = client
        self.api = CoreApi(client)
        self.graph = settings["graph"]
        self.stopping = stopping or threading.Event()
        self.retry = Retry(settings["upload_attempts"], settings["upload_retry_max_wait"],
                           settings["upload_retry_budget"], self.stopping)

    def _call(self, call: str, what: str, send: Callable[[float], requests.Response]) -> requests.Response:
        """``send(left)`` with retries; ``call`` names the kind of request in the metrics."""
        def attempt(left: float) -> requests.Response:
            try:
                response = send(left)
            except (CoreUnreachable, CoreRejected):
                METRICS.upload_attempt(call, ok=False)
                raise
            METRICS.upload_attempt(call, ok=True)
            return response

        try:
            return self.retry.run(what, attempt)
        except CoreUnauthorized:
            raise  # stops the worker: no upload can succeed
        except (CoreGaveUp, CoreRejected) as ex:
            raise UploadFailed(str(ex)) from None

    def prepare(self, model: List[Dict[str, Any]]) -> None:
        """Create the graph (idempotent) and merge our kinds into its model."""
        what = f"creating graph {self.graph}"
        self._call("graph", what, lambda left: self.api.create_graph(what, self.graph))
        what = f"updating the model of graph {self.graph}"
        self._call("model", what, lambda left: self.api.update_model(what, self.graph, model,
                                                                     self.client.graph_work(at_most=left)))
        log.info("graph %s ready, model with %d kinds registered", self.graph, len(model))

    def merge(self, what: str, body: Callable[[], Iterable[bytes]], nodes: int, edges: int,
              task_id: Optional[str], wait_for_result: bool) -> UploadResult:
        headers = {"Resoto-Worker-Nodes": str(nodes), "Resoto-Worker-Edges": str(edges)}
        if task_id:
            headers["Resoto-Worker-Task-Id"] = task_id
        what = f"uploading {what}"
        tries = {"n": 0}

        def send(left: float) -> requests.Response:
            tries["n"] += 1
            return self.api.merge(what, self.graph, self._until_stopped(body()), headers, wait_for_result,
                                  self.client.graph_work(at_most=left))

        response = self._call("merge", what, send)
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
