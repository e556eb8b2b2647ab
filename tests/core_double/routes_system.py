"""Readiness, the CA endpoints (memo §1.2, §1.4) and subscription registration (memo §2.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from aiohttp import web

from . import jwt
from .middleware import CORE_KEY

if TYPE_CHECKING:
    from .core import CoreDouble


def core_of(request: web.Request) -> "CoreDouble":
    return request.app[CORE_KEY]


def error_response(error_type: str, message: str, status: int = 400) -> web.Response:
    return web.Response(status=status, text=f"Error: {error_type}\nMessage: {message}")


async def ready(request: web.Request) -> web.StreamResponse:
    if not core_of(request).is_ready:
        return web.Response(status=503, text="not ready")
    return web.Response(text="ok")


async def ping(_: web.Request) -> web.StreamResponse:
    return web.Response(text="pong", content_type="text/plain")


async def ca_cert(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    if core.tls is None:
        return web.Response(status=404, text="core double runs without TLS")
    headers = {
        "SHA256-Fingerprint": core.tls.fingerprint,
        "Content-Disposition": 'attachment; filename="resoto_root_ca.pem"',
    }
    if core.psk:
        claimed = core.fingerprint_override or core.tls.fingerprint
        headers["Authorization"] = "Bearer " + jwt.encode({"sha256_fingerprint": claimed}, core.psk)
    return web.Response(body=core.tls.ca_pem_bytes, headers=headers, content_type="application/x-pem-file")


async def ca_sign(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    if core.tls is None:
        return web.Response(status=404, text="core double runs without TLS")
    try:
        pem, fingerprint = core.tls.sign_csr(await request.read())
    except Exception as ex:
        return error_response(type(ex).__name__, str(ex))
    return web.Response(body=pem, headers={"SHA256-Fingerprint": fingerprint}, content_type="application/x-pem-file")


def _subscriber_json(sid: str, subs: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    return {"id": sid, "subscriptions": {mt: dict(s) for mt, s in subs.items()}}


async def add_subscription(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    sid, event = request.match_info["subscriber_id"], request.match_info["event_type"]
    try:
        timeout = int(request.query.get("timeout", "60"))
    except ValueError as ex:
        return error_response("ValueError", str(ex))
    wait = request.query.get("wait_for_completion", "true").lower() != "false"
    subs = core._bus.subscribers.setdefault(sid, {})
    subs[event] = {"message_type": event, "wait_for_completion": wait, "timeout": timeout}
    core._changed()
    return web.json_response(_subscriber_json(sid, subs))


async def delete_subscription(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    sid, event = request.match_info["subscriber_id"], request.match_info["event_type"]
    subs = core._bus.subscribers.get(sid, {})
    subs.pop(event, None)
    core._changed()
    return web.json_response(_subscriber_json(sid, subs))


async def delete_subscriber(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    core._bus.subscribers.pop(request.match_info["subscriber_id"], None)
    core._changed()
    return web.Response(status=204)


async def get_subscriber(request: web.Request) -> web.StreamResponse:
    sid = request.match_info["subscriber_id"]
    subs = core_of(request)._bus.subscribers.get(sid)
    if not subs:
        return web.Response(status=404, text=f"No subscriber with id {sid}")
    return web.json_response(_subscriber_json(sid, subs))


async def list_subscribers(request: web.Request) -> web.StreamResponse:
    subs = core_of(request)._bus.subscribers
    return web.json_response([_subscriber_json(sid, s) for sid, s in subs.items()])


async def list_subscribers_for(request: web.Request) -> web.StreamResponse:
    event = request.match_info["event_type"]
    subs = core_of(request)._bus.subscribers
    return web.json_response([_subscriber_json(sid, s) for sid, s in subs.items() if event in s])


def add_routes(app: web.Application) -> None:
    app.add_routes([
        web.get("/system/ready", ready),
        web.get("/system/ping", ping),
        web.get("/ca/cert", ca_cert),
        web.post("/ca/sign", ca_sign),
        web.get("/subscribers", list_subscribers),
        web.get("/subscribers/for/{event_type}", list_subscribers_for),
        web.get("/subscriber/{subscriber_id}", get_subscriber),
        web.delete("/subscriber/{subscriber_id}", delete_subscriber),
        web.post("/subscriber/{subscriber_id}/{event_type}", add_subscription),
        web.delete("/subscriber/{subscriber_id}/{event_type}", delete_subscription),
    ])
