"""The cleanup's ordering and failure handling as properties, on random dependency graphs.

``deps[a]`` holds what must be deleted before ``a`` (``a -delete-> b`` in the graph)."""
import itertools
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.cleanup import (DELETED, FAILED, SKIPPED, WOULD_DELETE, delete_dependencies, execute,
                            group_by_account, parse_plan, plan_query, report_lines)


@st.composite
def graphs(draw, allow_cycles=False):
    """(nodes, deps, failing ids): nodes with protected flags, delete dependencies, deletes that fail."""
    size = draw(st.integers(min_value=0, max_value=25))
    ids = [f"n{i}" for i in range(size)]
    pairs = [(a, b) for a, b in itertools.permutations(range(size), 2) if allow_cycles or b < a]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=3 * size, unique=True)) if pairs else []
    deps = {nid: set() for nid in ids}
    for a, b in chosen:
        deps[ids[a]].add(ids[b])
    protected = draw(st.sets(st.sampled_from(ids), max_size=size // 3)) if ids else set()
    failing = draw(st.sets(st.sampled_from(ids), max_size=size // 3)) if ids else set()
    nodes = {nid: {"id": nid, "reported": {"kind": "thing", "id": nid}, "desired": {"clean": True},
                   "metadata": {"protected": True} if nid in protected else {}} for nid in ids}
    return nodes, deps, failing


class Recorder:
    """A fake cloud: records when each delete starts and ends (a global sequence), fails on request."""

    def __init__(self, failing=(), fail_pre=()):
        self.failing = set(failing)
        self.fail_pre = set(fail_pre)
        self.lock = threading.Lock()
        self.seq = itertools.count()
        self.started = {}
        self.ended = {}
        self.pre = []

    def delete(self, node):
        with self.lock:
            assert node["id"] not in self.started, "deleted twice"
            self.started[node["id"]] = next(self.seq)
        try:
            if node["id"] in self.failing:
                raise RuntimeError("simulated API error")
        finally:
            with self.lock:
                self.ended[node["id"]] = next(self.seq)

    def pre_delete(self, node):
        with self.lock:
            self.pre.append(node["id"])
        if node["id"] in self.fail_pre:
            raise RuntimeError("cannot prepare")


def deletable(nodes, deps, failing):
    """What must end up deleted: not protected, not failing, and everything before it deleted."""
    memo = {}

    def ok(nid):
        if nid not in memo:
            memo[nid] = (not nodes[nid]["metadata"].get("protected") and nid not in failing
                         and all(ok(d) for d in deps[nid]))
        return memo[nid]

    return {nid for nid in nodes if ok(nid)}


@settings(max_examples=150, deadline=None)
@given(graphs(allow_cycles=True), st.integers(min_value=1, max_value=6))
def test_a_dry_run_makes_no_delete_or_pre_delete_call(graph, pool_size):
    nodes, deps, failing = graph
    cloud = Recorder(failing)
    outcomes = execute(nodes, deps, cloud.delete, cloud.pre_delete, pool_size=pool_size, dry_run=True)
    assert cloud.started == {} and cloud.pre == []
    assert set(outcomes) == set(nodes)
    assert DELETED not in {o.status for o in outcomes.values()}


@settings(max_examples=200, deadline=None)
@given(graphs(allow_cycles=True), st.integers(min_value=1, max_value=6), st.booleans())
def test_protected_nodes_are_never_deleted_nor_prepared(graph, pool_size, dry_run):
    nodes, deps, failing = graph
    cloud = Recorder(failing)
    outcomes = execute(nodes, deps, cloud.delete, cloud.pre_delete, pool_size=pool_size, dry_run=dry_run)
    protected = {nid for nid, n in nodes.items() if n["metadata"].get("protected")}
    assert not protected & set(cloud.started)
    assert not protected & set(cloud.pre)
    assert all(outcomes[nid].status == SKIPPED for nid in protected)
    assert not protected & {line["id"] for line in report_lines(nodes, outcomes.values())}


@settings(max_examples=200, deadline=None)
@given(graphs(allow_cycles=True), st.integers(min_value=1, max_value=6))
def test_every_delete_starts_after_the_deletes_it_depends_on_ended(graph, pool_size):
    nodes, deps, failing = graph
    cloud = Recorder(failing)
    outcomes = execute(nodes, deps, cloud.delete, cloud.pre_delete, pool_size=pool_size, dry_run=False)
    for nid, started in cloud.started.items():
        for before in deps[nid]:
            assert outcomes[before].status == DELETED
            assert cloud.ended[before] < started
    assert set(outcomes) == set(nodes)  # every node is accounted for, cycles included


@settings(max_examples=200, deadline=None)
@given(graphs(), st.integers(min_value=1, max_value=6))
def test_a_failed_delete_stops_only_what_depends_on_it(graph, pool_size):
    nodes, deps, failing = graph
    cloud = Recorder(failing)
    outcomes = execute(nodes, deps, cloud.delete, cloud.pre_delete, pool_size=pool_size, dry_run=False)
    expected = deletable(nodes, deps, failing)
    assert {nid for nid, o in outcomes.items() if o.status == DELETED} == expected
    assert {nid for nid, o in outcomes.items() if o.status == FAILED} == failing - {
        nid for nid, n in nodes.items() if n["metadata"].get("protected") or not deps[nid] <= expected}
    for nid, outcome in outcomes.items():
        if outcome.status == SKIPPED and not nodes[nid]["metadata"].get("protected"):
            assert "which was not deleted" in outcome.reason
    # a dry run would report exactly the nodes that a run without failures deletes
    dry = execute(nodes, deps, cloud.delete, None, pool_size=pool_size, dry_run=True)
    assert {nid for nid, o in dry.items() if o.status == WOULD_DELETE} == deletable(nodes, deps, set())


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_a_failed_pre_delete_fails_the_node_and_blocks_its_dependants(graph):
    nodes, deps, failing = graph
    cloud = Recorder(fail_pre=failing)
    outcomes = execute(nodes, deps, cloud.delete, cloud.pre_delete, pool_size=3, dry_run=False)
    assert not failing & set(cloud.started)
    assert {nid for nid, o in outcomes.items() if o.status == DELETED} == deletable(nodes, deps, failing)


def test_deletes_follow_delete_edges_and_cycles_never_get_ready():
    deps = {"volume": {"instance"}, "network": {"instance"}, "instance": set(), "a": {"b"}, "b": {"a"}, "c": {"a"}}
    nodes = {n: {"id": n, "desired": {"clean": True}, "metadata": {}} for n in deps}
    cloud = Recorder()
    outcomes = execute(nodes, deps, cloud.delete, pool_size=2, dry_run=False)
    assert cloud.ended["instance"] < min(cloud.started["network"], cloud.started["volume"])
    assert {n for n, o in outcomes.items() if o.status == DELETED} == {"instance", "network", "volume"}
    assert {n for n, o in outcomes.items() if o.status == FAILED} == {"a", "b", "c"}
    assert "cycle" in outcomes["a"].reason


def test_plan_parsing_selects_flagged_nodes_and_splits_by_account():
    def node(nid, account, clean=True, cleaned=False):
        return {"type": "node", "id": nid, "reported": {"kind": "x", "id": nid},
                "desired": {"clean": clean}, "metadata": {"cleaned": cleaned},
                "ancestors": {"cloud": {"reported": {"id": "example"}}, "account": {"reported": {"id": account}}}}

    lines = [node("a", "acc1"), node("b", "acc1"), node("c", "acc2"), node("ctx", "acc1", clean=False),
             node("done", "acc1", cleaned=True),
             {"type": "edge", "from": "a", "to": "b", "edge_type": "delete"},
             {"type": "edge", "from": "a", "to": "ctx", "edge_type": "delete"},
             {"type": "edge", "from": "b", "to": "c", "edge_type": "delete"},
             {"type": "edge", "from": "b", "to": "a", "edge_type": "default"}]
    nodes, edges = parse_plan(lines)
    deps = delete_dependencies(nodes, edges)
    assert deps == {"a": {"b"}, "b": {"c"}, "c": set()}
    groups = group_by_account(nodes, deps)
    assert groups == {("example", "acc1"): {"a": {"b"}, "b": set()}, ("example", "acc2"): {"c": set()}}
    assert plan_query(["aws", "example"]) == (
        '/desired.clean == true and /metadata.cleaned != true and /metadata.protected!=true and '
        '/ancestors.cloud.reported.id in ["aws", "example"] <-default,delete[0:]->')
