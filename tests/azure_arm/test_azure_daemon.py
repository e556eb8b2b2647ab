"""The Azure collector through the real daemon (forked children) and the core double: three subscriptions with
every kind land and pass resotocore's own checks, a forbidden one is reported, tag tasks change the Resource
Manager's state, marked resources are deleted in dependency order."""
import pytest
from core_double import CoreDouble

from azure_arm.arm_estate import SUB_A, SUB_B, SUBSCRIPTIONS, collected_kinds, disk_id
from worker.model import graph_model
from worker.plugins import collectors

pytestmark = pytest.mark.e2e


@pytest.fixture
def core():
    double = CoreDouble(psk="changeme", tls=True).start()
    yield double
    double.stop()


def start(start_worker, core, section):
    overrides = ["resotoworker.collector=azure"] + [f"azure.{k}={v}" for k, v in section.items()]
    worker = start_worker("--resotocore-uri", core.url, "--psk", "changeme", "--fork", "--override", *overrides)
    core.wait_for(lambda: core.subscriptions.get("resoto.worker-collector"), 30)
    worker.wait_log("actions: connected")
    worker.wait_log("tasks: connected")
    return worker


def collect(core):
    action = core.send_action("collect")
    return action["task"], core.wait_reply(action["task"], timeout=90)


def test_three_subscriptions_land_and_the_real_core_accepts_them(arm, section, core, start_worker, real_core):
    start(start_worker, core, section)
    _, reply = collect(core)
    assert reply["kind"] == "action_done"
    assert len(core.merges) == 3 and all(m.ok for m in core.merges), [m.error for m in core.merges]
    subs = sorted(n["reported"]["id"] for n in core.nodes().values() if n["reported"]["kind"] == "azure_subscription")
    assert subs == sorted(f"/subscriptions/{s}" for s in SUBSCRIPTIONS)
    kinds = {n["reported"]["kind"] for n in core.nodes().values()}
    assert kinds >= set(collected_kinds())
    result = real_core(graph_model(collectors().model(["azure"])), [m.lines for m in core.merges])
    assert result["model_error"] is None and all(u["ok"] for u in result["uploads"])


def test_a_forbidden_subscription_is_reported_and_the_others_land(arm, section, core, start_worker):
    arm.forbidden.add(SUB_B)
    start(start_worker, core, section)
    task, reply = collect(core)
    assert reply["kind"] == "action_done"
    errors = [f["data"]["message"] for f in core.action_frames(task, kind="action_info")]
    assert len(errors) == 1 and SUB_B in errors[0]
    assert len([m for m in core.merges if m.ok]) == 2


def test_tag_tasks_change_the_resource_managers_state(arm, section, core, start_worker):
    start(start_worker, core, section)
    collect(core)
    disk = disk_id(SUB_A, "rg-web", "vm-1-os")
    node_id = next(nid for nid, n in core.nodes().items() if n["reported"]["id"].lower() == disk.lower())
    result = core.wait_task_result(core.send_tag_task("resoto", node_id, update={"team": "blue"}))
    assert result["result"] == "done", result
    assert result["data"]["reported"]["tags"]["team"] == "blue"
    assert arm.resource(disk)["tags"]["team"] == "blue"
    result = core.wait_task_result(core.send_tag_task("resoto", node_id, delete=["team"]))
    assert result["result"] == "done" and "team" not in arm.resource(disk)["tags"]


def test_marked_resources_are_deleted_in_order_and_reported_cleaned(arm, section, start_worker):
    from azure_arm.arm_estate import vm_id

    core = CoreDouble().start()
    try:
        overrides = ["resotoworker.collector=azure", "resotoworker.cleanup_dry_run=false"] + \
                    [f"azure.{k}={v}" for k, v in section.items()]
        worker = start_worker("--resotocore-uri", core.url, "--fork", "--cleanup", "--override", *overrides)
        core.wait_for(lambda: core.subscriptions.get("resoto.worker-collector"), 30)
        worker.wait_log("actions: connected")
        collect(core)
        doomed = {vm_id(SUB_A, "rg-web", "vm-1"), disk_id(SUB_A, "rg-web", "vm-1-os"),
                  disk_id(SUB_A, "rg-web", "vm-1-data")}
        ids = [nid for nid, n in core.nodes().items() if n["reported"]["id"] in doomed]
        assert len(ids) == 3
        core.mark_clean(ids)
        action = core.send_action("cleanup")
        reply = core.wait_reply(action["task"], timeout=90)
        assert reply["kind"] == "action_done", reply
        assert all(arm.resource(rid) is None for rid in doomed)
        assert arm.resource(disk_id(SUB_B, "rg-web", "vm-1-os")) is not None  # only what was marked
        assert all(core.nodes()[nid]["metadata"]["cleaned"] is True for nid in ids)
        deletes = [r[1].lower() for r in arm.log if r[0] == "DELETE"]
        vm_at = next(i for i, p in enumerate(deletes) if "virtualmachines/vm-1" in p)
        assert all(i > vm_at for i, p in enumerate(deletes) if "/disks/vm-1-" in p)  # the VM before its disks
    finally:
        core.stop()


def test_throttle_retries_in_the_children_reach_the_metrics(arm, section, start_worker):
    from test_web import WEB, base_url, get, metric

    core = CoreDouble().start()  # plain HTTP: the web server then speaks plain HTTP too
    try:
        arm.throttle_every = 4  # a quarter of all requests answer 429 with Retry-After
        overrides = ["resotoworker.collector=azure"] + [f"azure.{k}={v}" for k, v in section.items()]
        worker = start_worker("--resotocore-uri", core.url, "--fork", *WEB, *overrides)
        core.wait_for(lambda: core.subscriptions.get("resoto.worker-collector"), 30)
        worker.wait_log("actions: connected")
        url = base_url(worker)
        task, reply = collect(core)
        assert reply["kind"] == "action_done"
        infos = [f["data"]["message"] for f in core.action_frames(task, kind="action_info")]
        assert len(core.merges) == 3 and all(m.ok for m in core.merges), ([m.error for m in core.merges], infos)
        status, text = get(url + "metrics")
        assert status == 200
        retried = [metric(text, "resotoworker_api_retries_total", cloud="azure", account=sub, reason="throttled")
                   for sub in SUBSCRIPTIONS]
        assert 0 < sum(count or 0 for count in retried) <= arm.throttled, text
    finally:
        core.stop()
