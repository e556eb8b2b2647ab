"""Composing merge uploads from spool files, by streaming: the graph root and each cloud node are written
once, then each account's spool is copied through in chunks. Memory stays flat whatever the number or
size of the accounts (in ``cloud`` merge mode a set of node and edge keys is kept to write shared nodes
once). The merger decides which node the core replaces: the spools carry no merge mode.

Shapes (protocol memo §4.3):
* ``account`` mode, one upload per account: root → cloud → account (the replace node) → …
* ``cloud`` mode, one upload per cloud: root → cloud (the replace node) → every account → …
* a single file with several accounts (``collect --output FILE``): root once, each cloud once, every
  account a replace node (``account`` mode) — one valid upload for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Set

from worker.graph.ids import cloud_id, root_id
from worker.graph.lines import as_replace_node, cloud_line, edge_line, line_key, node_id_of, root_line

CHUNK = 1 << 16
MERGE_KINDS = ("account", "cloud")


@dataclass(frozen=True)
class AccountSpool:
    cloud: str
    account_node: str  # graph node id of the account
    path: str
    nodes: int
    edges: int


class MergeStream:
    """Writes one upload: call ``add`` per spool (in any order, clouds mixed), then iterate.

    ``merge_kind`` is the node the core replaces: each ``account`` (the default), or the ``cloud``, whose
    accounts may then share nodes (written once)."""

    def __init__(self, merge_kind: str = "account") -> None:
        if merge_kind not in MERGE_KINDS:
            raise ValueError(f"merge_kind must be one of {MERGE_KINDS}, got {merge_kind!r}")
        self.merge_kind = merge_kind
        self.spools: List[AccountSpool] = []

    def add(self, spool: AccountSpool) -> "MergeStream":
        self.spools.append(spool)
        return self

    @property
    def nodes(self) -> int:
        return 1 + len({s.cloud for s in self.spools}) + sum(s.nodes for s in self.spools)

    @property
    def edges(self) -> int:
        return len({s.cloud for s in self.spools}) + sum(s.edges + 1 for s in self.spools)

    def cloud_part(self, cloud: str) -> bytes:
        return (cloud_line(cloud, self.merge_kind == "cloud") + edge_line(root_id(), cloud_id(cloud))).encode()

    def account_part(self, spool: AccountSpool, seen: Optional[Set[str]] = None) -> Iterator[bytes]:
        yield edge_line(cloud_id(spool.cloud), spool.account_node).encode()
        if seen is None:
            yield from _copy(spool, self.merge_kind == "account")
        else:
            yield from _deduped(spool.path, seen)

    def __iter__(self) -> Iterator[bytes]:
        seen_clouds: Set[str] = set()
        seen: Optional[Set[str]] = set() if self.merge_kind == "cloud" else None
        yield root_line().encode()
        for spool in self.spools:
            if spool.cloud not in seen_clouds:
                seen_clouds.add(spool.cloud)
                yield self.cloud_part(spool.cloud)
            yield from self.account_part(spool, seen)


def _copy(spool: AccountSpool, account_replaced: bool) -> Iterator[bytes]:
    with open(spool.path, "rb") as f:
        if account_replaced:
            # the builder writes the account node first; only that line is decoded, the rest is copied
            first = f.readline().decode("utf-8")
            if node_id_of(first) != spool.account_node:
                raise ValueError(f"{spool.path} does not start with its account node {spool.account_node}")
            yield as_replace_node(first).encode()
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                return
            yield chunk


def _deduped(path: str, seen: Set[str]) -> Iterator[bytes]:
    """Lines of a spool, skipping nodes and edges an earlier spool of the same upload already wrote."""
    batch: List[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            key = line_key(line)
            if key in seen:
                continue
            seen.add(key)
            batch.append(line)
            if len(batch) >= 512:
                yield "".join(batch).encode()
                batch.clear()
    if batch:
        yield "".join(batch).encode()
