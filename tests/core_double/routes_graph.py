"""Graph endpoints (memo §4, §5, §6): create, model, merge, search, patch nodes, CLI `clean`."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from aiohttp import web

from .graph_store import SECTIONS, GraphStore
from .merge_graph import MergeBuilder
from .kinds import build_kinds
from .records import MergeRecord
from .middleware import RECORD_KEY
from .routes_system import core_of, error_response
from .search import SearchError, search
from .validation import CoreRejection, update_model

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson")


def _wants_ndjson(request: web.Request) -> bool:
    return any(t in request.headers.get("Accept", "") for t in NDJSON_TYPES)


async def _respond_list(request: web.Request, items: List[Any]) -> web.StreamResponse:
    if _wants_ndjson(request):
        body = "".join(json.dumps(i) + "\n" for i in items)
        return web.Response(text=body, content_type="application/x-ndjson")
    return web.json_response(items)


def _graph_or_404(request: web.Request) -> GraphStore:
    name = request.match_info["graph_id"]
    store = core_of(request)._db.graphs.get(name)
    if store is None:
        raise web.HTTPNotFound(text=f"Error: NoSuchGraph\nMessage: No graph with this name {name}")
    return store


async def create_graph(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    name = request.match_info["graph_id"]
    if "_" in name or name.startswith("snapshot-"):
        return error_response("AttributeError",
                              "Graph name is not valid (no underscores, can not start with snapshot-)")
    if not re.fullmatch(r"[a-zA-Z0-9_]+", name):
        return error_response(
            "ValueError", f"Graph name {name} contains invalid characters, only alphanumeric characters are allowed."
        )
    store = core._db.graphs.setdefault(name, GraphStore(name))
    core._changed()
    return web.json_response(store.node_json("root"))


async def list_graphs(request: web.Request) -> web.StreamResponse:
    return web.json_response(sorted(core_of(request)._db.graphs))


async def get_model(request: web.Request) -> web.StreamResponse:
    graph = request.match_info.get("graph_id", "resoto")
    model = core_of(request)._db.model(graph)
    return web.json_response([json.loads(json.dumps(k, sort_keys=True)) for k in model.values()])


def _strip_nulls(js: Any) -> Any:
    if isinstance(js, dict):
        return {k: _strip_nulls(v) for k, v in js.items() if v is not None}
    if isinstance(js, list):
        return [_strip_nulls(v) for v in js]
    return js


async def update_graph_model(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    graph = request.match_info.get("graph_id", "resoto")
    try:
        kinds = json.loads(await request.read() or b"null")
    except ValueError as ex:
        return error_response("JSONDecodeError", str(ex))
    replace = request.method == "PUT"
    try:
        updated = update_model(core._db.model(graph), kinds, replace=replace)
    except CoreRejection as rej:
        request[RECORD_KEY].summary["error"] = rej.message
        return error_response(rej.error_type, rej.message, rej.status)
    core._db.models[graph] = updated
    request[RECORD_KEY].summary.update(kinds=len(kinds) if isinstance(kinds, list) else None, replace=replace)
    core._changed()
    return web.json_response([_strip_nulls(k) for k in updated.values()])


async def _read_merge_lines(request: web.Request, rec: MergeRecord) -> List[Any]:
    """Raw ndjson lines (bytes, parsed later, like the core's import process) or JSON documents."""
    if request.content_type == "application/json":
        body = await request.content.read()
        doc = json.loads(body or b"null")  # a JSONDecodeError here fails the request in both modes
        docs = doc if isinstance(doc, list) else [doc] if isinstance(doc, dict) else []
        rec.summary = {"bytes": len(body)}
        return docs
    lines: List[Any] = []
    buffer, size, chunks = b"", 0, 0
    async for chunk in request.content.iter_any():
        chunks += 1
        size += len(chunk)
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines.extend(line for line in complete if line.strip())
    if buffer.strip():
        lines.append(buffer)
    rec.summary = {"bytes": size, "body_chunks": chunks}
    return lines


async def _count_only(request: web.Request, rec: MergeRecord, wait: bool) -> web.StreamResponse:
    """Benchmark mode: take the body as fast as the socket gives it and count lines, nothing else, so the
    double is not what a benchmark of the worker measures."""
    size = lines = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        lines += chunk.count(b"\n")
    rec.summary = {"bytes": size, "lines": lines}
    rec.result = {"nodes_created": lines, "nodes_updated": 0, "nodes_deleted": 0, "edges_created": 0,
                  "edges_updated": 0, "edges_deleted": 0}
    rec.status = 200 if wait else 204
    return web.json_response(rec.result) if wait else web.Response(status=204)


async def merge_graph(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    store = _graph_or_404(request)
    wait = request.query.get("wait_for_result", "true").lower() == "true"
    rec = MergeRecord(store.name, dict(request.query), dict(request.headers), [])
    core._record_merge(rec)
    try:
        if request.content_type not in ("application/json", *NDJSON_TYPES):
            rec.status, rec.error_type = 400, "AttributeError"
            rec.error = "Can not read graph. Currently supported formats: json and ndjson!"
            return error_response(rec.error_type, rec.error)
        if core.count_only_merges:
            return await _count_only(request, rec, wait)
        try:
            raw_lines = await _read_merge_lines(request, rec)
        except ValueError as ex:
            rec.status, rec.error, rec.error_type = 400, str(ex), type(ex).__name__
            return error_response(rec.error_type, rec.error)
        builder = MergeBuilder(build_kinds(core._db.model(store.name)))
        try:
            for raw in raw_lines:
                doc = json.loads(raw) if isinstance(raw, (bytes, str)) else raw
                rec.lines.append(doc)
                builder.add(doc)
            plan = builder.finish()
        except Exception as ex:
            rej = CoreRejection.of(ex)
            rec.error, rec.error_type = rej.message, rej.error_type
            for raw in raw_lines[len(rec.lines):]:  # keep the rest of the upload for inspection
                try:
                    rec.lines.append(json.loads(raw) if isinstance(raw, (bytes, str)) else raw)
                except ValueError:
                    rec.lines.append(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
            rec.status = 400 if wait else 204
            return web.Response(status=400, text=rej.import_body) if wait else web.Response(status=204)
        rec.summary = {**(rec.summary or {}), "nodes": plan.node_lines, "edges": plan.edge_lines,
                       "deferred_edges": len(plan.deferred_edges), "replace_nodes": list(plan.roots)}
        rec.result = store.apply_merge(plan)
        rec.status = 200 if wait else 204
        return web.json_response(rec.result) if wait else web.Response(status=204)
    finally:
        core._changed()


async def search_graph(request: web.Request) -> web.StreamResponse:
    store = _graph_or_404(request)
    section = request.query.get("section")
    if section and section != "/" and section not in SECTIONS:
        return error_response("AttributeError", f"Given section does not exist: {section}")
    try:
        nodes, edges = search(store, await request.text())
    except SearchError as ex:
        return error_response("ParseError", str(ex))
    with_edges = request.path.endswith("/graph")
    return await _respond_list(request, nodes + (edges if with_edges else []))


async def _documents(request: web.Request) -> List[Any]:
    body = await request.read()
    if request.content_type in NDJSON_TYPES:
        return [json.loads(line) for line in body.splitlines() if line.strip()]
    doc = json.loads(body or b"null")
    return doc if isinstance(doc, list) else [doc]


async def patch_nodes(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    store = _graph_or_404(request)
    allowed = {*SECTIONS, "id", "revision"}
    updates: Dict[Any, Dict[str, Any]] = {}
    try:
        for elem in await _documents(request):
            keys = set(elem.keys()) if isinstance(elem, dict) else set()
            if not isinstance(elem, dict) or not keys.issubset(allowed):
                raise AssertionError(f"Invalid json. Allowed keys are: {allowed}")
            if "id" not in elem:
                raise AssertionError(f"No id given for element {elem}")
            if not keys.intersection(SECTIONS):
                raise AssertionError(f"No update provided for element {elem}")
            if elem["id"] in updates:
                raise AssertionError(f"Only one update allowed per id! {elem}")
            updates[elem["id"]] = {k: v for k, v in elem.items() if k != "id"}
    except (AssertionError, ValueError) as ex:
        return error_response(type(ex).__name__, str(ex))
    updated = store.patch_nodes(updates)
    core._changed()
    return await _respond_list(request, updated)


_CLEAN_RE = re.compile(r"^clean(\s+.*)?$", re.DOTALL)


def _split_pipeline(text: str) -> List[str]:
    parts, current, quote = [], "", None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "|":
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return parts


async def cli_execute(request: web.Request) -> web.StreamResponse:
    """`search|query <filter> [| clean ["reason"]] [| protect]`: what workers send to the CLI."""
    core = core_of(request)
    graph = request.query.get("graph", "resoto")
    store = core._db.graphs.get(graph)
    if store is None:
        return error_response("NoSuchGraph", f"No graph with this name {graph}", 404)
    commands = _split_pipeline(await request.text())
    first = commands[0]
    m = re.match(r"^(search|query)\s+(.*)$", first, re.DOTALL)
    if not m:
        return error_response("CLIParseError", f"Command >{first.split(' ')[0]}< is not supported by the core double")
    try:
        nodes, _ = search(store, m.group(2))
    except SearchError as ex:
        return error_response("ParseError", str(ex))
    for cmd in commands[1:]:
        ids = [n["id"] for n in nodes]
        if _CLEAN_RE.match(cmd):
            nodes = store.mark_clean(ids)
        elif cmd == "protect":
            nodes = store.patch_nodes({nid: {"metadata": {"protected": True}} for nid in ids})
        else:
            return error_response("CLIParseError", f"Command >{cmd}< is not supported by the core double")
    core._changed()
    return await _respond_list(request, nodes)


async def get_node(request: web.Request) -> web.StreamResponse:
    store = _graph_or_404(request)
    node = store.node_json(request.match_info["node_id"])
    if node is None:
        return web.Response(status=404, text=f"No such node with id {request.match_info['node_id']}")
    return web.json_response(node)


def add_routes(app: web.Application) -> None:
    app.add_routes([
        web.get("/model", get_model),
        web.patch("/model", update_graph_model),
        web.get("/graph", list_graphs),
        web.post("/graph/{graph_id}", create_graph),
        web.get("/graph/{graph_id}/model", get_model),
        web.put("/graph/{graph_id}/model", update_graph_model),
        web.patch("/graph/{graph_id}/model", update_graph_model),
        web.post("/graph/{graph_id}/merge", merge_graph),
        web.post("/graph/{graph_id}/search/graph", search_graph),
        web.post("/graph/{graph_id}/search/list", search_graph),
        web.patch("/graph/{graph_id}/nodes", patch_nodes),
        web.get("/graph/{graph_id}/node/{node_id}", get_node),
        web.post("/cli/execute", cli_execute),
    ])
