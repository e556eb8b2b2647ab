"""Helpers of the Azure tests: the config section for the local server, a recording progress sink, and
collecting one subscription into a real GraphBuilder (parsed back from its spool file)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from azure_arm.arm_estate import TOKEN


def section_for(server, ca: str, **overrides) -> dict:
    """The ``azure`` section the tests start from: the local endpoint, its CA, the test token, no waits."""
    section = {"base_url": server.url, "ca_bundle": ca, "static_token": TOKEN, "polling_interval": 0,
               "retry_backoff_factor": 0.01, "retry_total": 10}
    section.update(overrides)
    return section

def use_state(server, state):
    """Serve ``state`` from now on (the server keeps running)."""
    server.state = server.app.state = state
    return state


@dataclass
class RecordingProgress:
    parts_declared: List[str] = field(default_factory=list)
    parts_done: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def parts(self, names: List[str]) -> None:
        self.parts_declared.extend(names)

    def done(self, name: str) -> None:
        self.parts_done.append(name)

    def error(self, message: str) -> None:
        self.errors.append(message)


@dataclass
class Collected:
    """One subscription's spool file, parsed."""

    path: Path
    nodes: Dict[str, dict]
    edges: List[dict]
    result: object
    progress: RecordingProgress

    def of_kind(self, kind: str) -> List[dict]:
        return [n for n in self.nodes.values() if n["reported"]["kind"] == kind]

    def by_name(self, kind: str, name: str) -> dict:
        found = [n for n in self.of_kind(kind) if n["reported"]["name"] == name]
        assert len(found) == 1, f"{kind} {name}: found {len(found)}"
        return found[0]

    def has_edge(self, source: dict, target: dict, edge_type: str = "default") -> bool:
        return any(e["from"] == source["id"] and e["to"] == target["id"] and e.get("edge_type", "default") == edge_type
                   for e in self.edges)


def collect_into_file(section: dict, account, path: Path) -> Collected:
    """Run the ``resotoworker_collect_account`` hook into a GraphBuilder writing ``path``."""
    import collectors.azure as plugin
    from worker.graph.builder import GraphBuilder

    progress = RecordingProgress()
    with path.open("w") as out:
        builder = GraphBuilder(out, "azure")
        assert plugin.resotoworker_collect_account(cloud="azure", config=section, account=account, builder=builder,
                                                   progress=progress, task={}) is True
        result = builder.finish()
    nodes, edges = {}, []
    for line in path.read_text().splitlines():
        doc = json.loads(line)
        if "reported" in doc:
            nodes[doc["id"]] = doc
        elif "from" in doc:
            edges.append(doc)
    return Collected(path, nodes, edges, result, progress)
