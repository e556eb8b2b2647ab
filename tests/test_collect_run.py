"""A collect run in process: the example collector in the thread pool, written by the file sink; and the
progress tree the core gets. Fast tier: no worker process, no core."""
import json
import os
import threading
import time

import pytest

from worker.collect import CollectRun, ProgressTree, Status, Watcher
from worker.config import WorkerConfig, all_schemas, parse_overrides
from worker.core.frames import check_progress
from worker.plugins import collectors
from worker.sinks import FileSink

STOPPING = "not started: the worker is shutting down"


@pytest.fixture(scope="module")
def registry():
    return collectors()


def config_for(registry, tmp_path, *texts):
    schemas = all_schemas(registry)
    overrides = parse_overrides(["resotoworker.fork_process=false", f"resotoworker.tempdir={tmp_path}",
                                 "example.resources_per_region=2", *texts], schemas)
    return WorkerConfig(schemas, None, overrides)


def lines_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def new_run(registry, tmp_path, *texts, watcher=Watcher(), stopping=None):
    out = tmp_path / "graph.ndjson"
    frames, errors = [], []
    run = CollectRun(registry, config_for(registry, tmp_path, *texts), ["example"],
                     sink=FileSink(str(out), stopping or threading.Event()), progress=frames.append,
                     error=lambda message, context: errors.append((message, context)), watcher=watcher)
    return run, out, frames, errors


def test_every_account_lands_in_the_file(registry, tmp_path):
    run, out, frames, errors = new_run(registry, tmp_path, "example.accounts=3")
    summary = run.run()
    assert [a.status for a in summary.accounts] == [Status.LANDED] * 3 and not errors
    assert summary.estate == {"example": 3} and summary.nodes == sum(a.nodes for a in summary.accounts) > 3
    lines = lines_of(out)
    kinds = [line["reported"]["kind"] for line in lines if "reported" in line]
    assert kinds.count("graph_root") == 1 and kinds.count("cloud") == 1 and kinds.count("example_account") == 3
    assert len([line for line in lines if "reported" in line]) == summary.nodes + 2  # with root and cloud
    for frame in frames:
        check_progress(frame)
    assert frames[-1]["name"] == "example" and all(part.get("current", 1) == 1 for part in frames[-1]["parts"])
    assert not [name for name in os.listdir(tmp_path) if name.startswith("resotoworker-spool-")]  # removed


def test_a_failing_account_fails_alone(registry, tmp_path):
    run, out, _, errors = new_run(registry, tmp_path, "example.accounts=3", "example.fail_account=example-0002")
    summary = run.run()
    failed = {a.account: a for a in summary.failed}
    assert list(failed) == ["example-0002"] and failed["example-0002"].status == Status.FAILED
    assert len(summary.landed) == 2 and [ctx for _, ctx in errors] == [("example", "example-0002")]
    accounts = {line["reported"]["id"] for line in lines_of(out) if line.get("reported", {}).get("kind")
                == "example_account"}
    assert accounts == {"example-0001", "example-0003"}


def test_a_stop_between_listing_and_collecting_starts_nothing(registry, tmp_path):
    """One pool for the whole run: a stop once the accounts are listed holds for the collect too."""
    class StopWhenListed(Watcher):
        def listed(self, accounts):
            run.stop()

    stopping = threading.Event()
    run, out, _, _ = new_run(registry, tmp_path, "example.accounts=2", watcher=StopWhenListed(), stopping=stopping)
    stopping.set()  # what the worker's stop says to the sink as well
    summary = run.run()
    assert summary.estate == {"example": 2} and not summary.landed
    assert {a.error for a in summary.accounts} == {STOPPING}
    assert not out.exists()  # the sink leaves the target as it was


def test_a_stop_before_the_run_lists_nothing(registry, tmp_path):
    run, _, _, errors = new_run(registry, tmp_path)
    run.stop()
    summary = run.run()
    assert not summary.accounts and summary.cloud_errors == {"example": f"listing accounts failed: {STOPPING}"}
    assert errors == [(f"listing accounts failed: {STOPPING}", ("example",))]


def test_progress_tree_frames_and_their_rate():
    frames = []
    progress = ProgressTree(frames.append)
    progress.account("example", "example:a", "A")
    progress.account("example", "example:b", "B")
    progress.parts("example", "example:a", ["r1", "r2"])
    progress.part_done("example", "example:a", "r1")
    progress.flush(force=True)
    assert frames == [{"kind": "tree", "name": "example", "parts": [
        {"kind": "tree", "name": "A", "parts": [{"kind": "progress", "name": "r1", "current": 1, "total": 1},
                                                 {"kind": "progress", "name": "r2", "current": 0, "total": 1}]},
        {"kind": "progress", "name": "B", "current": 0, "total": 1}]}]
    progress.account_done("example", "example:a")
    progress.flush()  # within the second: nothing sent
    assert len(frames) == 1
    progress._last = time.monotonic() - 1.5
    progress.flush()
    assert len(frames) == 2 and all(p["current"] == 1 for p in frames[1]["parts"][0]["parts"])
    progress.flush(force=True)  # nothing changed: nothing to send
    assert len(frames) == 2


def test_progress_tree_one_frame_per_changed_cloud():
    frames = []
    progress = ProgressTree(frames.append)
    progress.account("b", "b:1", "one")
    progress.account("a", "a:1", "one")
    progress.flush(force=True)
    assert [f["name"] for f in frames] == ["a", "b"]
    progress.account_done("b", "b:1")
    progress.flush(force=True)
    assert [f["name"] for f in frames] == ["a", "b", "b"] and frames[-1]["parts"][0]["current"] == 1
