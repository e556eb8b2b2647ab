#!/usr/bin/env python
"""Check a model and merge uploads with the real resotocore 3.9.0 code, in memory (no database).

Run it with the side venv's python (see side_venv.py); it imports resotocore.

Input (a JSON document on stdin, or the file named by the only argument):

    {"model": [kind, ...],          # the body of PUT/PATCH /graph/G/model
     "uploads": [[line, ...], ...], # merge bodies; a line is a JSON object or an ndjson text line
     "replace_model": true,         # true = PUT (replace), false = PATCH (merge); default true
     "base_model": [kind, ...]}     # optional: kinds the graph already had before this update

or, for use by hand:

    check_upload.py --model model.json [--patch] [--base-model old.json] upload1.ndjson upload2.ndjson ...

What runs, in the core's own order:

1. model: the kinds are parsed like the API does (typed_model.from_js(body, List[Kind])), then
   Model.update_kinds(kinds, replace=...) on the graph's current model (core's predefined kinds,
   plus base_model if given). The result is passed through to_js/from_js and Model.from_kinds,
   as the model is stored in and loaded from the database by the merge process.
   If the update is rejected, the uploads are checked against the model the graph had before,
   as the real core would. Note the core's quirk: a PUT whose kinds are all unchanged is a no-op,
   so kinds missing from it are deleted only when at least one sent kind is new or changed.
2. each upload: a fresh GraphBuilder(model, change_id); add_from_json for every line (blank text
   lines are skipped, like the API's line reader); check_complete(); GraphAccess.merge_graphs()
   with every merge sub-graph generated (that is where overlapping merge roots are detected), and
   the resolved-kind guard that GraphDB.merge_graph applies to each merge root.

Output: one JSON document on stdout:

    {"model_error": str|null, "model_error_type": str|null, "model_http_body": str|null, "kinds": n,
     "model_kinds": [fqn, ...] (the graph's kinds after the update, predefined ones left out),
     "predefined_kinds": [fqn, ...],
     "uploads": [{"ok": bool, "error": str|null, "error_type": str|null, "stage": str|null,
                  "line": int|null, "raised_in": str|null, "http_body": str|null,
                  "nodes": n, "edges": n, "node_lines": n, "edge_lines": n, "deferred_edges": n,
                  "merge_roots": [node id, ...], "merge_root_kinds": {node id: kind},
                  "parents": [node id, ...], "organizational_root": str|null, "seconds": float}, ...]}

``http_body`` is what the core would answer (400) for a synchronous request: model updates fail
with ``Error: <Type>\\nMessage: <text>``; merge errors happen in the core's import process and are
wrapped: ``Error: ImportAborted\\nMessage: <repr of the original exception>``.
Exit status: 0 when the checks ran (whatever they found), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from resotocore.model.graph_access import GraphAccess, GraphBuilder
from resotocore.model.model import Kind, Model, predefined_kinds_by_name
from resotocore.model.resolve_in_graph import GraphResolver
from resotocore.model.typed_model import from_js, to_js

CHANGE_ID = "conformance-check"


def _raised_in(ex: BaseException) -> Optional[str]:
    """file:function of the innermost frame inside resotocore/resotolib that raised ex."""
    found = None
    for frame in traceback.extract_tb(ex.__traceback__):
        fn = frame.filename.replace("\\", "/")
        for pkg in ("/resotocore/", "/resotolib/"):
            if pkg in fn:
                found = f"{pkg.strip('/')}/{fn.split(pkg, 1)[1]}:{frame.name}"
    return found


def _stored_and_loaded(model: Model) -> Model:
    """The model as the merge process sees it: stored kinds (to_js) loaded back (from_js)."""
    stored = [to_js(k) for fqn, k in model.kinds.items() if fqn not in predefined_kinds_by_name]
    return Model.from_kinds(from_js(stored, List[Kind]))  # type: ignore[arg-type]


def build_model(kinds_js: Any, replace: bool, base_js: Any = None) -> Tuple[Model, Dict[str, Any]]:
    info: Dict[str, Any] = {"model_error": None, "model_error_type": None, "model_http_body": None,
                            "model_raised_in": None}
    current = Model.from_kinds([])  # a new graph: core's predefined kinds only
    if base_js is not None:
        try:
            current = _stored_and_loaded(current.update_kinds(from_js(base_js, List[Kind]), replace=True))
        except Exception as ex:  # noqa: BLE001 - reported, not handled
            raise SystemExit(f"base_model is rejected by the core: {type(ex).__name__}: {ex}")
    try:
        kinds: List[Kind] = from_js(kinds_js, List[Kind])  # type: ignore[arg-type]
        updated = current.update_kinds(kinds, replace=replace)
        model = _stored_and_loaded(updated)
    except Exception as ex:  # noqa: BLE001 - the core answers 400 for every exception here
        info.update(model_error=str(ex), model_error_type=type(ex).__name__,
                    model_http_body=f"Error: {type(ex).__name__}\nMessage: {ex}", model_raised_in=_raised_in(ex))
        model = current
    info["kinds"] = len(model.kinds)
    info["model_kinds"] = sorted(k for k in model.kinds if k not in predefined_kinds_by_name)
    info["predefined_kinds"] = sorted(predefined_kinds_by_name)
    return model, info


def check_upload(model: Model, lines: List[Any]) -> Dict[str, Any]:
    started = time.monotonic()
    res: Dict[str, Any] = {
        "ok": False, "error": None, "error_type": None, "stage": None, "line": None, "raised_in": None,
        "http_body": None, "nodes": 0, "edges": 0, "node_lines": 0, "edge_lines": 0, "deferred_edges": 0,
        "merge_roots": [], "merge_root_kinds": {}, "parents": [], "organizational_root": None,
    }
    builder = GraphBuilder(model, CHANGE_ID)
    stage = "parse"
    try:
        for idx, raw in enumerate(lines):
            res["line"] = idx
            stage = "parse"
            if isinstance(raw, (str, bytes)):
                if not raw.strip():
                    continue
                js = json.loads(raw)
            else:
                js = raw
            stage = "add_from_json"
            builder.add_from_json(js)
        res["line"] = None
        res.update(node_lines=builder.nodes, edge_lines=builder.edges)  # before check_complete rewires the root
        stage = "check_complete"
        builder.check_complete()
        stage = "merge_graphs"
        graph = builder.graph
        roots, parent, sub_graphs = GraphAccess.merge_graphs(graph)
        list(parent.not_visited_nodes())
        for root, sub in sub_graphs:  # generating them runs the overlap check
            root_kind = GraphResolver.resolved_kind(graph.nodes[root])
            if not root_kind:  # GraphDB.merge_graph's own guard
                raise AttributeError(f"Kind of update root {root} is not a pre-resolved and can not be used!")
            res["merge_root_kinds"][root] = root_kind
            list(sub.not_visited_nodes())
        res.update(ok=True, stage=None, merge_roots=list(roots), parents=sorted(parent.g.nodes))
    except Exception as ex:  # noqa: BLE001 - every exception aborts the import in the core
        res.update(ok=False, error=str(ex), error_type=type(ex).__name__, stage=stage, raised_in=_raised_in(ex),
                   http_body=f"Error: ImportAborted\nMessage: {ex!r}")
    if res["line"] is not None:  # stopped while reading lines: counts so far
        res.update(node_lines=builder.nodes, edge_lines=builder.edges)
    res.update(
        nodes=builder.graph.number_of_nodes(), edges=builder.graph.number_of_edges(),
        deferred_edges=len(builder.deferred_edges),
        organizational_root=builder.organizational_root, seconds=round(time.monotonic() - started, 3),
    )
    return res


def check(doc: Dict[str, Any]) -> Dict[str, Any]:
    if not isinstance(doc, dict) or "model" not in doc:
        raise SystemExit('input must be a JSON object with "model" and "uploads"')
    uploads = doc.get("uploads", [])
    if not isinstance(uploads, list) or not all(isinstance(u, list) for u in uploads):
        raise SystemExit('"uploads" must be a list of lists of lines')
    started = time.monotonic()
    model, out = build_model(doc["model"], bool(doc.get("replace_model", True)), doc.get("base_model"))
    out["model_seconds"] = round(time.monotonic() - started, 3)
    out["uploads"] = [check_upload(model, lines) for lines in uploads]
    return out


def _read_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="an input JSON document, or (with --model) ndjson uploads")
    ap.add_argument("--model", help="model JSON file (list of kinds); then the positional files are uploads")
    ap.add_argument("--base-model", help="model JSON file the graph had before the update")
    ap.add_argument("--patch", action="store_true", help="merge the model (PATCH) instead of replacing it (PUT)")
    args = ap.parse_args(argv)
    if args.model:
        doc = {
            "model": _read_json(args.model),
            "replace_model": not args.patch,
            "uploads": [Path(f).read_text(encoding="utf-8").splitlines() for f in args.files],
        }
        if args.base_model:
            doc["base_model"] = _read_json(args.base_model)
    elif len(args.files) > 1:
        ap.error("give one input document (or use --model with ndjson files)")
    else:
        doc = _read_json(args.files[0]) if args.files else json.load(sys.stdin)

    real_stdout, sys.stdout = sys.stdout, sys.stderr  # stdout carries only the result
    try:
        result = check(doc)
    finally:
        sys.stdout = real_stdout
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit as ex:
        if isinstance(ex.code, str):
            print(ex.code, file=sys.stderr)
            sys.exit(2)
        raise
