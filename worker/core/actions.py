"""The action link (protocol memo §2): subscribe ``<SID>-collector`` to its actions before every connect,
hold ``/subscriber/<SID>-collector/handle`` open, run each action once per ``task:step`` and answer it
exactly once with ``action_done`` or ``action_error``.

Replies are never dropped: they wait in an outbox until a socket is up. Feedback (progress, info) waits
too, in a bounded buffer. Everything sent is checked against the frame rules the core enforces (a bad
frame makes the core hang up)."""
from __future__ import annotations

import collections
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from worker import logs
from worker.core.client import CoreClient
from worker.core.frames import FrameError, check_outgoing, info_frame, progress_frame, reply_frame
from worker.core.link import Link, LinkDown

log = logging.getLogger(__name__)

# handler(message_type, data, feedback) -> None on success, or an error text
ActionHandler = Callable[[str, Dict[str, Any], "Feedback"], Optional[str]]

FEEDBACK_BUFFER = 5000
DONE_MEMORY = 1000


class Feedback:
    """What an action handler uses to tell the core how it is going."""

    def __init__(self, link: "ActionLink", message_type: str, data: Dict[str, Any]) -> None:
        self.link = link
        self.message_type = message_type
        self.task = data.get("task", "")
        self.step = data.get("step", "")

    def info(self, level: str, message: str, context: Tuple[str, ...] = ()) -> None:
        self.link.send_feedback(info_frame(self.message_type, self.task, self.step, level, message, context))

    def error(self, message: str, context: Tuple[str, ...] = ()) -> None:
        self.info("error", message, context)

    def progress(self, progress: Dict[str, Any]) -> None:
        self.link.send_feedback(progress_frame(self.message_type, self.task, self.step, progress))


class ActionLink(Link):
    def __init__(self, client: CoreClient, subscriber_id: str, handlers: Dict[str, ActionHandler],
                 timeout: Callable[[], int], pool_size: int = 5) -> None:
        super().__init__(client, name="actions")
        self.subscriber = f"{subscriber_id}-collector"
        self.path = f"/subscriber/{self.subscriber}/handle"
        self.handlers = dict(handlers)
        self.timeout = timeout
        self.pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="action")
        self._lock = threading.Lock()
        self._running: Dict[str, Dict[str, Any]] = {}
        self._done: "collections.OrderedDict[str, Dict[str, Any]]" = collections.OrderedDict()
        self._replies: Deque[Dict[str, Any]] = collections.deque()
        self._feedback: Deque[Dict[str, Any]] = collections.deque(maxlen=FEEDBACK_BUFFER)
        self._wake = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name="actions-sender", daemon=True)
        self.abort_requested: set = set()
        self.accepting = True  # False while shutting down: new actions are refused, not started

    def start(self) -> None:
        self._sender.start()
        super().start()

    # ---- subscriptions ---------------------------------------------------------------------------

    def before_connect(self) -> None:
        for action in list(self.handlers):  # the config listener may add or drop one meanwhile
            try:
                response = self.client.request(
                    "POST", f"/subscriber/{self.subscriber}/{action}",
                    params={"timeout": str(int(self.timeout())), "wait_for_completion": "true"},
                    headers={"Accept": "application/json"})
            except Exception as ex:
                raise LinkDown(f"subscribing to {action} failed: {ex}") from None
            if response.status_code != 200:
                raise LinkDown(f"subscribing to {action} failed: {response.status_code} {response.text[:200]}")

    def unsubscribe(self) -> None:
        """Remove our subscriptions so the core stops waiting for a worker that is gone."""
        for action in list(self.handlers):  # the config listener may add or drop one meanwhile
            try:
                response = self.client.request("DELETE", f"/subscriber/{self.subscriber}/{action}", timeout=5)
                if response.status_code not in (200, 204, 404):
                    log.warning("unsubscribing %s: core answered %s", action, response.status_code)
            except Exception as ex:
                log.warning("unsubscribing %s failed: %s", action, ex)

    # ---- incoming --------------------------------------------------------------------------------

    def on_open(self, first: bool) -> None:
        self._wake.set()

    def on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
            log.warning("actions: ignored a malformed frame (not an object with data): %.300r", message)
            return
        kind = message.get("kind")
        message_type = message.get("message_type")
        data = message["data"]
        if kind == "action_abort":
            log.warning("actions: the core asked to abort %s %s:%s; the running step will finish and reply",
                        message_type, data.get("task"), data.get("step"))
            self.abort_requested.add(f"{data.get('task')}:{data.get('step')}")
            return
        if kind != "action":
            log.warning("actions: ignored a frame of unknown kind %r", kind)
            return
        task, step = data.get("task"), data.get("step")
        if not isinstance(task, str) or not isinstance(step, str) or not task or not step:
            log.warning("actions: ignored an action without task and step: %.300r", message)
            return
        if not isinstance(message_type, str):
            self._queue_reply(reply_frame("action_error", str(message_type), data, "action without message_type"))
            return
        key = f"{task}:{step}"
        with self._lock:
            if key in self._running:
                log.info("actions: %s %s is already running; the core re-sent it after a reconnect", message_type, key)
                return
            if key in self._done:
                log.info("actions: %s %s was already answered; sending the answer again", message_type, key)
                self._replies.append(self._done[key])
                self._wake.set()
                return
            self._running[key] = data
        handler = self.handlers.get(message_type)
        if not self.accepting:
            self._finish(key, message_type, data, "the worker is shutting down")
            return
        if handler is None:
            self._finish(key, message_type, data, f"Unknown message type {message_type}")
            return
        log.info("actions: %s %s started", message_type, key)
        self.pool.submit(self._run, key, message_type, data, handler)

    def _run(self, key: str, message_type: str, data: Dict[str, Any], handler: ActionHandler) -> None:
        try:
            with logs.context(task=data.get("task"), step=data.get("step")):
                error = handler(message_type, data, Feedback(self, message_type, data))
        except Exception as ex:  # the handler's bug is this action's failure, not the link's
            log.exception("actions: %s %s failed", message_type, key)
            error = f"{type(ex).__name__}: {ex}"
        self._finish(key, message_type, data, error)

    def _finish(self, key: str, message_type: str, data: Dict[str, Any], error: Optional[str]) -> None:
        frame = reply_frame("action_error" if error else "action_done", message_type, data, error)
        with self._lock:
            self._running.pop(key, None)
            self._done[key] = frame
            while len(self._done) > DONE_MEMORY:
                self._done.popitem(last=False)
        log.info("actions: %s %s %s%s", message_type, key, "failed: " if error else "done", error or "")
        self._queue_reply(frame)

    # ---- outgoing --------------------------------------------------------------------------------

    def _queue_reply(self, frame: Dict[str, Any]) -> None:
        with self._lock:
            self._replies.append(frame)
        self._wake.set()

    def send_feedback(self, frame: Dict[str, Any]) -> None:
        try:
            check_outgoing(frame)
        except FrameError as ex:
            log.warning("actions: not sending a malformed %s frame: %s", frame.get("kind"), ex)
            return
        with self._lock:
            self._feedback.append(frame)
        self._wake.set()

    def pending_replies(self) -> List[Dict[str, Any]]:
        with self._lock:
            return list(self._replies)

    def running(self) -> List[str]:
        with self._lock:
            return list(self._running)

    def _send_loop(self) -> None:
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            if not self.connected.is_set():
                if self.stopping.is_set():
                    return
                continue
            # feedback first: a reply ends the step, and progress after it is dropped by the core
            for queue in (self._feedback, self._replies):
                while True:
                    with self._lock:
                        if not queue:
                            break
                        frame = queue[0]
                    if not self.send(frame):
                        break
                    with self._lock:
                        if queue and queue[0] is frame:
                            queue.popleft()
            if self.stopping.is_set() and not self._replies:
                return

    def drain(self, timeout: float) -> bool:
        """Wait until every reply went out (at shutdown); False if some are still queued."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._replies:
                    return True
            self._wake.set()
            time.sleep(0.05)
        with self._lock:
            return not self._replies
