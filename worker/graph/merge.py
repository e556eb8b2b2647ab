"""Composing merge uploads from spool files, by streaming: the graph root and each cloud node are written
once, then each account's spool is copied through in chunks. Memory stays flat whatever the number or
size of the accounts (in ``cloud`` merge mode a set of node and edge keys is kept to write shared nodes
once).

Shapes (protocol memo §4.3):
* ``account`` mode, one upload per account: root → cloud → account (the replace node) → …
* ``cloud`` mode, one upload per cloud: root → cloud (the replace node) → every account → …
* a single file with several accounts (``collect --output FILE``): root once, each cloud once, every
  account a replace node — one valid upload for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Set

from worker.graph.builder import PLAIN_METADATA, dumps
from worker.graph.ids import cloud_id, root_id

CHUNK = 1 << 16



@dataclass(frozen=True)
class AccountSpool:
    cloud: str
    account_node: str  # graph node id of the account
    path: str
    nodes: int
    edges: int


def root_line() -> str:
    return dumps({"id": root_id(), "reported": {"id": "root", "tags": {}, "name": "root", "kind": "graph_root"},
                  "metadata": {**PLAIN_METADATA, "phantom": True}}) + "\n"


def cloud_line(cloud: str, replace: bool) -> str:
    meta = dict(PLAIN_METADATA)
    if replace:
        meta["replace"] = True
    return dumps({"id": cloud_id(cloud), "reported": {"id": cloud, "tags": {}, "name": cloud, "kind": "cloud"},
                  "metadata": meta}) + "\n"


def edge_line(from_id: str, to_id: str) -> str:
    return dumps({"from": from_id, "to": to_id}) + "\n"


def _copy(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                return
            yield chunk


class MergeStream:
    """Writes one upload: call ``account`` per spool (in any order, clouds mixed), then iterate."""

    def __init__(self, cloud_replace: bool = False, dedupe: bool = False) -> None:
        self.cloud_replace = cloud_replace
        self.dedupe = dedupe
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
        return (cloud_line(cloud, self.cloud_replace) + edge_line(root_id(), cloud_id(cloud))).encode()

    def account_part(self, spool: AccountSpool, seen: Optional[Set[str]] = None) -> Iterator[bytes]:
        yield edge_line(cloud_id(spool.cloud), spool.account_node).encode()
        if seen is None:
            yield from _copy(spool.path)
        else:
            yield from _deduped(spool.path, seen)

    def __iter__(self) -> Iterator[bytes]:
        seen_clouds: Set[str] = set()
        seen: Optional[Set[str]] = set() if self.dedupe else None
        yield root_line().encode()
        for spool in self.spools:
            if spool.cloud not in seen_clouds:
                seen_clouds.add(spool.cloud)
                yield self.cloud_part(spool.cloud)
            yield from self.account_part(spool, seen)


def _deduped(path: str, seen: Set[str]) -> Iterator[bytes]:
    """Lines of a spool, skipping nodes and edges an earlier spool of the same upload already wrote."""
    batch: List[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            key = _line_key(line)
            if key in seen:
                continue
            seen.add(key)
            batch.append(line)
            if len(batch) >= 512:
                yield "".join(batch).encode()
                batch.clear()
    if batch:
        yield "".join(batch).encode()


def _line_key(line: str) -> str:
    # node lines start with {"id":"<id>" (the builder writes them so); edges are keyed by the whole line
    if line.startswith('{"id":"'):
        return "n" + line[7:line.index('"', 7)]
    return "e" + line

