"""Request recording, fault injection and the core's PSK/Origin check (memo §1.3), outermost first."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List
from urllib.parse import urlparse

from aiohttp import web

from . import jwt
from .records import RequestRecord

if TYPE_CHECKING:
    from .core import CoreDouble

# typed keys where aiohttp has them (3.9 has only AppKey, newer ones RequestKey too)
CORE_KEY: Any = web.AppKey("core", object) if hasattr(web, "AppKey") else "core"
RECORD_KEY: Any = web.RequestKey("record", RequestRecord) if hasattr(web, "RequestKey") else "record"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# paths the core serves without a token (a token that is sent is still checked)
ALWAYS_ALLOWED = [re.compile(p, re.IGNORECASE) for p in (r"/system/.*", r"/ca/cert")]
STREAMED_BODY_PATHS = re.compile(r"/graph/[^/]+/(batch/)?merge")


def _is_upgrade(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def make_middlewares(core: "CoreDouble") -> List[Callable]:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        rec = RequestRecord(request.method, request.path, dict(request.query), dict(request.headers),
                            websocket=_is_upgrade(request))
        request[RECORD_KEY] = rec
        core._record_request(rec)
        if request.body_exists and not STREAMED_BODY_PATHS.fullmatch(request.path):
            rec.body = await request.read()
        try:
            response = await handler(request)
            rec.status = 101 if isinstance(response, web.WebSocketResponse) and response.prepared else response.status
            return response
        except web.HTTPException as ex:
            rec.status = ex.status
            raise
        finally:
            core._changed()

    @web.middleware
    async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = core._take_fault(request.method, request.path)
        if fault is not None:
            request[RECORD_KEY].summary["injected_fault"] = True
            return web.Response(status=fault["status"], text=fault["body"])
        return await handler(request)

    @web.middleware
    async def check_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        psk = core.psk
        if not psk:
            return await handler(request)
        origin = urlparse(request.headers.get("Origin", "")).hostname if "Origin" in request.headers else None
        host = request.headers.get("Host")
        if host is not None and origin is not None and origin.lower() != host.split(":")[0].lower():
            request[RECORD_KEY].summary["rejected"] = "origin"
            raise web.HTTPForbidden()
        token = request.headers.get("Authorization") or request.cookies.get("resoto_authorization")
        if token:
            try:
                jwt.decode_header_value(token, psk)
            except jwt.TokenError as ex:
                request[RECORD_KEY].summary["rejected"] = f"jwt: {ex}"
                raise web.HTTPUnauthorized()
        elif not any(p.fullmatch(request.path) for p in ALWAYS_ALLOWED):
            request[RECORD_KEY].summary["rejected"] = "no token"
            raise web.HTTPUnauthorized()
        return await handler(request)

    return [record, faults, check_auth]
