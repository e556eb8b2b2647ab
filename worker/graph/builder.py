"""The graph builder a collector writes one account into.

Nodes go to the spool file as soon as they are added, already in the core's upload format (one JSON
document per line), so no object graph of the account is ever held. What stays in memory is what the
checks at ``finish`` need: a dict node id → small int, and edges as pairs of ints (a few dozen bytes
per resource).

The spool holds the account subtree only (account → regions → resources), the account node first, in
the line format of ``worker.graph.lines``. The graph root, the cloud node, the edges cloud → account and
which node is the replace node are the merger's (``worker.graph.merge``), once per upload.

``finish`` checks what the core would reject or the reference drops silently, and says so:

* an edge whose endpoint was never added: dropped, counted in ``warnings``;
* a node that nothing points to (it would be a second root, which the core rejects): hung under the
  account with a ``default`` edge, counted in ``warnings``;
* a cycle within one edge type: ``GraphError`` (the account fails with the cycle's node ids; the core
  does not check cycles and cleanup ordering would break on one).
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import IO, Dict, List, Optional

from worker.graph.ids import node_id
from worker.graph.lines import deferred_edge_line, edge_line, node_line
from worker.graph.serialize import clean_value, now_str, reported_doc

EDGE_TYPES = ("default", "delete")
MAX_WARNINGS_KEPT = 20


class GraphError(Exception):
    """The collected graph cannot be uploaded as it is."""


@dataclass
class BuildResult:
    account_id: str  # graph node id of the account node
    account_name: str
    nodes: int
    edges: int
    deferred_edges: int
    warnings: List[str] = field(default_factory=list)
    warning_count: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


class GraphBuilder:
    """Writes one account's graph to ``out`` (a text file) line by line."""

    def __init__(self, out: IO[str], cloud: str) -> None:
        self.out = out
        self.cloud = cloud
        self.account: Optional[str] = None  # reported.id of the account
        self.account_node: Optional[str] = None
        self.account_name = ""
        self._index: Dict[str, int] = {}
        self._edges: Dict[str, array] = {t: array("l") for t in EDGE_TYPES}
        self._edge_seen: Dict[str, set] = {t: set() for t in EDGE_TYPES}  # from_slot << 32 | to_slot
        self._deferred: List[str] = []  # lines
        self._warnings: List[str] = []
        self._warning_count = 0
        self._known: set = set()  # slots of nodes actually written

    # ---- the collector-facing API --------------------------------------------------------------

    def add_account(self, reported: dict, metadata: Optional[dict] = None) -> str:
        """Add the account node. Call first: the merger finds it as the spool's first line."""
        if self.account_node is not None:
            raise GraphError("add_account called twice")
        self.account = str(reported["id"])
        self.account_name = str(reported.get("name") or self.account)
        meta = dict(metadata or {})
        meta["exported_at"] = now_str()
        self.account_node = self._write_node(reported, None, None, (), meta, None)
        return self.account_node

    def add_region(self, reported: dict, parent: Optional[str] = None, metadata: Optional[dict] = None) -> str:
        """A region node: its id key includes its name, as the reference's does. Hung under the account
        unless ``parent`` says otherwise."""
        region = str(reported["id"])
        nid = self._write_node(reported, region, None, (reported.get("name", region),), metadata, None)
        self.add_edge(parent or self._require_account(), nid)
        return nid

    def add_node(self, reported: dict, *, region: Optional[str] = None, zone: Optional[str] = None,
                 key_extra: tuple = (), metadata: Optional[dict] = None, desired: Optional[dict] = None,
                 parent: Optional[str] = None, usage: Optional[dict] = None, key: Optional[tuple] = None) -> str:
        """Add one resource. ``reported`` needs ``kind`` and ``id``; ``region``/``zone`` are the ids of
        its region and zone (they are part of the node id); ``parent`` adds a default edge parent → node;
        ``usage`` is ``{metric: {stat: number}}`` (the core keeps it as usage datapoints). The node id
        hashes ``(kind, cloud, account, region, zone, *key)``, ``key`` being ``(id, *key_extra)`` unless
        given (some kinds of the reference order their key differently). Returns the node id."""
        self._require_account()
        nid = self._write_node(reported, region, zone, key_extra, metadata, desired, usage, key)
        if parent is not None:
            self.add_edge(parent, nid)
        return nid

    def add_edge(self, from_id: str, to_id: str, edge_type: str = "default") -> None:
        """``default``: parent → child. ``delete``: ``to`` must be deleted before ``from``."""
        if edge_type not in EDGE_TYPES:
            raise GraphError(f"edge type must be one of {EDGE_TYPES}, got {edge_type!r}")
        a, b = self._slot(from_id), self._slot(to_id)
        seen = self._edge_seen[edge_type]
        key = a << 32 | b
        if key in seen:
            return
        seen.add(key)
        pair = self._edges[edge_type]
        pair.append(a)
        pair.append(b)

    def add_deferred_edge(self, from_id: str, search: str, edge_type: str = "default") -> None:
        """An edge to nodes the core finds with ``search`` after the whole collect (e.g. in another
        account); resolved by the core in its ``merge_outer_edges`` step."""
        if edge_type not in EDGE_TYPES:
            raise GraphError(f"edge type must be one of {EDGE_TYPES}, got {edge_type!r}")
        self._deferred.append(deferred_edge_line(from_id, search, edge_type))

    # ---- finishing -----------------------------------------------------------------------------

    def finish(self) -> BuildResult:
        account = self._require_account()
        ids = self._ids_by_slot()
        known = self._known
        edge_count = 0
        has_parent = bytearray(len(ids))
        for edge_type, pairs in self._edges.items():
            kept = array("l")
            for i in range(0, len(pairs), 2):
                a, b = pairs[i], pairs[i + 1]
                if a not in known or b not in known:
                    missing = ids[a] if a not in known else ids[b]
                    self._warn(f"{edge_type} edge {ids[a]} -> {ids[b]} dropped: node {missing} was never added")
                    continue
                kept.append(a)
                kept.append(b)
                has_parent[b] = 1
            self._check_cycles(edge_type, kept, ids)
            self._edges[edge_type] = kept
        account_slot = self._index[account]
        for slot in sorted(known):
            if not has_parent[slot] and slot != account_slot:
                self._warn(f"node {ids[slot]} had no parent and was hung under the account")
                self._edges["default"].extend((account_slot, slot))
        write = self.out.write
        for edge_type, pairs in self._edges.items():
            for i in range(0, len(pairs), 2):
                write(edge_line(ids[pairs[i]], ids[pairs[i + 1]], edge_type))
                edge_count += 1
        for line in self._deferred:
            write(line)
        self.out.flush()
        return BuildResult(account_id=account, account_name=self.account_name, nodes=len(known),
                           edges=edge_count, deferred_edges=len(self._deferred), warnings=list(self._warnings),
                           warning_count=self._warning_count)

    # ---- internals -----------------------------------------------------------------------------

    def _write_node(self, reported: dict, region: Optional[str], zone: Optional[str], key_extra: tuple,
                    metadata: Optional[dict], desired: Optional[dict], usage: Optional[dict] = None,
                    key: Optional[tuple] = None) -> str:
        if "kind" not in reported or reported.get("id") is None:
            raise GraphError(f"a node needs 'kind' and 'id' in reported: {str(reported)[:200]}")
        kind = reported["kind"]
        rid = str(reported["id"])
        nid = node_id(kind, self.cloud, self.account, region, zone, *(key or (rid, *key_extra)))
        self.out.write(node_line(nid, reported_doc(reported, rid), clean_value(desired) if desired else None,
                                 clean_value(metadata) if metadata else None, clean_value(usage) if usage else None))
        self._known.add(self._slot(nid))
        return nid

    def _slot(self, nid: str) -> int:
        slot = self._index.get(nid)
        if slot is None:
            slot = self._index[nid] = len(self._index)
        return slot

    def _ids_by_slot(self) -> List[str]:
        ids = [""] * len(self._index)
        for nid, slot in self._index.items():
            ids[slot] = nid
        return ids

    def _require_account(self) -> str:
        if self.account_node is None:
            raise GraphError("add_account must be called before anything else")
        return self.account_node

    def _warn(self, text: str) -> None:
        self._warning_count += 1
        if len(self._warnings) < MAX_WARNINGS_KEPT:
            self._warnings.append(text)

    @staticmethod
    def _check_cycles(edge_type: str, pairs: array, ids: List[str]) -> None:
        """Kahn's algorithm over one edge type; whatever cannot be peeled off lies on a cycle."""
        out: Dict[int, List[int]] = {}
        indegree: Dict[int, int] = {}
        for i in range(0, len(pairs), 2):
            a, b = pairs[i], pairs[i + 1]
            out.setdefault(a, []).append(b)
            indegree[b] = indegree.get(b, 0) + 1
            indegree.setdefault(a, 0)
        ready = [n for n, d in indegree.items() if d == 0]
        while ready:
            n = ready.pop()
            for m in out.get(n, ()):
                indegree[m] -= 1
                if indegree[m] == 0:
                    ready.append(m)
        cyclic = [ids[n] for n, d in indegree.items() if d > 0]
        if cyclic:
            raise GraphError(f"the {edge_type} edges form a cycle through {len(cyclic)} nodes, e.g. "
                             f"{', '.join(cyclic[:5])}")

