"""The work-queue link (protocol memo §3): register our task handlers as the first frame of every
connection, run tasks in a bounded pool and answer each one exactly once — with an ``error`` result
when nobody here can handle it (the reference stays silent and lets the core time out)."""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from worker.core.client import CoreClient
from worker.core.frames import FrameError
from worker.core.link import Link, LinkDown
from worker.threads import DaemonPool

log = logging.getLogger(__name__)

# runner(task_name, attrs, data) -> result data; raises to answer with an error
TaskRunner = Callable[[str, Dict[str, Any], Dict[str, Any]], Any]


def tag_handler(cloud: Optional[str]) -> Dict[str, Any]:
    """The ``tag`` handler for one cloud; ``None``: for every cloud (an empty filter)."""
    return {"name": "tag", "info": "already provided", "description": "already provided",
            "filter": {"cloud": [cloud]} if cloud else {}, "expect_node_result": True, "args_description": {},
            "allowed_on_kind": None}


class TaskLink(Link):
    path = "/work/queue"

    def __init__(self, client: CoreClient, handlers: Callable[[], List[Dict[str, Any]]], runner: TaskRunner,
                 pool_size: int = 20) -> None:
        super().__init__(client, name="tasks")
        self.handlers = handlers
        self.runner = runner
        self.pool = DaemonPool(pool_size, "task")

    def before_connect(self) -> None:
        if not self.handlers():
            # the core closes a work-queue socket that registers nothing; wait instead of spinning
            raise LinkDown("no task handlers to register (no collector active)")

    def on_open(self, first: bool) -> None:
        self.send(self.handlers())

    def on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("task_id"), str):
            log.warning("tasks: ignored a malformed task frame: %.300r", message)
            return
        task_id = message["task_id"]
        name = message.get("task_name")
        attrs = message.get("attrs") if isinstance(message.get("attrs"), dict) else {}
        data = message.get("data") if isinstance(message.get("data"), dict) else {}
        self.pool.submit(self._run, task_id, str(name), attrs, data)

    def _run(self, task_id: str, name: str, attrs: Dict[str, Any], data: Dict[str, Any]) -> None:
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
