"""Running one collector hook into a real GraphBuilder and reading the spool back, for the collectors'
tests (AWS, Azure, …)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from worker.graph.builder import GraphBuilder


@dataclass
class RecordingProgress:
    parts_declared: List[str] = field(default_factory=list)
    parts_done: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    retries: Dict[str, int] = field(default_factory=dict)  # reason -> API calls the SDK retried

    def parts(self, names: List[str]) -> None:
        self.parts_declared.extend(names)

    def done(self, name: str) -> None:
        self.parts_done.append(name)

    def error(self, message: str) -> None:
        self.errors.append(message)

    def retried(self, count: int = 1, reason: str = "throttled") -> None:
        self.retries[reason] = self.retries.get(reason, 0) + count


@dataclass
class Collected:
    """One account's spool file, parsed."""

    path: Path
    nodes: Dict[str, dict]
    edges: List[dict]
    result: object
    progress: RecordingProgress

    def of_kind(self, kind: str) -> List[dict]:
        return [n for n in self.nodes.values() if n["reported"]["kind"] == kind]

    def _one(self, kind: str, field_name: str, value: str) -> dict:
        found = [n for n in self.of_kind(kind) if n["reported"].get(field_name) == value]
        assert len(found) == 1, f"{kind} {value}: found {len(found)}"
        return found[0]

    def by_id(self, kind: str, resource_id: str) -> dict:
        return self._one(kind, "id", resource_id)

    def by_name(self, kind: str, name: str) -> dict:
        return self._one(kind, "name", name)

    def edge_set(self) -> set:
        return {(e["from"], e["to"], e.get("edge_type", "default")) for e in self.edges}

    def has_edge(self, source: dict, target: dict, edge_type: str = "default") -> bool:
        return (source["id"], target["id"], edge_type) in self.edge_set()


def read_spool(path: Path, result, progress: RecordingProgress) -> Collected:
    nodes, edges = {}, []
    for line in path.read_text().splitlines():
        doc = json.loads(line)
        if "reported" in doc:
            nodes[doc["id"]] = doc
        elif "from" in doc:
            edges.append(doc)
    return Collected(path, nodes, edges, result, progress)


def collect_into_file(plugin, cloud: str, section: dict, account, path: Path,
                      progress: Optional[RecordingProgress] = None) -> Collected:
    """Run ``plugin.resotoworker_collect_account`` into a GraphBuilder writing ``path``."""
    progress = progress or RecordingProgress()
    with path.open("w") as out:
        builder = GraphBuilder(out, cloud)
        assert plugin.resotoworker_collect_account(cloud=cloud, config=section, account=account, builder=builder,
                                                   progress=progress, task={}) is True
        result = builder.finish()
    return read_spool(path, result, progress)
