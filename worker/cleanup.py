"""The ``cleanup`` action (protocol memo §5): fetch what is marked for cleanup, order it by ``delete``
edges, delete it through the collectors (one child per account), report every outcome to the core.

Ordering: an edge ``A -delete-> B`` means A must outlive B: B is deleted first (memo §5.3: "volume
-delete-> instance ⇒ the instance is deleted before the volume"). Deletes run in waves; a node joins a
wave once everything it must outlive is deleted. A node whose prerequisite was not deleted (failed,
protected, blocked itself) is skipped: a failure stops only what depends on it. Nodes on a cycle of
delete edges (and what waits for them) fail with a clear reason.

The pure parts (query, plan parsing, grouping, ``execute``) take no core and no collector, so they are
tested on random graphs; ``CleanupRun`` wires them to the core, the pool and the feedback.
"""
from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from worker.core.api import CoreApi
from worker.core.errors import CoreError
from worker.pool import Channel, Job, Outcome, Pool

log = logging.getLogger(__name__)

Json = Dict[str, Any]
NodeId = str

# outcome statuses
DELETED = "deleted"
WOULD_DELETE = "would_delete"  # dry run
FAILED = "failed"
SKIPPED = "skipped"
OK = (DELETED, WOULD_DELETE)


@dataclass
class NodeOutcome:
    id: NodeId
    status: str
    reason: str = ""

    def to_json(self) -> Json:
        return {"id": self.id, "status": self.status, "reason": self.reason}


# ---- the plan (pure) -----------------------------------------------------------------------------


def plan_query(clouds: List[str]) -> str:
    """The search of memo §5.2: what is marked, not cleaned, not protected, in our clouds, plus the
    ancestors and dependants along default and delete edges."""
    query = "/desired.clean == true and /metadata.cleaned != true and /metadata.protected!=true"
    if clouds:
        query += " and /ancestors.cloud.reported.id in [" + ", ".join(json.dumps(c) for c in clouds) + "]"
    return query + " <-default,delete[0:]->"


def parse_plan(lines: Iterable[Json]) -> Tuple[Dict[NodeId, Json], List[Tuple[NodeId, NodeId, str]]]:
    nodes: Dict[NodeId, Json] = {}
    edges: List[Tuple[NodeId, NodeId, str]] = []
    for line in lines:
        if not isinstance(line, dict):
            continue
        if line.get("type") == "edge" or ("from" in line and "to" in line):
            edges.append((line["from"], line["to"], line.get("edge_type", "default")))
        elif "id" in line:
            nodes[line["id"]] = line
    return nodes, edges


def _get(node: Json, *path: str) -> Any:
    current: Any = node
    for part in path:
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def is_flagged(node: Json) -> bool:
    return _get(node, "desired", "clean") is True and _get(node, "metadata", "cleaned") is not True


def is_protected(node: Json) -> bool:
    return _get(node, "metadata", "protected") is True


def node_cloud(node: Json) -> Optional[str]:
    return _get(node, "ancestors", "cloud", "reported", "id")


def node_account(node: Json) -> Optional[str]:
    return _get(node, "ancestors", "account", "reported", "id")


def label(node: Json) -> str:
    reported = node.get("reported") or {}
    where = "/".join(str(p) for p in (node_cloud(node), node_account(node),
                                      _get(node, "ancestors", "region", "reported", "id")) if p)
    name = reported.get("name")
    shown = f" ({name})" if name and name != reported.get("id") else ""
    text = f"{reported.get('kind', '?')} {reported.get('id', node.get('id'))}{shown}"
    return f"{text} in {where}" if where else text


def delete_dependencies(nodes: Dict[NodeId, Json], edges: Iterable[Tuple[NodeId, NodeId, str]]
                        ) -> Dict[NodeId, Set[NodeId]]:
    """For every flagged node, the flagged nodes that must be deleted before it (its ``delete`` edges'
    targets). Edges through nodes that are not flagged are dropped, as in the reference."""
    flagged = {nid for nid, node in nodes.items() if is_flagged(node)}
    deps: Dict[NodeId, Set[NodeId]] = {nid: set() for nid in flagged}
    for src, dst, edge_type in edges:
        if edge_type == "delete" and src in flagged and dst in flagged and src != dst:
            deps[src].add(dst)
    return deps


def group_by_account(nodes: Dict[NodeId, Json], deps: Dict[NodeId, Set[NodeId]]
                     ) -> Dict[Tuple[str, str], Dict[NodeId, Set[NodeId]]]:
    """Split the flagged nodes by (cloud, account); dependencies across accounts are dropped (each
    account is cleaned in its own child). Nodes without cloud or account land under ("", "")."""
    groups: Dict[Tuple[str, str], Dict[NodeId, Set[NodeId]]] = {}
    where = {nid: (node_cloud(nodes[nid]) or "", node_account(nodes[nid]) or "") for nid in deps}
    for nid, before in deps.items():
        key = where[nid]
        groups.setdefault(key, {})[nid] = {d for d in before if where.get(d) == key}
    return groups


def execute(nodes: Dict[NodeId, Json], deps: Dict[NodeId, Set[NodeId]],
            delete: Callable[[Json], None], pre_delete: Optional[Callable[[Json], None]] = None,
            pool_size: int = 4, dry_run: bool = True,
            on_outcome: Callable[[NodeOutcome], None] = lambda o: None) -> Dict[NodeId, NodeOutcome]:
    """Clean the nodes in ``deps`` (keys: node ids, values: what must be deleted first).

    ``delete``/``pre_delete`` raise on failure. A dry run calls neither and reports ``would_delete``
    for every node that would be deleted if all deletes before it succeeded.
    """
    outcomes: Dict[NodeId, NodeOutcome] = {}
    lock = threading.Lock()

    def record(outcome: NodeOutcome) -> None:
        with lock:
            outcomes[outcome.id] = outcome
        on_outcome(outcome)

    deps = {n: {d for d in before if d in deps} for n, before in deps.items()}
    for nid in sorted(deps):
        node = nodes[nid]
        if is_protected(node):
            record(NodeOutcome(nid, SKIPPED, "the resource is protected (metadata.protected)"))
        elif _get(node, "metadata", "phantom") is True:
            record(NodeOutcome(nid, FAILED, "a phantom resource cannot be deleted"))
    workers = max(1, pool_size)

    def attempt(nid: NodeId, fn: Callable[[Json], None], what: str) -> Optional[NodeOutcome]:
        try:
            fn(nodes[nid])
            return None
        except Exception as ex:  # the resource's failure, reported; the run goes on
            return NodeOutcome(nid, FAILED, f"{what} failed: {type(ex).__name__}: {ex}")

    if pre_delete is not None and not dry_run:
        todo = [n for n in sorted(deps) if n not in outcomes]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pre-delete") as pool:
            for failure in pool.map(lambda n: attempt(n, pre_delete, "pre-delete"), todo):
                if failure is not None:
                    record(failure)

    def clean_one(nid: NodeId) -> NodeOutcome:
        if dry_run:
            return NodeOutcome(nid, WOULD_DELETE)
        return attempt(nid, delete, "delete") or NodeOutcome(nid, DELETED)

    pending = {n for n in deps if n not in outcomes}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delete") as pool:
        while pending:
            blocked = True
            while blocked:  # a node waiting for one that will never be deleted is skipped
                blocked = False
                for nid in sorted(pending):
                    bad = sorted(d for d in deps[nid] if d in outcomes and outcomes[d].status not in OK)
                    if bad:
                        record(NodeOutcome(nid, SKIPPED, f"must outlive {', '.join(bad)}, which was not deleted"))
                        pending.discard(nid)
                        blocked = True
            ready = sorted(n for n in pending if all(d in outcomes for d in deps[n]))
            if not ready:
                for nid in sorted(pending):
                    record(NodeOutcome(nid, FAILED, "on or behind a cycle of delete edges: no order to delete in"))
                break
            for outcome in pool.map(clean_one, ready):
                record(outcome)
            pending.difference_update(ready)
    return outcomes


# ---- the child: one account ----------------------------------------------------------------------


def cleanup_account(cloud: str, config: Json, nodes: List[Json], dep_pairs: List[List[NodeId]], pool_size: int,
                    dry_run: bool, *, channel: Channel) -> Json:
    """Runs in the account's child: waves of deletes through the collector hooks. Every outcome is sent
    at once, so what happened is known even if the child dies later."""
    from worker.plugins import collectors

    hook = collectors().hook
    by_id = {n["id"]: n for n in nodes}
    deps: Dict[NodeId, Set[NodeId]] = {nid: set() for nid in by_id}
    for src, dst in dep_pairs:
        deps[src].add(dst)

    def delete(node: Json) -> None:
        done = hook.resotoworker_delete_resource(cloud=cloud, config=config, node=node)
        if done is None:
            raise RuntimeError(f"no installed collector deletes resources of cloud {cloud!r}")
        if not done:
            raise RuntimeError("the collector did not delete it")

    def pre_delete(node: Json) -> None:
        if hook.resotoworker_pre_delete_resource(cloud=cloud, config=config, node=node) is False:
            raise RuntimeError("the collector could not prepare it")

    outcomes = execute(by_id, deps, delete, pre_delete, pool_size, dry_run,
                       on_outcome=lambda o: channel.send({"type": "outcome", **o.to_json()}))
    return {"outcomes": [o.to_json() for o in outcomes.values()]}


# ---- the supervisor: one cleanup action ----------------------------------------------------------


class CleanupError(Exception):
    pass


@dataclass
class CleanupSummary:
    outcomes: Dict[NodeId, NodeOutcome] = field(default_factory=dict)
    dry_run: bool = True

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes.values() if o.status == status)

    def text(self) -> str:
        if self.dry_run:
            return (f"cleanup dry run: {self.count(WOULD_DELETE)} resource(s) would be deleted, "
                    f"{self.count(SKIPPED)} skipped, {self.count(FAILED)} failed")
        return (f"cleanup: {self.count(DELETED)} deleted, {self.count(SKIPPED)} skipped, "
                f"{self.count(FAILED)} failed")


def now_str() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_lines(nodes: Dict[NodeId, Json], outcomes: Iterable[NodeOutcome]) -> List[Json]:
    """PATCH lines (memo §5.4): metadata.cleaned and an event_log entry per outcome. Protected nodes
    are never touched."""
    lines = []
    for outcome in outcomes:
        node = nodes.get(outcome.id, {})
        if outcome.status == WOULD_DELETE or is_protected(node):
            continue
        log_before = _get(node, "metadata", "event_log")
        event_log = list(log_before) if isinstance(log_before, list) else []
        metadata: Json = {}
        if outcome.status == DELETED:
            event_log.append({"timestamp": now_str(), "msg": "Successfully cleaned up", "exception": None})
            metadata["cleaned"] = True
        elif outcome.status == FAILED:
            event_log.append({"timestamp": now_str(), "msg": "Cleanup failed", "exception": outcome.reason})
            metadata["cleaned"] = False
        else:
            event_log.append({"timestamp": now_str(), "msg": f"Cleanup skipped: {outcome.reason}",
                              "exception": None})
        metadata["event_log"] = event_log
        lines.append({"id": outcome.id, "metadata": metadata})
    return lines


class CleanupRun:
    """One ``cleanup`` action. ``info(level, message, context)`` is the action's feedback."""

    def __init__(self, client: Any, config: Any, clouds: List[str],
                 info: Callable[[str, str, Tuple[str, ...]], None] = lambda level, message, context: None,
                 mine: Optional[Callable[[str, str], bool]] = None) -> None:
        self.client = client
        self.mine = mine  # (cloud, account id) -> whether this worker's shard has it; None: every account
        self.config = config
        self.settings = config.resotoworker
        self.clouds = clouds
        self.info = info
        self.pool: Optional[Pool] = None
        self._stopped = threading.Event()

    def stop(self, grace: Optional[float] = None) -> None:
        self._stopped.set()
        if self.pool is not None:
            self.pool.stop(grace=grace)

    def fetch_plan(self) -> Tuple[Dict[NodeId, Json], List[Tuple[NodeId, NodeId, str]]]:
        try:
            text = CoreApi(self.client).search_graph("fetching the cleanup plan", self.settings["graph"],
                                                     plan_query(self.clouds))
        except CoreError as ex:
            raise CleanupError(f"fetching the cleanup plan failed: {ex.reason}") from None
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        return parse_plan(lines)

    def run(self) -> CleanupSummary:
        dry_run = bool(self.settings["cleanup_dry_run"])
        summary = CleanupSummary(dry_run=dry_run)
        nodes, edges = self.fetch_plan()
        deps = delete_dependencies(nodes, edges)
        groups = group_by_account(nodes, deps)
        jobs: List[Job] = []
        members: Dict[str, List[NodeId]] = {}
        for (cloud, account), group in sorted(groups.items()):
            if cloud not in self.clouds:
                log.info("cleanup: %d marked resource(s) of cloud %r are not this worker's: left alone",
                         len(group), cloud or "?")
                continue
            if not account:
                for nid in group:
                    self._record(summary, nodes, NodeOutcome(nid, FAILED, "the resource has no account ancestor"))
                continue
            if self.mine is not None and not self.mine(cloud, account):
                log.info("cleanup: %d marked resource(s) of %s:%s are another shard's: left alone", len(group),
                         cloud, account)
                continue
            key = f"{cloud}:{account}"
            members[key] = sorted(group)
            pairs = [[src, dst] for src, before in sorted(group.items()) for dst in sorted(before)]
            jobs.append(Job(key, cleanup_account, (cloud, self.config.section(cloud), [nodes[n] for n in members[key]],
                                                   pairs, self.settings["cleanup_pool_size"], dry_run),
                            {"cloud": cloud, "account": account}))
        log.info("cleanup%s: %d marked resource(s) in %d account(s)", " (dry run)" if dry_run else "",
                 sum(len(m) for m in members.values()), len(jobs))
        if jobs and not self._stopped.is_set():
            self.pool = Pool(self.settings["pool_size"], self.settings["fork_process"], self.settings["account_timeout"],
                             self.settings["child_memory_limit_mb"])

            def on_message(key: str, message: Json) -> None:
                if message.get("type") == "outcome":
                    outcome = NodeOutcome(message["id"], message["status"], message.get("reason", ""))
                    self._record(summary, nodes, outcome)

            def on_done(outcome: Outcome) -> None:
                if outcome.ok:
                    for item in outcome.value.get("outcomes", []):
                        if item["id"] not in summary.outcomes:
                            self._record(summary, nodes, NodeOutcome(item["id"], item["status"], item["reason"]))
                    return
                for nid in members[outcome.key]:
                    if nid not in summary.outcomes:
                        self._record(summary, nodes, NodeOutcome(nid, FAILED, f"the account's cleanup failed: "
                                                                              f"{outcome.error}"))

            self.pool.run(jobs, on_message, on_done)
        if not dry_run:
            self.report(nodes, summary)
        log.info("%s", summary.text())
        self.info("info", summary.text(), ())
        return summary

    def _record(self, summary: CleanupSummary, nodes: Dict[NodeId, Json], outcome: NodeOutcome) -> None:
        summary.outcomes[outcome.id] = outcome
        node = nodes.get(outcome.id, {})
        context = tuple(p for p in (node_cloud(node), node_account(node)) if p)
        if outcome.status == WOULD_DELETE:
            log.info("cleanup dry run: would delete %s", label(node))
        elif outcome.status == DELETED:
            log.info("cleanup: deleted %s", label(node))
        elif outcome.status == SKIPPED:
            log.info("cleanup: skipped %s: %s", label(node), outcome.reason)
        else:
            log.warning("cleanup: failed to delete %s: %s", label(node), outcome.reason)
            self.info("error", f"cleanup of {label(node)} failed: {outcome.reason}", context)

    def report(self, nodes: Dict[NodeId, Json], summary: CleanupSummary) -> None:
        lines = report_lines(nodes, summary.outcomes.values())
        if not lines:
            return
        body = "".join(json.dumps(line) + "\n" for line in lines)
        try:
            CoreApi(self.client).patch_nodes("reporting the cleanup", self.settings["graph"], body.encode("utf-8"))
        except CoreError as ex:
            raise CleanupError(f"{summary.text()}, but reporting to the core failed: {ex.reason}") from None
