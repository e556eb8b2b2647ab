"""The action link (protocol memo §2): subscribe ``<SID>-collector`` to its actions before every connect,
hold ``/subscriber/<SID>-collector/handle`` open, run each action once per ``task:step`` and answer it
exactly once with ``action_done`` or ``action_error``.

Replies wait in an outbox until a socket is up, and go out once each time the core asks: a pending action
that the core re-sends on a later connection gets its stored answer again, one re-sent while the answer
is queued or crossing it does not. Feedback (progress, info) waits too, in a bounded buffer. Everything
sent is checked against the frame rules and the size limit the core enforces (a bad or oversized frame
makes it hang up; echoes are shrunk to fit). A frame still gets MAX_TRIES tries at most, a try being a
send that fails or, for a reply, a send after which the core asks again: then it is dropped with an
error line, so that one frame the core will not take never blocks or churns the others."""
from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from worker import logs
from worker.core.api import CoreApi
from worker.core.client import CoreClient
from worker.core.errors import CoreError, CoreRejected
from worker.core.frames import FrameError, check_outgoing, info_frame, progress_frame, reply_frame
from worker.core.link import Link, LinkDown
from worker.threads import DaemonPool

log = logging.getLogger(__name__)

# handler(message_type, data, feedback) -> None on success, or an error text
ActionHandler = Callable[[str, Dict[str, Any], "Feedback"], Optional[str]]

FEEDBACK_BUFFER = 5000
DONE_MEMORY = 1000
MAX_TRIES = 3
MAX_ID = 1000


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
        self.api = CoreApi(client)
        self.handlers = dict(handlers)
        self.timeout = timeout
        self.pool = DaemonPool(pool_size, "action")
        self._lock = threading.Lock()
        self._running: Dict[str, Tuple[str, Dict[str, Any]]] = {}  # task:step -> (message_type, data)
        self._done: "collections.OrderedDict[str, _Outgoing]" = collections.OrderedDict()
        self._replies: Deque[_Outgoing] = collections.deque()
        self._feedback: Deque[_Outgoing] = collections.deque(maxlen=FEEDBACK_BUFFER)
        self._wake = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name="actions-sender", daemon=True)
        self.accepting = True  # False while shutting down: new actions are refused, not started

    def start(self) -> None:
        self._sender.start()
        super().start()

    # ---- subscriptions ---------------------------------------------------------------------------

    def before_connect(self) -> None:
        for action in list(self.handlers):  # the config listener may add or drop one meanwhile
            try:
                self.api.subscribe(f"subscribing to {action}", self.subscriber, action, int(self.timeout()))
            except CoreError as ex:
                raise LinkDown(f"subscribing to {action} failed: {ex.reason}") from None

    def add(self, action: str, handler: ActionHandler) -> None:
        """Take ``action`` from now on (the config switched it on at run time)."""
        self.handlers[action] = handler
        try:
            self.before_connect()  # re-POSTs every subscription; the next reconnect does too
        except LinkDown as ex:
            log.warning("subscribing to %s failed (retried on the next reconnect): %s", action, ex)

    def remove(self, action: str) -> None:
        """Take ``action`` no more (the config switched it off at run time)."""
        self.handlers.pop(action, None)
        try:
            self.api.unsubscribe(f"unsubscribing {action}", self.subscriber, action, timeout=5)
        except CoreError as ex:
            log.warning("unsubscribing from %s failed: %s", action, ex.reason)

    def unsubscribe(self, deadline: float) -> None:
        """Remove our subscriptions so the core stops waiting for a worker that is gone; gives up at
        ``deadline`` (monotonic), the core then purges them by itself after 3 minutes."""
        for action in list(self.handlers):  # the config listener may add or drop one meanwhile
            left = deadline - time.monotonic()
            if left <= 0.05:
                log.warning("unsubscribing %s: no time left in the shutdown", action)
                continue
            try:
                self.api.unsubscribe(f"unsubscribing {action}", self.subscriber, action,
                                     timeout=min(self.client.timeout, left))
            except CoreRejected as ex:
                log.warning("unsubscribing %s: core answered %s", action, ex.status)
            except CoreError as ex:
                log.warning("unsubscribing %s failed: %s", action, ex.reason)

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
            return
        if kind != "action":
            log.warning("actions: ignored a frame of unknown kind %r", kind)
            return
        task, step = data.get("task"), data.get("step")
        if not isinstance(task, str) or not isinstance(step, str) or not task or not step:
            log.warning("actions: ignored an action without task and step: %.300r", message)
            return
        problem = _action_problem(message_type, data)
        if problem:
            log.warning("actions: refused %s %a:%a: %s", message_type, task, step, problem)
            self._queue_reply(_Outgoing(reply_frame("action_error", str(message_type),
                                                    {"task": task, "step": step}, problem)))
            return
        key = f"{task}:{step}"
        with self._lock:
            if key in self._running:
                log.info("actions: %s %s is already running; the core re-sent it after a reconnect", message_type, key)
                return
            reply = self._done.get(key)
            if reply is not None:
                # the core re-sends what it has no answer for when a connection opens: an answer that is
                # still queued, or went out on this connection, crossed it; one sent earlier may be lost
                if reply.dropped:
                    log.info("actions: %s %s was re-sent; its answer was dropped", message_type, key)
                    return
                if reply.sent_on is None or reply.sent_on == self.connects:
                    log.info("actions: %s %s was re-sent; its answer is on its way", message_type, key)
                    return
                if reply.tries >= MAX_TRIES:
                    self._give_up(reply, f"the core asked for it again after each of its {reply.tries} tries")
                    return
                log.info("actions: %s %s was answered on an earlier connection; sending the answer again",
                         message_type, key)
                reply.sent_on = None
                self._replies.append(reply)
                self._wake.set()
                return
            self._running[key] = (message_type, data)
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
        reply = _Outgoing(reply_frame("action_error" if error else "action_done", message_type, data, error))
        with self._lock:
            if self._running.pop(key, None) is None:
                log.info("actions: %s %s ended after the shutdown answered it; not answering again",
                         message_type, key)
                return
            self._done[key] = reply
            while len(self._done) > DONE_MEMORY:
                self._done.popitem(last=False)
        log.info("actions: %s %s %s%s", message_type, key, "failed: " if error else "done", error or "")
        self._queue_reply(reply)

    # ---- outgoing --------------------------------------------------------------------------------

    def _queue_reply(self, reply: "_Outgoing") -> None:
        with self._lock:
            self._replies.append(reply)
        self._wake.set()

    def send_feedback(self, frame: Dict[str, Any]) -> None:
        try:
            check_outgoing(frame)
        except FrameError as ex:
            log.warning("actions: not sending a malformed %s frame: %s", frame.get("kind"), ex)
            return
        with self._lock:
            self._feedback.append(_Outgoing(frame))
        self._wake.set()

    def pending_replies(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [reply.frame for reply in self._replies]

    def running(self) -> List[str]:
        with self._lock:
            return list(self._running)

    def abandon(self, reason: str) -> None:
        """Answer every action still running with ``reason`` (at shutdown, when their handlers did not
        end in time): the reply must be queued before the links close; the handler's own ends unsent."""
        with self._lock:
            running = dict(self._running)
        for key, (message_type, data) in running.items():
            self._finish(key, message_type, data, reason)

    def _send_loop(self) -> None:
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            if not self.connected.is_set():
                if self.stopping.is_set():
                    return
                continue
            # feedback first: a reply ends the step, and progress after it is dropped by the core
            self._send_queued(self._feedback)
            self._send_queued(self._replies)
            if self.stopping.is_set() and not self._replies:
                return

    def _send_queued(self, queue: Deque["_Outgoing"]) -> None:
        """Send the head of ``queue`` until it is empty or the socket goes down."""
        while True:
            with self._lock:
                if not queue:
                    return
                item = queue[0]
                item.tries += 1
            connection = self.connects
            try:
                sent = self.send(item.frame)
            except FrameError as ex:  # never sendable
                self._drop(queue, item, str(ex))
                continue
            if not sent:  # the socket was up a moment ago: the core may have hung up on this very frame
                if item.tries >= MAX_TRIES:
                    self._drop(queue, item, f"the connection broke on each of its {item.tries} tries")
                return
            with self._lock:
                item.sent_on = connection
                if queue and queue[0] is item:
                    queue.popleft()

    def _drop(self, queue: Deque["_Outgoing"], item: "_Outgoing", why: str) -> None:
        with self._lock:
            self._give_up(item, why)
            if queue and queue[0] is item:
                queue.popleft()

    @staticmethod
    def _give_up(item: "_Outgoing", why: str) -> None:
        data = item.frame.get("data", {})
        log.error("actions: dropped the %s frame for %s:%s: %s", item.frame.get("kind"), data.get("task"),
                  data.get("step"), why)
        item.dropped = True  # a re-sent action does not bring it back

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


@dataclass(eq=False)
class _Outgoing:
    frame: Dict[str, Any]
    sent_on: Optional[int] = None  # the connection (Link.connects) that carried it last; None while queued
    tries: int = 0
    dropped: bool = False


def _action_problem(message_type: Any, data: Dict[str, Any]) -> Optional[str]:
    """Why an action cannot be run, checked before anything uses it: the task id travels in HTTP headers
    (printable ASCII), the step in log lines and frames (no lone surrogates); timing is an object."""
    if not isinstance(message_type, str):
        return "action without message_type"
    task, step = data["task"], data["step"]
    if not (task.isascii() and task.isprintable() and len(task) <= MAX_ID):
        return f"data.task must be printable ASCII of at most {MAX_ID} characters, got {task[:100]!a}"
    try:
        step.encode("utf-8")
    except UnicodeEncodeError:
        return f"data.step is not valid text: {step[:100]!a}"
    if not step.isprintable() or len(step) > MAX_ID:
        return f"data.step must be printable text of at most {MAX_ID} characters, got {step[:100]!a}"
    if "timing" in data and not isinstance(data["timing"], dict):
        return f"data.timing must be an object, got {type(data['timing']).__name__}"
    return None
