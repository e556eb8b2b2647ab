"""The work queue `/work/queue` (memo §3): handler registration, task routing, results."""

from __future__ import annotations

import uuid

from aiohttp import WSMsgType, web

from .frames import FrameError, check_handler_descriptions, check_task_result
from .middleware import RECORD_KEY
from .routes_system import core_of
from .state import Connection
from .ws_actions import HEARTBEAT


async def handle_work_queue(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=core.max_frame)
    transport = request.transport
    await ws.prepare(request)
    conn = Connection("work_queue", str(uuid.uuid4()), ws, transport)
    request[RECORD_KEY].status = 101
    core._record_frame(conn, "open", {"path": request.path_qs})
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                if msg.type == WSMsgType.BINARY:
                    core._violation(conn, "binary frame", repr(msg.data[:200]))
                    break
                continue
            try:
                if conn.conn_id not in core._bus.workers:
                    conn.handlers = check_handler_descriptions(msg.data)
                    core._record_frame(conn, "in", conn.handlers)
                    core._attach_worker(conn)
                    continue
                result = check_task_result(msg.data)
            except FrameError as ex:
                core._record_frame(conn, "in", msg.data)
                core._violation(conn, str(ex), msg.data)
                break  # the core closes the socket on a frame it cannot parse
            core._record_frame(conn, "in", result)
            core._on_task_result(conn, result)
    finally:
        core._detach_worker(conn)
        core._record_frame(conn, "close", None)
        await ws.close()
    return ws


def add_routes(app: web.Application) -> None:
    app.add_routes([web.get("/work/queue", handle_work_queue)])
