"""The merge upload's line format (protocol memo §4.3), written and read here only.

One JSON document per line: a node ``{"id", "reported", "desired"?, "metadata", "usage"?}``, an edge
``{"from", "to", "edge_type"?}`` (no ``edge_type``: ``default``), a deferred edge
``{"from_selector", "to_selector", "edge_type"}``. The builder writes an account's lines to its spool
(``worker.graph.builder``); the merger adds the root, the clouds and the edges cloud → account, and
marks the replace node (``worker.graph.merge``).

Node ids come from ``worker.graph.ids`` (url-safe base64), so they are put into lines without escaping,
and a node line can be recognised, and its id read, by its first bytes.
"""
from __future__ import annotations

import json
from typing import Optional

from worker.graph.ids import cloud_id, root_id

PLAIN_METADATA = {"cleaned": False, "phantom": False, "protected": False}

# one encoder for all lines: json.dumps with options builds a new encoder on every call
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_PLAIN_METADATA_PART = ',"metadata":' + dumps(PLAIN_METADATA)
_NODE_START = '{"id":"'


def node_line(nid: str, reported: dict, desired: Optional[dict] = None, metadata: Optional[dict] = None,
              usage: Optional[dict] = None) -> str:
    """``reported``, ``desired``, ``metadata`` and ``usage`` already clean (``worker.graph.serialize``), each
    but ``reported`` left out when None; ``metadata`` is added to the plain one."""
    # assembled by hand around the encoded parts: this runs for every node, and most nodes have the
    # plain metadata, a constant
    line = _NODE_START + nid + '","reported":' + dumps(reported)
    if desired is not None:
        line += ',"desired":' + dumps(desired)
    if metadata is not None:
        line += ',"metadata":' + dumps({**PLAIN_METADATA, **metadata})
    else:
        line += _PLAIN_METADATA_PART
    if usage is not None:
        line += ',"usage":' + dumps(usage)
    return line + "}\n"


def edge_line(from_id: str, to_id: str, edge_type: str = "default") -> str:
    suffix = "}\n" if edge_type == "default" else ',"edge_type":"' + edge_type + '"}\n'
    return '{"from":"' + from_id + '","to":"' + to_id + '"' + suffix


def deferred_edge_line(from_id: str, search: str, edge_type: str) -> str:
    return dumps({"from_selector": {"node_id": from_id}, "to_selector": {"search_criteria": search},
                  "edge_type": edge_type}) + "\n"


def root_line() -> str:
    return dumps({"id": root_id(), "reported": {"id": "root", "tags": {}, "name": "root", "kind": "graph_root"},
                  "metadata": {**PLAIN_METADATA, "phantom": True}}) + "\n"


def cloud_line(cloud: str, replace: bool) -> str:
    meta = {**PLAIN_METADATA, "replace": True} if replace else PLAIN_METADATA
    return dumps({"id": cloud_id(cloud), "reported": {"id": cloud, "tags": {}, "name": cloud, "kind": "cloud"},
                  "metadata": meta}) + "\n"


def as_replace_node(line: str) -> str:
    """The node line with ``metadata.replace`` set: what the core replaces in one merge. Byte for byte the
    line the builder would have written with it (the same encoder, keys in the same order)."""
    doc = json.loads(line)
    doc["metadata"]["replace"] = True
    return dumps(doc) + "\n"


def node_id_of(line: str) -> Optional[str]:
    """The id of a node line, None for any other line."""
    if line.startswith(_NODE_START):
        return line[len(_NODE_START):line.index('"', len(_NODE_START))]
    return None


def line_key(line: str) -> str:
    """What makes two lines of one upload the same: a node's id, an edge's whole line."""
    nid = node_id_of(line)
    return "e" + line if nid is None else "n" + nid
