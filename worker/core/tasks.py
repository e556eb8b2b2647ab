"""The work-queue link (protocol memo §3): register our task handlers as the first frame of every
connection, run tasks in a bounded pool and answer each one exactly once — with an ``error`` result
when nobody here can handle it (the reference stays silent and lets the core time out).

A task belongs to the connection it came on: the core takes its answer only there, and fails it when
that connection closes. So a task whose connection closed before it started is not run (the core has
failed it already: running it would do what the user was told failed). Handlers change when a shard's
accounts do (``refresh``), and the core reads them only as a connection's first frame: registering anew
means a new connection. The old one is closed only once none of its tasks is unanswered; a task the core
sends in the moment between that and the close (one round trip) is not run and the core fails it, the
user sees the error. While we reconnect, the core routes our accounts' tasks to another worker's
broader filter, or holds them until we are back: none is lost, none done twice.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional

from worker.core.client import CoreClient
from worker.core.frames import FrameError
from worker.core.link import Link, LinkDown
from worker.threads import DaemonPool

log = logging.getLogger(__name__)

# runner(task_name, attrs, data) -> result data; raises to answer with an error
TaskRunner = Callable[[str, Dict[str, Any], Dict[str, Any]], Any]

# how long a re-registration waits for the old connection's tasks: the core itself gives up on a tag
# task after 30 s and on an execute-task after 10 s, after which their answers no longer count
DRAIN_MAX = 40.0


def tag_handler(cloud: Optional[str], accounts: Optional[Iterable[str]] = None) -> Dict[str, Any]:
    """The ``tag`` handler for one cloud (and, for a shard, its accounts: the core routes a task to the
    filter with the most keys that matches); ``None``: for every cloud (an empty filter)."""
    flt: Dict[str, List[str]] = {"cloud": [cloud]} if cloud else {}
    if cloud and accounts is not None:
        flt["account"] = sorted(accounts)
    return {"name": "tag", "info": "already provided", "description": "already provided",
            "filter": flt, "expect_node_result": True, "args_description": {}, "allowed_on_kind": None}


class TaskLink(Link):
    path = "/work/queue"

    def __init__(self, client: CoreClient, handlers: Callable[[], List[Dict[str, Any]]], runner: TaskRunner,
                 pool_size: int = 20) -> None:
        super().__init__(client, name="tasks")
        self.handlers = handlers
        self.runner = runner
        self.pool = DaemonPool(pool_size, "task")
        self._lock = threading.Lock()
        self._registered: Optional[List[Dict[str, Any]]] = None  # what this connection registered
        self._in_flight: Dict[str, int] = {}  # task id -> the connection (Link.connects) it came on
        self._closing = False  # closing to register anew: tasks that still come are not run
        self._registering = False

    def before_connect(self) -> None:
        if not self.handlers():
            # the core closes a work-queue socket that registers nothing; wait instead of spinning
            raise LinkDown("no task handlers to register (no collector active)")

    def on_open(self, first: bool) -> None:
        handlers = self.handlers()
        with self._lock:
            self._registered, self._closing = handlers, False
        self.send(handlers)

    def on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("task_id"), str):
            log.warning("tasks: ignored a malformed task frame: %.300r", message)
            return
        task_id = message["task_id"]
        name = message.get("task_name")
        attrs = message.get("attrs") if isinstance(message.get("attrs"), dict) else {}
        data = message.get("data") if isinstance(message.get("data"), dict) else {}
        with self._lock:
            if self._closing:
                log.warning("tasks: %s %s came while this connection closes to register anew: not run (the core "
                            "fails it when the connection closes)", name, task_id)
                return
            self._in_flight[task_id] = self.connects
        self.pool.submit(self._run, task_id, str(name), attrs, data)

    def _run(self, task_id: str, name: str, attrs: Dict[str, Any], data: Dict[str, Any]) -> None:
        try:
            with self._lock:
                came_on = self._in_flight[task_id]
            if came_on != self.connects or not self.connected.is_set():
                log.warning("tasks: %s %s not run: its connection closed before it started (the core failed it)",
                            name, task_id)
                return
            self._answer(task_id, name, attrs, data)
        finally:
            with self._lock:
                self._in_flight.pop(task_id, None)

    def _answer(self, task_id: str, name: str, attrs: Dict[str, Any], data: Dict[str, Any]) -> None:
        try:
            result = {"task_id": task_id, "result": "done", "data": self.runner(name, attrs, data)}
            log.info("tasks: %s %s done", name, task_id)
        except Exception as ex:
            log.warning("tasks: %s %s failed: %s", name, task_id, ex)
            result = {"task_id": task_id, "result": "error", "error": str(ex) or type(ex).__name__}
        try:
            sent = self.send(result)
        except FrameError as ex:
            log.error("tasks: the result of %s %s is %s; answering with an error", name, task_id, ex)
            sent = self.send({"task_id": task_id, "result": "error", "error": f"the result is too large to send: {ex}"})
        if not sent:
            log.error("tasks: could not answer %s %s: the work-queue socket is down (the core fails the "
                      "task on disconnect)", name, task_id)

    # ---- registering anew ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Register the handlers anew if they changed since this connection registered them."""
        with self._lock:
            if self._registering or self._registered is None or self.handlers() == self._registered:
                return
            self._registering = True
        threading.Thread(target=self._register_anew, name="tasks-register", daemon=True).start()

    def _register_anew(self) -> None:
        try:
            deadline = time.monotonic() + DRAIN_MAX
            while True:
                with self._lock:
                    if not self._in_flight:
                        self._closing = True  # from here on nothing more is run on this connection
                        break
                if time.monotonic() > deadline or self.stopping.wait(0.05):
                    log.warning("tasks: not registering the changed handlers yet: tasks of this connection are "
                                "still unanswered after %.0f s (the next change tries again)", DRAIN_MAX)
                    return
            log.info("tasks: handlers changed; registering them on a new connection")
            self.reconnect()  # nothing open: the next connection registers them (and clears _closing)
        finally:
            with self._lock:
                self._registering = False
