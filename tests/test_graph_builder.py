"""The graph builder writes the core's upload format and catches what the core would reject."""
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from worker.graph.builder import GraphBuilder, GraphError
from worker.graph.ids import cloud_id, node_id, root_id
from worker.graph.lines import as_replace_node, line_key, node_id_of, node_line
from worker.graph.merge import AccountSpool, MergeStream


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ids_match_the_reference_scheme():
    # ids from the original worker's capture of the example collector
    assert root_id() == "jhGgCglHlbuWRQy1l0y_FA"
    assert cloud_id("example") == "ZHoSnFpbxxILQHKBxsvVwA"
    assert node_id("example_account", "example", "Example Account", None, None, "Example Account") == "vfKMDXmQWbiGi7RXMUAoKA"
    assert node_id("example_region", "example", "Example Account", "us-west", None, "us-west", "US West") == \
        "q-ewFfplOZDQGF3A65lR2w"
    assert node_id("example_instance", "example", "Example Account", "us-west", None, "someInstance1") == \
        "0jeoEqhN7OMxv1dWmYQohg"


def test_builder_writes_nodes_with_reference_serialisation():
    out = io.StringIO()
    b = GraphBuilder(out, "example")
    acc = b.add_account({"kind": "example_account", "id": "Example Account", "name": "Example Account"})
    region = b.add_region({"kind": "example_region", "id": "us-west", "name": "US West"})
    inst = b.add_node({"kind": "example_instance", "id": "someInstance1", "tags": {"a": "b", "gone": None},
                       "ctime": datetime(2023, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
                       "instance_type": None, "nested": {"x": None, "y": [None, 1]}},
                      region="us-west", parent=region)
    result = b.finish()
    docs = lines(out.getvalue())
    nodes = {d["id"]: d for d in docs if "reported" in d}
    assert acc == "vfKMDXmQWbiGi7RXMUAoKA" and region == "q-ewFfplOZDQGF3A65lR2w" and inst == "0jeoEqhN7OMxv1dWmYQohg"
    assert "replace" not in nodes[acc]["metadata"] and "exported_at" in nodes[acc]["metadata"]  # the merger's
    reported = nodes[inst]["reported"]
    assert reported["tags"] == {"a": "b"}
    assert reported["ctime"] == "2023-07-01T10:00:00Z"
    assert "instance_type" not in reported and reported["nested"] == {"y": [None, 1]}
    assert list(reported)[-1] == "kind"
    edges = {(d["from"], d["to"], d.get("edge_type", "default")) for d in docs if "from" in d}
    assert edges == {(acc, region, "default"), (region, inst, "default")}
    assert (result.nodes, result.edges) == (3, 2)


def test_orphans_hang_under_the_account_and_dangling_edges_are_dropped():
    out = io.StringIO()
    b = GraphBuilder(out, "c")
    acc = b.add_account({"kind": "a", "id": "1"})
    orphan = b.add_node({"kind": "r", "id": "x"})
    b.add_edge(orphan, "never-added")
    result = b.finish()
    edges = [(d["from"], d["to"]) for d in lines(out.getvalue()) if "from" in d]
    assert edges == [(acc, orphan)]
    assert result.warning_count == 2
    assert any("never-added" in w for w in result.warnings)


def test_a_cycle_within_one_edge_type_fails_the_account():
    b = GraphBuilder(io.StringIO(), "c")
    acc = b.add_account({"kind": "a", "id": "1"})
    x = b.add_node({"kind": "r", "id": "x"}, parent=acc)
    y = b.add_node({"kind": "r", "id": "y"}, parent=acc)
    b.add_edge(x, y, "delete")
    b.add_edge(y, x, "delete")
    with pytest.raises(GraphError, match="delete edges form a cycle"):
        b.finish()


def test_the_same_pair_in_both_edge_types_is_no_cycle():
    b = GraphBuilder(io.StringIO(), "c")
    acc = b.add_account({"kind": "a", "id": "1"})
    x = b.add_node({"kind": "r", "id": "x"}, parent=acc)
    y = b.add_node({"kind": "r", "id": "y"}, parent=x)
    b.add_edge(y, x, "delete")
    assert b.finish().edges == 3


def test_bad_input_is_refused_with_a_reason():
    b = GraphBuilder(io.StringIO(), "c")
    with pytest.raises(GraphError, match="add_account"):
        b.add_node({"kind": "r", "id": "x"})
    b.add_account({"kind": "a", "id": "1"})
    with pytest.raises(GraphError, match="kind"):
        b.add_node({"id": "x"})
    with pytest.raises(GraphError, match="edge type"):
        b.add_edge("a", "b", "sideways")


def account_spools(tmp_path, count=3):
    spools = []
    for n in range(count):
        path = tmp_path / f"{n}.ndjson"
        with open(path, "w") as out:
            b = GraphBuilder(out, "c")
            acc = b.add_account({"kind": "a", "id": str(n)})
            b.add_node({"kind": "r", "id": "shared"}, parent=acc)
            result = b.finish()
        spools.append(AccountSpool("c", result.account_id, str(path), result.nodes, result.edges))
    return spools


def test_merge_stream_writes_root_and_cloud_once(tmp_path):
    spools = account_spools(tmp_path)
    stream = MergeStream()
    for spool in spools:
        stream.add(spool)
    docs = lines(b"".join(stream).decode())
    kinds = [d["reported"]["kind"] for d in docs if "reported" in d]
    assert kinds.count("graph_root") == 1 and kinds.count("cloud") == 1 and kinds.count("a") == 3
    assert stream.nodes == len(kinds)
    assert stream.edges == len([d for d in docs if "from" in d])


def replaced_kinds(docs):
    return sorted(d["reported"]["kind"] for d in docs if "reported" in d and d["metadata"].get("replace"))


def test_the_merger_marks_each_account_or_the_cloud_as_the_replace_node(tmp_path):
    spools = account_spools(tmp_path)
    by_account = lines(b"".join(MergeStream("account").add(spools[0])).decode())
    assert replaced_kinds(by_account) == ["a"]
    by_cloud = lines(b"".join(MergeStream("cloud").add(spools[0]).add(spools[1]).add(spools[2])).decode())
    assert replaced_kinds(by_cloud) == ["cloud"]
    with open(spools[0].path) as spool:  # the spool itself says nothing about merging
        assert not any(d.get("metadata", {}).get("replace") for d in lines(spool.read()))


def test_a_spool_that_does_not_start_with_its_account_is_refused(tmp_path):
    (spool,) = account_spools(tmp_path, 1)
    other = AccountSpool(spool.cloud, "not-the-account", spool.path, spool.nodes, spool.edges)
    with pytest.raises(ValueError, match="account node"):
        b"".join(MergeStream().add(other))
    with pytest.raises(ValueError, match="merge_kind"):
        MergeStream("region")


def test_lines_read_back_what_they_wrote():
    line = node_line("abc", {"id": "1", "kind": "k"}, metadata={"exported_at": "t"})
    assert node_id_of(line) == "abc" and line_key(line) == "nabc"
    assert as_replace_node(line) == node_line("abc", {"id": "1", "kind": "k"},
                                              metadata={"exported_at": "t", "replace": True})
    assert node_id_of('{"from":"a","to":"b"}\n') is None
