"""The action socket `/subscriber/{id}/handle` and the event socket `/events` (memo §2.3–§2.5, §7.1)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from .frames import FrameError, check_action_frame
from .middleware import RECORD_KEY
from .routes_system import core_of
from .state import Connection

if TYPE_CHECKING:
    from .core import CoreDouble

HEARTBEAT = 20  # seconds, like the core's aiohttp websockets


async def _receive_loop(core: "CoreDouble", conn: Connection) -> None:
    async for msg in conn.ws:
        if msg.type != WSMsgType.TEXT:
            if msg.type == WSMsgType.BINARY:
                core._violation(conn, "binary frame", repr(msg.data[:200]))
                break
            continue
        try:
            frame = check_action_frame(msg.data)
        except FrameError as ex:
            core._record_frame(conn, "in", msg.data)
            core._violation(conn, str(ex), msg.data)
            break  # the core hangs up on a frame it cannot handle
        core._record_frame(conn, "in", frame)
        core._on_action_frame(conn, frame)


async def handle_subscribed(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    sid = request.match_info["subscriber_id"]
    if sid in core._bus.handle_sockets:
        return web.Response(status=429, text="Only one connection per subscriber is allowed!")
    if not core._bus.subscribers.get(sid):
        return web.Response(status=404, text=f"No subscriber with this id: {sid} or no subscriptions")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=core.max_frame)
    transport = request.transport
    await ws.prepare(request)
    conn = Connection("handle", sid, ws, transport)
    request[RECORD_KEY].status = 101
    core._bus.handle_sockets[sid] = conn
    core._record_frame(conn, "open", {"path": request.path_qs})
    # the core's message bus announces every listener that comes and goes (memo §2.3)
    channels = sorted(core._bus.subscribers.get(sid, {}))
    core._emit_event("message-listener-connected", {"subscriber_id": sid, "channels": channels})
    try:
        for action in list(core._db.actions.values()):
            if sid in action.waiting and sid not in action.replies:
                await core._send(conn, {"kind": "action", "message_type": action.message_type,
                                        "data": {"task": action.task, "step": action.step}})
        await _receive_loop(core, conn)
    finally:
        if core._bus.handle_sockets.get(sid) is conn:
            del core._bus.handle_sockets[sid]
        core._emit_event("message-listener-disconnected", {"subscriber_id": sid, "channels": channels})
        core._record_frame(conn, "close", None)
        await ws.close()
    return ws


async def handle_events(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    show = set(request.query["show"].split(",")) if "show" in request.query else {"*"}
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=core.max_frame)
    transport = request.transport
    await ws.prepare(request)
    conn = Connection("events", str(uuid.uuid1()), ws, transport, show=show)
    request[RECORD_KEY].status = 101
    core._bus.event_sockets[conn.conn_id] = conn
    core._record_frame(conn, "open", {"path": request.path_qs})
    try:
        await _receive_loop(core, conn)
    finally:
        core._bus.event_sockets.pop(conn.conn_id, None)
        core._record_frame(conn, "close", None)
        await ws.close()
    return ws


def add_routes(app: web.Application) -> None:
    app.add_routes([
        web.get("/subscriber/{subscriber_id}/handle", handle_subscribed),
        web.get("/events", handle_events),
    ])
