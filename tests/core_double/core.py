"""CoreDouble: a resotocore 3.9.0 stand-in on 127.0.0.1, run in a background thread with its own loop.

Tests talk to it over real sockets like a worker does, and use the methods below to drive it (send
actions and tasks, inject faults, restart it) and to look at what it received. State is only touched
on the server's loop; methods called from a test thread hop onto it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Union

from aiohttp import web

from . import routes_config, routes_graph, routes_system, ws_actions, ws_tasks
from .middleware import CORE_KEY, make_middlewares
from .records import FrameRecord, MergeRecord, RequestRecord, Violation
from .state import ActionState, Bus, Connection, Database, TaskState
from .tls import CertificateAuthority

MAX_REQUEST_SIZE = 5 * 1024 * 1024  # the core's api.max_request_size default
MAX_FRAME = 4 * 1024 * 1024  # aiohttp's max_msg_size, which the core's websockets keep: larger frames close them


class CoreDouble:
    def __init__(self, psk: Optional[str] = None, tls: bool = False, port: int = 0,
                 fingerprint_override: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 max_frame: int = MAX_FRAME) -> None:
        self.psk = psk or None
        self.max_frame = max_frame  # a test may lower it to make the double hang up on ordinary frames
        self.count_only_merges = False  # benchmarks: merges are counted, not parsed, checked or kept
        self.tls: Optional[CertificateAuthority] = CertificateAuthority() if tls else None
        self.fingerprint_override = fingerprint_override
        self.env: Dict[str, str] = dict(env or {})  # what the core resolves `$(NAME)` config values with
        self.overrides: Dict[str, Any] = {}  # core-side config overrides, by config id
        self._port = port
        self._db = Database()
        self._bus = Bus()
        self._requests: List[RequestRecord] = []
        self._merges: List[MergeRecord] = []
        self._frames: List[FrameRecord] = []
        self._violations: List[Violation] = []
        self._faults: List[Dict[str, Any]] = []
        self._ready = True
        self._version = 0
        self._cond = threading.Condition()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "CoreDouble":
        if self._loop is None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._thread = threading.Thread(target=loop.run_forever, name="core-double", daemon=True)
            self._thread.start()
        self._run(self._serve())
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._runner is not None:
            self._run(self._shutdown())
        loop, self._loop = self._loop, None
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()

    def restart(self, keep_state: bool = False) -> "CoreDouble":
        """Like a core restart: sockets drop, subscriptions and tasks are gone; the database only stays
        with keep_state=True. The port stays the same."""
        self.go_down()
        return self.come_back(keep_state)

    def go_down(self) -> None:
        """The core goes away: every socket drops and the port is free (for a stalled listener, say)
        until ``come_back``."""
        self._run(self._shutdown())

    def come_back(self, keep_state: bool = False) -> "CoreDouble":
        """Serve again on the same port after ``go_down``, as after a restart."""
        self._run(self._reset(keep_state))
        self._run(self._serve())
        return self

    def __enter__(self) -> "CoreDouble":
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application(middlewares=make_middlewares(self), client_max_size=MAX_REQUEST_SIZE)
        app[CORE_KEY] = self
        for module in (ws_actions, ws_tasks, routes_system, routes_config, routes_graph):
            module.add_routes(app)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        ssl_context = self.tls.server_context() if self.tls else None
        site = web.TCPSite(runner, "127.0.0.1", self._port, ssl_context=ssl_context, reuse_address=True)
        await site.start()
        self._port = runner.addresses[0][1]
        self._runner = runner

    async def _shutdown(self) -> None:
        self._abort_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._changed()

    async def _reset(self, keep_state: bool) -> None:
        for task in self._bus.tasks.values():
            if task.timer:
                task.timer.cancel()
        self._bus = Bus()
        if not keep_state:
            self._db = Database()

    def _run(self, coro: Any, timeout: float = 30) -> Any:
        if self._loop is None:
            raise RuntimeError("the core double is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, fn: Callable[[], Any]) -> Any:
        async def call() -> Any:
            return fn()

        return self._run(call())

    # ------------------------------------------------------------------ addresses
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self._port}"

    @property
    def ca_pem(self) -> Optional[str]:
        return self.tls.ca_pem_path if self.tls else None

    # ------------------------------------------------------------------ records and waiting
    def _changed(self) -> None:
        with self._cond:
            self._version += 1
            self._cond.notify_all()

    def _record_request(self, rec: RequestRecord) -> None:
        self._requests.append(rec)

    def _record_merge(self, rec: MergeRecord) -> None:
        self._merges.append(rec)

    def _record_frame(self, conn: Connection, direction: str, msg: Any) -> None:
        self._frames.append(FrameRecord(conn.channel, conn.conn_id, direction, msg))
        self._changed()

    def _violation(self, conn: Connection, reason: str, raw: str) -> None:
        self._violations.append(Violation(conn.channel, conn.conn_id, reason, raw))
        self._changed()

    @property
    def requests(self) -> List[RequestRecord]:
        return list(self._requests)

    @property
    def merges(self) -> List[MergeRecord]:
        return list(self._merges)

    @property
    def frames(self) -> List[FrameRecord]:
        return list(self._frames)

    @property
    def violations(self) -> List[Violation]:
        return list(self._violations)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        """The first truthy value of `predicate`, re-checked whenever the double records something."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self._version
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            with self._cond:
                if self._version == seen:
                    self._cond.wait(min(remaining, 0.5))

    # ------------------------------------------------------------------ faults and readiness
    def set_ready(self, ready: bool) -> None:
        self._ready = ready

    @property
    def is_ready(self) -> bool:
        return self._ready

    def tamper_fingerprint(self, fingerprint: str = "00:" * 31 + "00") -> None:
        """Sign a fingerprint that is not the served CA's in /ca/cert (a man in the middle)."""
        self.fingerprint_override = fingerprint

    def fail_next(self, method: str, path_regex: str, status: int, body: str = "", count: int = 1) -> None:
        """Answer the next `count` requests matching method (or "*") and path with `status`."""
        self._faults.append({"method": method.upper(), "path": re.compile(path_regex), "status": status,
                             "body": body, "count": count})

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Optional[Dict[str, Any]]:
        for fault in self._faults:
            if fault["method"] in ("*", method.upper()) and fault["path"].search(path):
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def close_sockets(self) -> None:
        """Drop every websocket without a close handshake, like a network blip."""
        self._call(self._abort_connections)

    def _abort_connections(self) -> None:
        for conn in self._bus.all_connections():
            if conn.transport is not None:
                conn.transport.abort()
            else:
                asyncio.ensure_future(conn.ws.close())

    # ------------------------------------------------------------------ sending
    async def _send(self, conn: Connection, msg: Dict[str, Any]) -> None:
        try:
            await conn.ws.send_str(json.dumps(msg) + "\n")  # the core ends every frame with a newline
        except (ConnectionError, RuntimeError):
            return
        self._record_frame(conn, "out", msg)

    def send_raw(self, channel: str, data: Union[str, bytes]) -> None:
        """Send ``data`` as is (malformed on purpose, say) on every socket of a channel: ``handle``,
        ``work_queue`` or ``events``; bytes go as a binary frame."""
        def send() -> None:
            sockets = {"handle": self._bus.handle_sockets, "work_queue": self._bus.workers,
                       "events": self._bus.event_sockets}[channel]
            for conn in list(sockets.values()):
                asyncio.ensure_future(conn.ws.send_bytes(data) if isinstance(data, bytes) else conn.ws.send_str(data))

        self._call(send)

    def emit_event(self, message_type: str, data: Dict[str, Any]) -> None:
        self._call(lambda: self._emit_event(message_type, data))

    def _emit_event(self, message_type: str, data: Dict[str, Any]) -> None:
        msg = {"kind": "event", "message_type": message_type, "data": data}
        for conn in list(self._bus.event_sockets.values()):
            if "*" in conn.show or message_type in conn.show:
                asyncio.ensure_future(self._send(conn, msg))
        for sid, conn in list(self._bus.handle_sockets.items()):
            if message_type in self._bus.subscribers.get(sid, {}):
                asyncio.ensure_future(self._send(conn, msg))

    # ------------------------------------------------------------------ actions
    @property
    def subscriptions(self) -> Dict[str, Dict[str, Dict[str, Any]]]:
        return copy.deepcopy(self._bus.subscribers)

    def send_action(self, message_type: str, task: Optional[str] = None, step: Optional[str] = None,
                    timing: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Start a workflow step: every subscriber of `message_type` gets it now or when it connects."""
        data = {"timing": {} if timing is None else timing, "task": task or str(uuid.uuid1()),
                "step": step or message_type}

        def start() -> None:
            waiting = {sid for sid, subs in self._bus.subscribers.items() if message_type in subs}
            self._db.actions[(data["task"], data["step"])] = ActionState(
                data["task"], data["step"], message_type, dict(data), waiting)
            for sid in waiting:
                conn = self._bus.handle_sockets.get(sid)
                if conn is not None:
                    asyncio.ensure_future(self._send(conn, {"kind": "action", "message_type": message_type,
                                                            "data": dict(data)}))

        self._call(start)
        return dict(data)

    def abort_action(self, task: str, step: str) -> None:
        def abort() -> None:
            action = self._db.actions.get((task, step))
            if action:
                for sid in action.waiting:
                    conn = self._bus.handle_sockets.get(sid)
                    if conn is not None:
                        asyncio.ensure_future(self._send(conn, {"kind": "action_abort", "message_type":
                                                                action.message_type,
                                                                "data": {"task": task, "step": step}}))

        self._call(abort)

    def _on_action_frame(self, conn: Connection, frame: Dict[str, Any]) -> None:
        kind, data = frame.get("kind"), frame.get("data") or {}
        if kind in ("action_done", "action_error") and conn.channel == "handle":
            action = self._db.actions.get((data.get("task"), data.get("step")))
            if action is not None:
                action.replies[conn.conn_id] = frame
        elif kind == "event":
            self._emit_event(frame["message_type"], data)

    def action_frames(self, task: Optional[str] = None, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        """Frames on action sockets (both directions), optionally for one task and/or of one kind."""
        out = []
        for f in self._frames:
            if f.channel != "handle" or f.dir not in ("in", "out") or not isinstance(f.msg, dict):
                continue
            data = f.msg.get("data") if isinstance(f.msg.get("data"), dict) else {}
            if (task is None or data.get("task") == task) and (kind is None or f.msg.get("kind") == kind):
                out.append(f.msg)
        return out

    def action_status(self, task: str, step: str = "collect") -> Dict[str, Any]:
        """Where a workflow step stands: the subscribers it waits for, the kind of the answer each gave,
        and ``done``: every waited-for subscriber that still exists answered (memo §2.4)."""
        def status() -> Dict[str, Any]:
            action = self._db.actions[(task, step)]
            waiting = {sid for sid in action.waiting if sid in self._bus.subscribers}
            return {"waiting": sorted(action.waiting),
                    "answered": {sid: frame["kind"] for sid, frame in action.replies.items()},
                    "done": waiting <= set(action.replies)}

        return self._call(status)

    def wait_reply(self, task: str, step: Optional[str] = None, timeout: float = 30) -> Dict[str, Any]:
        def reply() -> Optional[Dict[str, Any]]:
            for f in self.action_frames(task):
                if f.get("kind") in ("action_done", "action_error") and (step is None or f["data"].get("step") == step):
                    return f
            return None

        return self.wait_for(reply, timeout)

    # ------------------------------------------------------------------ config
    @property
    def configs(self) -> Dict[str, Any]:
        return copy.deepcopy(self._db.configs)

    def config_revision(self, config_id: str) -> Optional[str]:
        return self._db.config_revisions.get(config_id)

    def set_config(self, config_id: str, config: Dict[str, Any]) -> str:
        """Store a config as a user would (no validation); emits config-updated. Returns the revision."""
        return self._call(lambda: self._store_config(config_id, copy.deepcopy(config)))

    def _store_config(self, config_id: str, config: Dict[str, Any]) -> str:
        revision = str(uuid.uuid4())
        self._db.configs[config_id] = config
        self._db.config_revisions[config_id] = revision
        self._emit_event("config-updated", {"id": config_id, "revision": revision})
        self._changed()
        return revision

    @property
    def config_model(self) -> Dict[str, Dict[str, Any]]:
        return copy.deepcopy(self._db.config_model)

    # ------------------------------------------------------------------ graphs
    def model(self, graph: str = "resoto") -> Dict[str, Dict[str, Any]]:
        return copy.deepcopy(self._db.model(graph))

    def graph_names(self) -> List[str]:
        return sorted(self._db.graphs)

    def nodes(self, graph: str = "resoto") -> Dict[Any, Dict[str, Any]]:
        """id -> node (as served by search) of a graph."""
        def collect() -> Dict[Any, Dict[str, Any]]:
            store = self._db.graphs.get(graph)
            return {nid: store.node_json(nid) for nid in store.nodes} if store else {}

        return self._call(collect)

    def mark_clean(self, node_ids: List[Any], graph: str = "resoto") -> None:
        """Set desired.clean on nodes, as a user's `search … | clean` does (what the cleanup acts on)."""
        self._call(lambda: self._db.graphs[graph].mark_clean(node_ids))
        self._changed()

    def edges(self, graph: str = "resoto") -> List[tuple]:
        return self._call(lambda: list(self._db.graphs[graph].edges) if graph in self._db.graphs else [])

    # ------------------------------------------------------------------ work queue
    @property
    def workers(self) -> Dict[str, List[Dict[str, Any]]]:
        return {cid: copy.deepcopy(c.handlers) for cid, c in list(self._bus.workers.items())}

    def send_task(self, name: str, attrs: Dict[str, str], data: Any, timeout: float = 30,
                  node_graph: Optional[str] = None) -> str:
        task = TaskState(str(uuid.uuid4()), name, dict(attrs), data, timeout, node_graph=node_graph)

        def add() -> None:
            self._bus.tasks[task.task_id] = task
            assert self._loop is not None
            task.timer = self._loop.call_later(timeout, self._task_timeout, task.task_id)
            self._dispatch(task)

        self._call(add)
        return task.task_id

    def send_tag_task(self, graph: str, node_id: str, update: Optional[Dict[str, Any]] = None,
                      delete: Optional[List[str]] = None, timeout: float = 30) -> str:
        """A `tag update`/`tag delete` task built like the core's tag command (memo §3.2)."""
        attrs, node = self.tag_task_parts(graph, node_id)
        data: Dict[str, Any] = {"delete": list(delete), "node": node} if delete else {"update": update or {},
                                                                                     "node": node}
        return self.send_task("tag", attrs, data, timeout, node_graph=graph)

    def tag_task_parts(self, graph: str, node_id: str) -> tuple:
        """(attrs, node) of a tag task for a node, as the core's tag command builds them: the node as
        search serves it, with its ancestors, and their ids as attrs."""
        def build() -> tuple:
            store = self._db.graphs[graph]
            node = store.node_json(node_id)
            if node is None:
                raise KeyError(f"no node {node_id} in graph {graph}")
            refs = store.nodes[node_id].get("refs") or {}
            attrs, ancestors = {}, {}
            for kind in ("cloud", "account", "region", "zone"):
                ref = refs.get(f"{kind}_id")
                anc = store.node_json(ref) if ref is not None else None
                if anc is not None:
                    ancestors[kind] = anc
                    attrs[kind] = (anc.get("reported") or {}).get("id")
            node["ancestors"] = ancestors
            return {k: v for k, v in attrs.items() if v is not None}, node

        return self._call(build)

    def wait_task_result(self, task_id: str, timeout: float = 30) -> Dict[str, Any]:
        task = self._bus.tasks.get(task_id)
        if task is None:
            raise KeyError(f"unknown task {task_id}")
        return self.wait_for(lambda: task.result, timeout)

    def _matching_worker(self, task: TaskState) -> Optional[Connection]:
        best: List[tuple] = []
        for conn in self._bus.workers.values():
            for desc in conn.handlers:
                flt = desc.get("filter") or {}
                if desc["name"] == task.name and all(task.attrs.get(k) in v for k, v in flt.items()):
                    best.append((len(flt), conn))
        if not best:
            return None
        most = max(n for n, _ in best)
        return min((c for n, c in best if n == most), key=lambda c: len(c.outstanding))

    def _dispatch(self, task: TaskState) -> None:
        conn = self._matching_worker(task)
        if conn is None:
            return  # waits for a worker until its timeout
        task.worker = conn.conn_id
        conn.outstanding.add(task.task_id)
        asyncio.ensure_future(self._send(conn, {"task_id": task.task_id, "task_name": task.name,
                                                "attrs": task.attrs, "data": task.data}))

    def _finish_task(self, task: TaskState, result: Dict[str, Any]) -> None:
        if task.result is not None:
            return
        if task.timer:
            task.timer.cancel()
        if task.worker and task.worker in self._bus.workers:
            self._bus.workers[task.worker].outstanding.discard(task.task_id)
        task.result = result
        self._changed()

    def _task_timeout(self, task_id: str) -> None:
        task = self._bus.tasks.get(task_id)
        if task is None or task.result is not None:
            return
        error = f"No worker for task: {task.name}" if task.worker is None else "Could not finish the task."
        self._finish_task(task, {"task_id": task_id, "result": "error", "error": error})

    def _attach_worker(self, conn: Connection) -> None:
        self._bus.workers[conn.conn_id] = conn
        for task in list(self._bus.tasks.values()):
            if task.result is None and task.worker is None:
                self._dispatch(task)
        self._changed()

    def _detach_worker(self, conn: Connection) -> None:
        if self._bus.workers.get(conn.conn_id) is not conn:
            return
        del self._bus.workers[conn.conn_id]
        for task_id in list(conn.outstanding):  # tag/execute-task tasks have no retries left
            task = self._bus.tasks.get(task_id)
            if task is not None:
                self._finish_task(task, {"task_id": task_id, "result": "error", "error": "Could not finish the task."})

    def _on_task_result(self, conn: Connection, result: Dict[str, Any]) -> None:
        task = self._bus.tasks.get(result["task_id"])
        if task is None or task.task_id not in conn.outstanding:
            return  # the core drops results for tasks this connection does not hold
        if result["result"] not in ("done", "error"):
            return  # logged and ignored by the core
        if result["result"] == "done" and task.node_graph:
            self._apply_node_result(task.node_graph, result.get("data"))
        self._finish_task(task, dict(result))

    def _apply_node_result(self, graph: str, node: Any) -> None:
        store = self._db.graphs.get(graph)
        if store is None or not isinstance(node, dict) or "id" not in node or "reported" not in node:
            return
        doc = store.nodes.get(node["id"])
        if doc is not None:
            for section in ("reported", "desired", "metadata"):
                if isinstance(node.get(section), dict):
                    doc[section] = copy.deepcopy(node[section])
