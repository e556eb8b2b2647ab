"""Reading a merge upload the way the core's graph builder does (protocol memo §4.3–§4.6).

Lines are fed one at a time so that a broken line is reported at the same point the core reports it
(an error in line 3 wins over bad JSON in line 7); `finish()` then runs the whole-graph checks and
works out the merge roots, their parents and what each root replaces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from .kinds import ANY, EDGE_TYPES, AnyKind, ComplexKind, Kind

RESOLVED_KINDS = ("cloud", "account", "region", "zone")
EdgeKey = Tuple[Any, Any, Any]


def _set_repr(items: Any) -> str:
    ordered = sorted(items, key=lambda x: (str(type(x)), str(x)))
    return "{" + ", ".join(repr(i) for i in ordered) + "}" if ordered else "set()"


def resolved_kind(kinds: List[str]) -> Optional[str]:
    for k in kinds:
        if k in RESOLVED_KINDS:
            return k
    return None


@dataclass
class MergePlan:
    nodes: Dict[Any, Dict[str, Any]]
    edges: Dict[EdgeKey, None]
    roots: List[Any]  # merge roots (replace nodes) in discovery order
    parents: Set[Any]  # everything above (and including) the merge roots: only upserted
    subgraphs: Dict[Any, Set[Any]]  # merge root -> the nodes it replaces
    node_lines: int
    edge_lines: int
    deferred_edges: List[Dict[str, Any]] = field(default_factory=list)


class MergeBuilder:
    def __init__(self, kinds: Dict[str, Kind]) -> None:
        self.kinds = kinds
        self.nodes: Dict[Any, Dict[str, Any]] = {}  # nodes only named by an edge get an empty dict
        self.edges: Dict[EdgeKey, None] = {}
        self.succ: Dict[Any, Dict[Any, None]] = {}
        self.pred: Dict[Any, Dict[Any, None]] = {}
        self.node_lines = 0
        self.edge_lines = 0
        self.deferred: List[Dict[str, Any]] = []
        self.organizational_root: Optional[Any] = None

    # ------------------------------------------------------------------ per line
    def add(self, js: Any) -> None:
        if not isinstance(js, (dict, list, str)):
            raise TypeError(f"argument of type '{type(js).__name__}' is not iterable")
        if "id" in js and "reported" in js:
            self._add_node(js)
        elif "from" in js and "to" in js:
            self._add_edge(js["from"], js["to"], js.get("edge_type", "default"))
        elif "from_selector" in js and "to_selector" in js:
            self.deferred.append({"from": self._selector(js["from_selector"]), "to": self._selector(js["to_selector"]),
                                  "edge_type": js.get("edge_type", "default")})
        else:
            raise AttributeError(f"Format not understood! Got {json.dumps(js)} which is neither vertex nor edge.")

    @staticmethod
    def _selector(js: Any) -> Dict[str, Any]:
        if isinstance(js, dict) and "node_id" in js and isinstance(js["node_id"], str):
            return {"node_id": js["node_id"]}
        if isinstance(js, dict) and "search_criteria" in js and isinstance(js["search_criteria"], str):
            return {"search_criteria": js["search_criteria"]}
        raise AttributeError(f"can't parse edge selector! Got {json.dumps(js)}")

    def _check_reported(self, reported: Any) -> Tuple[Dict[str, Any], Kind]:
        if not isinstance(reported, dict):
            raise TypeError(f"{type(reported).__name__} indices must be integers or slices, not str")
        if "kind" not in reported:
            raise AttributeError(f"No attribute kind found in {reported}")
        name = reported["kind"]
        kind = self.kinds.get(name) if isinstance(name, str) else None
        if kind is None or not isinstance(kind, (ComplexKind, AnyKind)):
            raise AttributeError(f"No kind definition found for {name}")
        coerced = kind.check(reported, {})
        return (reported if coerced is None else coerced), kind

    def _add_node(self, js: Dict[str, Any]) -> None:
        self.node_lines += 1
        reported, kind = self._check_reported(js["reported"])
        metadata = js.get("metadata")
        if js.get("replace", False) is True:
            metadata = metadata or {}
            metadata["replace"] = True
        hierarchy = sorted(kind.hierarchy) if isinstance(kind, ComplexKind) else [ANY.fqn]
        node_id = js["id"]
        self.nodes.setdefault(node_id, {}).update(
            id=node_id, reported=reported, desired=js.get("desired"), metadata=metadata, kinds=hierarchy,
            usage=js.get("usage") or None, search=js.get("search"),
        )
        self.succ.setdefault(node_id, {})
        self.pred.setdefault(node_id, {})
        if "organizational_root" in hierarchy:
            if self.organizational_root is not None:
                raise AssertionError("There can be only one organizational root!")
            self.organizational_root = node_id

    def _add_edge(self, frm: Any, to: Any, edge_type: Any) -> None:
        self.edge_lines += 1
        for n in (frm, to):
            self.nodes.setdefault(n, {})
            self.succ.setdefault(n, {})
            self.pred.setdefault(n, {})
        self.edges[(frm, to, edge_type)] = None
        self.succ[frm][to] = None
        self.pred[to][frm] = None

    def _remove_edge(self, key: EdgeKey) -> None:
        del self.edges[key]
        frm, to, _ = key
        if not any((frm, to, t) in self.edges for t in EDGE_TYPES):
            self.succ[frm].pop(to, None)
            self.pred[to].pop(frm, None)

    def _edge_types(self) -> Set[Any]:
        return {k[2] for k in self.edges}

    def _root_id(self) -> Any:
        roots = [n for n in self.nodes if not self.pred[n]]
        if len(roots) != 1:
            raise AssertionError(f"Given subgraph has more than one root: {roots}")
        return roots[0]

    # ------------------------------------------------------------------ whole graph
    def finish(self) -> MergePlan:
        for node_id, node in self.nodes.items():
            if not node.get("reported"):
                raise AssertionError(f"{node_id} was used in an edge definition but not provided as vertex!")
        types = self._edge_types()
        if types - set(EDGE_TYPES):
            raise AssertionError(
                f"Graph contains unknown edge types! Given: {_set_repr(types)}. Known: {_set_repr(EDGE_TYPES)}"
            )
        rid = self._root_id()
        if (self.nodes[rid].get("reported") or {}).get("kind") == "graph_root" and rid != "root":
            self._rename_root(rid)
        self._resolve_ancestors()
        roots, parents = self._replace_roots()
        subgraphs: Dict[Any, Set[Any]] = {}
        seen: Set[Any] = set()
        for root in roots:
            below = self._below(root, parents)
            overlap = below & seen
            if overlap:
                raise AttributeError(f"Nodes are referenced in more than one merge node: {_set_repr(overlap)}")
            seen |= below
            subgraphs[root] = below
        return MergePlan(self.nodes, self.edges, roots, parents, subgraphs, self.node_lines, self.edge_lines,
                         self.deferred)

    def _rename_root(self, rid: Any) -> None:
        node = self.nodes[rid]
        node["id"] = "root"
        self.nodes.setdefault("root", {}).update(node)
        self.succ.setdefault("root", {})
        self.pred.setdefault("root", {})
        for succ in list(self.succ[rid]):
            for edge_type in EDGE_TYPES:
                if (rid, succ, edge_type) in self.edges:
                    self._remove_edge((rid, succ, edge_type))
                    self._add_edge("root", succ, edge_type)
                    self.edge_lines -= 1  # a moved edge, not one more line
        for key in [k for k in self.edges if rid in (k[0], k[1])]:
            self._remove_edge(key)
        del self.nodes[rid], self.succ[rid], self.pred[rid]

    def _ancestor(self, node_id: Any, kind: str) -> Optional[Dict[str, Any]]:
        level, visited = [node_id], {node_id}
        while level:
            parents: List[Any] = []
            for nid in level:
                node = self.nodes[nid]
                if kind in (node.get("kinds") or []):
                    return node
                for p in self.pred[nid]:
                    if (p, nid, "default") in self.edges and p not in visited:
                        visited.add(p)
                        parents.append(p)
            level = parents
        return None

    def _resolve_ancestors(self) -> None:
        for node_id, node in self.nodes.items():
            ancestors: Dict[str, Any] = {}
            refs: Dict[str, Any] = {}
            for kind in RESOLVED_KINDS:
                anc = self._ancestor(node_id, kind)
                if anc is None:
                    continue
                rep = anc.get("reported") or {}
                section = {k: rep[k] for k in ("name", "id") if rep.get(k)}
                if section:
                    ancestors[kind] = {"reported": section}
                refs[f"{kind}_id"] = anc["id"]
            node["ancestors"] = ancestors
            node["refs"] = refs

    def _replace_roots(self) -> Tuple[List[Any], Set[Any]]:
        seen: Set[Any] = set()

        def walk(source: Any) -> Tuple[Dict[Any, None], Set[Any]]:
            if source in seen:
                return {}, set()
            seen.add(source)
            metadata = self.nodes[source].get("metadata") or {}
            if metadata.get("replace", False):
                return {source: None}, {source}
            found: Dict[Any, None] = {}
            above = {source}
            for child in self.succ[source]:
                f, a = walk(child)
                found.update(f)
                above |= a
            return found, above

        found, parents = walk(self._root_id())
        if not found:
            raise AssertionError("No replace nodes provided in the graph. Mark at least one node with replace=true!")
        for node_id in found:
            if resolved_kind(self.nodes[node_id].get("kinds") or []) is None:
                raise AssertionError(
                    f"Node {node_id} is marked as replace node, but the kind is not resolved during import!"
                )
        return list(found), parents

    def _below(self, root: Any, parents: Set[Any]) -> Set[Any]:
        visited = {root}
        level = [root]
        while level:
            nxt = [s for n in level for s in self.succ[n] if s not in visited and s not in parents]
            visited.update(nxt)
            level = nxt
        return visited
