"""cleanup_plan and cleanup end to end: the worker as a process, the core double, the example collector
with a state file (its deletes persist there)."""
import json

import pytest
import requests

pytestmark = pytest.mark.e2e

SUBSCRIBER = "resoto.worker-collector"


def start(core, start_worker, state, *extra, fork=True):
    args = ["--resotocore-uri", core.url, "--cleanup-expired", "--override", "resotoworker.collector=example",
            "example.accounts=2", "example.regions_per_account=1", "example.resources_per_region=10",
            f"example.state_file={state}", *extra]
    worker = start_worker(*args, *(["--fork"] if fork else []))
    core.wait_for(lambda: "cleanup_plan" in (core.subscriptions.get(SUBSCRIBER) or {}), 30)
    worker.wait_log("actions: connected")
    return worker


def run_action(core, message_type, timeout=60):
    action = core.send_action(message_type)
    reply = core.wait_reply(action["task"], timeout=timeout)
    return action["task"], reply


def expired_instances(core):
    return {nid: n for nid, n in core.nodes().items()
            if n["reported"]["kind"] == "example_instance" and (n.get("metadata") or {}).get("expires")}


def deleted_in_state(state):
    if not state.exists():
        return set()
    return set(json.loads(state.read_text() or "{}").get("deleted", []))


def infos(core, task):
    return [f["data"] for f in core.action_frames(task, kind="action_info")]


@pytest.mark.parametrize("fork", [True, False])
def test_collect_mark_expired_cleanup_deletes_and_reports(core_double, start_worker, tmp_path, fork):
    core = core_double
    state = tmp_path / "state.json"
    worker = start(core, start_worker, state, "--cleanup", "--override", "resotoworker.cleanup_dry_run=false",
                   *([] if fork else ["resotoworker.fork_process=false"]), fork=fork)
    _, reply = run_action(core, "collect")
    assert reply["kind"] == "action_done"
    expired = expired_instances(core)
    assert expired  # the example cloud tags every 5th instance with an expiration long past
    assert not any((n.get("desired") or {}).get("clean") for n in core.nodes().values())

    task, reply = run_action(core, "cleanup_plan")
    assert reply["kind"] == "action_done", reply
    marked = {nid for nid, n in core.nodes().items() if (n.get("desired") or {}).get("clean")}
    assert marked == set(expired)
    assert any(f"{len(expired)} expired resource(s) marked" in i["message"] for i in infos(core, task))

    task, reply = run_action(core, "cleanup")
    assert reply["kind"] == "action_done", reply
    expected = {f"{n['ancestors']['account']['reported']['id']}/{n['reported']['id']}" for n in expired.values()}
    assert deleted_in_state(state) == expected
    nodes = core.nodes()
    for nid in expired:
        assert nodes[nid]["metadata"]["cleaned"] is True
        assert nodes[nid]["metadata"]["event_log"][-1]["msg"] == "Successfully cleaned up"
    summary = [i for i in infos(core, task) if i["level"] == "info"]
    assert summary and f"{len(expired)} deleted, 0 skipped, 0 failed" in summary[-1]["message"]
    assert core.violations == []

    # the next cleanup finds nothing (cleaned), the next collect no longer sees the deleted resources
    task, reply = run_action(core, "cleanup")
    assert reply["kind"] == "action_done"
    assert "0 deleted" in infos(core, task)[-1]["message"]
    run_action(core, "collect")
    ids = {n["reported"]["id"] for n in core.nodes().values()}
    assert not ids & {n["reported"]["id"] for n in expired.values()}
    assert worker.proc.poll() is None


def test_dry_runs_mark_and_delete_nothing(core_double, start_worker, tmp_path):
    core = core_double
    state = tmp_path / "state.json"
    worker = start(core, start_worker, state, "--cleanup", "--override", "resotoworker.cleanup_expired_dry_run=true")
    run_action(core, "collect")
    expired = expired_instances(core)
    assert expired

    task, reply = run_action(core, "cleanup_plan")
    assert reply["kind"] == "action_done"
    assert not any((n.get("desired") or {}).get("clean") for n in core.nodes().values())
    assert "would mark" in worker.log
    assert any(f"{len(expired)} expired resource(s) would be marked" in i["message"] for i in infos(core, task))

    # mark them through the core's CLI as a user would, then run the cleanup (dry run by default)
    requests.post(f"{core.url}/cli/execute", params={"graph": "resoto"},
                  data='search /metadata.expires < "@NOW@" | clean "test"')
    assert all(core.nodes()[nid]["desired"]["clean"] for nid in expired)
    task, reply = run_action(core, "cleanup")
    assert reply["kind"] == "action_done", reply
    assert deleted_in_state(state) == set()
    assert not state.exists() or "deleted" not in json.loads(state.read_text() or "{}")
    assert not any((n.get("metadata") or {}).get("cleaned") for n in core.nodes().values())
    assert not any(r.method == "PATCH" and r.path == "/graph/resoto/nodes" for r in core.requests)
    for node in expired.values():
        assert f"would delete example_instance {node['reported']['id']}" in worker.log
    assert f"{len(expired)} resource(s) would be deleted" in infos(core, task)[-1]["message"]


def test_cleanup_disabled_and_no_cleanup_plan_subscription_by_default(core_double, start_worker):
    core = core_double
    worker = start_worker("--resotocore-uri", core.url, "--override", "resotoworker.collector=example",
                          "example.accounts=1")
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    worker.wait_log("actions: connected")
    assert "cleanup_plan" not in core.subscriptions[SUBSCRIBER]
    _, reply = run_action(core, "cleanup")
    assert reply["kind"] == "action_done"
    assert "cleanup is disabled" in worker.log
    assert not any("/search/graph" in r.path for r in core.requests)


def test_order_and_a_failed_delete_that_stops_only_its_dependants(core_double, start_worker, tmp_path):
    core = core_double
    state = tmp_path / "state.json"
    start(core, start_worker, state, "--cleanup", "--override", "resotoworker.cleanup_dry_run=false",
          "example.accounts=1", "resotoworker.cleanup_pool_size=4")
    run_action(core, "collect")
    flagged = ["region-1-custom", "region-1-i-1", "region-1-vol-1", "region-1-net-0", "region-1-i-2",
               "region-1-vol-2"]
    response = requests.post(f"{core.url}/cli/execute", params={"graph": "resoto"},
                             data=f'search id in {json.dumps(flagged)} | clean "test"')
    assert response.status_code == 200
    by_rid = {n["reported"]["id"]: nid for nid, n in core.nodes().items()}
    assert all(core.nodes()[by_rid[r]]["desired"]["clean"] for r in flagged)
    # the instance vanished behind the worker's back: its delete fails
    state.write_text(json.dumps({"deleted": ["example-0001/region-1-i-1"]}))

    task, reply = run_action(core, "cleanup")
    assert reply["kind"] == "action_done", reply
    deleted = json.loads(state.read_text())["deleted"]
    assert set(deleted) == {f"example-0001/{r}" for r in ("region-1-i-1", "region-1-custom", "region-1-i-2",
                                                         "region-1-vol-2")}
    assert deleted.index("example-0001/region-1-i-2") < deleted.index("example-0001/region-1-vol-2")

    nodes = core.nodes()
    meta = {r: nodes[by_rid[r]]["metadata"] for r in flagged}
    for r in ("region-1-custom", "region-1-i-2", "region-1-vol-2"):
        assert meta[r]["cleaned"] is True
    assert meta["region-1-i-1"]["cleaned"] is False
    assert "does not exist" in meta["region-1-i-1"]["event_log"][-1]["exception"]
    for r in ("region-1-vol-1", "region-1-net-0"):
        assert not meta[r].get("cleaned")
        assert "Cleanup skipped" in meta[r]["event_log"][-1]["msg"]
    errors = [i["message"] for i in infos(core, task) if i["level"] == "error"]
    assert len(errors) == 1 and "region-1-i-1" in errors[0] and errors[0].startswith("[example:example-0001]")
    assert "3 deleted, 2 skipped, 1 failed" in infos(core, task)[-1]["message"]
    assert core.violations == []


def test_switching_cleanup_expired_at_run_time_adds_and_drops_the_subscription(core_double, start_worker):
    core = core_double
    worker = start_worker("--resotocore-uri", core.url)
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    worker.wait_log("actions: connected")
    assert "cleanup_plan" not in core.subscriptions[SUBSCRIBER]
    config = core.configs["resoto.worker"]
    config["resotoworker"]["cleanup_expired"] = True
    core.set_config("resoto.worker", config)
    core.wait_for(lambda: "cleanup_plan" in (core.subscriptions.get(SUBSCRIBER) or {}), 30)
    config["resotoworker"]["cleanup_expired"] = False
    core.set_config("resoto.worker", config)
    core.wait_for(lambda: "cleanup_plan" not in (core.subscriptions.get(SUBSCRIBER) or {}), 30)
    assert "collect" in core.subscriptions[SUBSCRIBER] and worker.proc.poll() is None
