"""One graph's nodes and edges as the core would hold them after merges and patches (memo §4.3, §5.4).

A merge root replaces what it held before: nodes and edges below it that are not in the new upload
are deleted; the nodes above it (graph root, cloud) are only inserted or updated.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .durations import DURATION_RE, to_timedelta
from .kinds import DATETIME_FORMAT, normalise_datetime
from .merge_graph import MergePlan, resolved_kind

EdgeKey = Tuple[Any, Any, str]
SECTIONS = ("reported", "desired", "metadata", "security", "diff")


def content_hash(node: Dict[str, Any]) -> str:
    raw = json.dumps([node.get("reported"), node.get("desired"), node.get("metadata")], sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]


def expires_of(reported: Dict[str, Any]) -> Optional[str]:
    """`metadata.expires` from the expiry tags, computed on import by the core (memo §6)."""
    tags = reported.get("tags") if isinstance(reported.get("tags"), dict) else {}
    try:
        absolute = tags.get("resoto:expires")
        if absolute:
            return normalise_datetime(absolute)
        relative = tags.get("resoto:expiration") or tags.get("expiration")
        ctime = reported.get("ctime")
        if relative and isinstance(relative, str) and DURATION_RE.fullmatch(relative) and ctime:
            start = datetime.strptime(ctime, DATETIME_FORMAT).replace(tzinfo=timezone.utc)
            delta = to_timedelta(relative)
            if delta is not None:
                return (start + delta).strftime(DATETIME_FORMAT)
    except Exception:
        return None
    return None


def root_node() -> Dict[str, Any]:
    return {"id": "root", "reported": {"kind": "graph_root", "id": "root", "name": "root"}, "desired": None,
            "metadata": {}, "ancestors": {}, "refs": {}, "kinds": ["graph_root"]}


class GraphStore:
    def __init__(self, name: str) -> None:
        self.name = name
        self.nodes: Dict[Any, Dict[str, Any]] = {"root": root_node()}
        self.edges: Dict[EdgeKey, None] = {}

    # ------------------------------------------------------------------ views
    def node_json(self, node_id: Any) -> Optional[Dict[str, Any]]:
        doc = self.nodes.get(node_id)
        if doc is None:
            return None
        out: Dict[str, Any] = {"id": doc["id"], "type": "node", "revision": content_hash(doc)}
        for key in ("reported", "desired", "metadata", "security", "ancestors"):
            if doc.get(key):
                out[key] = copy.deepcopy(doc[key])
        out["kinds"] = list(doc.get("kinds") or [])
        return out

    @staticmethod
    def edge_json(key: EdgeKey) -> Dict[str, Any]:
        return {"type": "edge", "from": key[0], "to": key[1], "edge_type": key[2]}

    def successors(self, node_id: Any, edge_types: Iterable[str]) -> List[Any]:
        types = set(edge_types)
        return [t for (f, t, et) in self.edges if f == node_id and et in types]

    def predecessors(self, node_id: Any, edge_types: Iterable[str]) -> List[Any]:
        types = set(edge_types)
        return [f for (f, t, et) in self.edges if t == node_id and et in types]

    # ------------------------------------------------------------------ merge
    def _upsert(self, data: Dict[str, Any], counts: Dict[str, int]) -> None:
        node_id = data["id"]
        old = self.nodes.get(node_id)
        doc: Dict[str, Any] = copy.deepcopy(old) if old else {"id": node_id}
        for section in ("reported", "desired", "metadata"):
            if data.get(section) is not None:
                doc[section] = copy.deepcopy(data[section])
        doc["kinds"] = list(data.get("kinds") or [])
        doc["ancestors"] = copy.deepcopy(data.get("ancestors") or {})
        doc["refs"] = dict(data.get("refs") or {})
        expires = expires_of(doc.get("reported") or {})
        if expires:
            doc["metadata"] = {**(doc.get("metadata") or {}), "expires": expires}
        if old is None:
            counts["nodes_created"] += 1
        elif content_hash(old) != content_hash(doc):
            counts["nodes_updated"] += 1
        self.nodes[node_id] = doc

    def _delete_node(self, node_id: Any, counts: Dict[str, int]) -> None:
        self.nodes.pop(node_id, None)
        counts["nodes_deleted"] += 1
        for key in [k for k in self.edges if node_id in (k[0], k[1])]:
            del self.edges[key]
            counts["edges_deleted"] += 1

    def apply_merge(self, plan: MergePlan) -> Dict[str, int]:
        counts = {k: 0 for k in ("nodes_created", "nodes_updated", "nodes_deleted", "edges_created",
                                 "edges_updated", "edges_deleted")}
        for node_id in plan.parents:
            self._upsert(plan.nodes[node_id], counts)
        for root, below in plan.subgraphs.items():
            kind = resolved_kind(plan.nodes[root].get("kinds") or [])
            ref = f"{kind}_id"
            old_ids = {nid for nid, doc in self.nodes.items() if (doc.get("refs") or {}).get(ref) == root}
            for node_id in below:
                self._upsert(plan.nodes[node_id], counts)
            for node_id in old_ids - below - plan.parents:
                self._delete_node(node_id, counts)
            for key in [k for k in self.edges if k[0] in below and k not in plan.edges]:
                del self.edges[key]
                counts["edges_deleted"] += 1
        for key in plan.edges:
            if key not in self.edges and key[0] in self.nodes and key[1] in self.nodes:
                self.edges[key] = None
                counts["edges_created"] += 1
        return counts

    # ------------------------------------------------------------------ patch
    def patch_nodes(self, updates: Dict[Any, Dict[str, Any]]) -> List[Dict[str, Any]]:
        out = []
        for node_id, update in updates.items():
            doc = self.nodes.get(node_id)
            if doc is None:
                continue
            for section in SECTIONS:
                if section in update and isinstance(update[section], dict):
                    doc[section] = {**(doc.get(section) or {}), **copy.deepcopy(update[section])}
            out.append(self.node_json(node_id))
        return [n for n in out if n is not None]

    def mark_clean(self, node_ids: Iterable[Any]) -> List[Dict[str, Any]]:
        return self.patch_nodes({nid: {"desired": {"clean": True}} for nid in node_ids})

    def ids(self) -> Set[Any]:
        return set(self.nodes)
