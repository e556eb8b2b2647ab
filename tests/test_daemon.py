"""The daemon as a real process against the core double: handshake, actions, tasks, config, failures."""
import signal
import subprocess
import time

import psutil
import pytest
from core_double import CoreDouble

from collectors.example.model import MODEL as EXAMPLE_MODEL
from worker.model import graph_model

pytestmark = pytest.mark.e2e

SID = "resoto.worker"
SUBSCRIBER = "resoto.worker-collector"


def subscribed(core):
    return core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)


def connected(core, worker):
    subscribed(core)
    worker.wait_log("actions: connected")
    worker.wait_log("tasks: connected")


def example(core, *extra, accounts=3, fork=True):
    args = ["--resotocore-uri", core.url, "--override", "resotoworker.collector=example",
            f"example.accounts={accounts}", *extra]
    return args + (["--fork"] if fork else [])


@pytest.fixture
def secure_core():
    core = CoreDouble(psk="changeme", tls=True).start()
    yield core
    core.stop()


def collect(core, timeout=60, **kw):
    action = core.send_action("collect", **kw)
    return action["task"], core.wait_reply(action["task"], timeout=timeout)


def worker_family_gone(worker, family):
    _, alive = psutil.wait_procs(family, timeout=15)
    return not alive


# ---- command line ----------------------------------------------------------------------------------


def test_help_lists_every_option_with_its_environment_variable():
    out = subprocess.run(["resotoworker", "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ["--subscriber-id", "--psk", "--resotocore-uri", "--override", "--ca-cert", "--cert",
                 "--cert-key", "--cert-key-pass", "--no-verify-certs", "--verbose", "--quiet", "--idle-timeout",
                 "--fork", "--cleanup", "--cleanup-expired"]:
        assert flag in out
        assert "RESOTOWORKER_" + flag.lstrip("-").replace("-", "_").upper() in out
    collect_help = subprocess.run(["resotoworker", "collect", "--help"], capture_output=True, text=True,
                                  check=True).stdout
    assert "--output" in collect_help and "--collector" in collect_help


# ---- handshake, registration, no collector ------------------------------------------------------


def test_psk_and_tls_handshake_then_collect_without_collector_and_a_task_nobody_handles(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--resotocore-uri", core.url, "--psk", "changeme")
    connected(core, worker)
    paths = [(r.method, r.path) for r in core.requests]
    for expected in [("GET", "/system/ready"), ("GET", "/ca/cert"), ("GET", f"/config/{SID}"),
                     ("PATCH", "/configs/model"), ("PUT", f"/config/{SID}"),
                     ("POST", f"/subscriber/{SUBSCRIBER}/collect"), ("POST", f"/subscriber/{SUBSCRIBER}/cleanup")]:
        assert expected in paths
    subscription = next(r for r in core.requests if r.path == f"/subscriber/{SUBSCRIBER}/collect")
    assert subscription.query["timeout"] == "10800"
    stored = core.configs[SID]
    assert stored["resotoworker"]["graph"] == "resoto" and "example" in stored

    task, reply = collect(core)
    assert reply["kind"] == "action_done" and reply["data"]["task"] == task
    assert "no collector configured" in worker.log
    assert core.merges == []

    task_id = core.send_task("tag", {"cloud": "gcp", "account": "p1"},
                             {"update": {"owner": "alice"}, "node": {"id": "n1", "reported": {"kind": "gcp_x", "id": "x"}}})
    result = core.wait_task_result(task_id, timeout=20)
    assert result["result"] == "error" and "'gcp'" in result["error"]
    assert core.violations == []


# ---- collect ---------------------------------------------------------------------------------------


def test_collect_of_20_accounts_lands_as_20_uploads_the_real_core_accepts(secure_core, start_worker, real_core):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, accounts=20))
    connected(core, worker)
    task, reply = collect(core)
    assert reply["kind"] == "action_done", reply
    assert len(core.merges) == 20 and all(m.ok for m in core.merges), [m.error for m in core.merges]
    assert {m.headers.get("Resoto-Worker-Task-Id") for m in core.merges} == {task}
    assert {m.query.get("wait_for_result") for m in core.merges} == {"true"}
    accounts = [n for n in core.nodes().values() if n["reported"]["kind"] == "example_account"]
    assert len(accounts) == 20
    progress = core.action_frames(task, kind="action_progress")
    assert progress and progress[-1]["data"]["progress"]["name"] == "example"
    assert core.violations == []
    result = real_core(graph_model(EXAMPLE_MODEL), [m.lines for m in core.merges])
    assert result["model_error"] is None
    assert all(upload["ok"] for upload in result["uploads"]), [u["error"] for u in result["uploads"]]


def test_kill_9_of_one_child_fails_only_that_account_and_leaves_nothing(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, "example.api_delay=1.5",
                                                         "resotoworker.pool_size=6", accounts=6))
    connected(core, worker)
    action = core.send_action("collect")
    worker.wait_log("collecting 6 account(s)")
    deadline = time.monotonic() + 20
    collecting = []
    while time.monotonic() < deadline and len(collecting) < 6:
        collecting = [p for p in worker.descendants() if p.ppid() != worker.proc.pid]
        time.sleep(0.1)
    assert len(collecting) == 6, collecting
    collecting[0].send_signal(signal.SIGKILL)
    reply = core.wait_reply(action["task"], timeout=60)
    assert reply["kind"] == "action_done"
    errors = [f["data"]["message"] for f in core.action_frames(action["task"], kind="action_info")]
    assert len(errors) == 1 and "killed by signal SIGKILL" in errors[0], errors
    assert len([m for m in core.merges if m.ok]) == 5
    family = worker.descendants()
    assert worker.terminate() == 0
    assert worker_family_gone(worker, family)


def test_an_upload_the_core_rejects_is_reported_and_a_vanishing_core_is_retried(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, "resotoworker.upload_retry_max_wait=1", accounts=3))
    connected(core, worker)
    core.fail_next("POST", "/graph/resoto/merge", 400, "Error: ImportAborted\nMessage: AttributeError('boom')")
    task, reply = collect(core)
    assert reply["kind"] == "action_done"
    errors = [f["data"]["message"] for f in core.action_frames(task, kind="action_info")]
    assert len(errors) == 1 and "boom" in errors[0] and "failed" in errors[0]
    assert len([m for m in core.merges if m.ok]) == 2

    before = len(core.merges)
    core.fail_next("POST", "/graph/resoto/merge", 503, "core restarting", count=3)
    task, reply = collect(core)
    assert reply["kind"] == "action_done"
    assert core.action_frames(task, kind="action_info") == []
    assert len([m for m in core.merges[before:] if m.ok]) == 3
    assert "retrying" in worker.log


def test_nothing_landed_is_an_action_error(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, "example.fail_account=example-0001", accounts=1))
    connected(core, worker)
    _, reply = collect(core)
    assert reply["kind"] == "action_error" and "simulated failure" in reply["data"]["error"]


def test_a_duplicate_collect_runs_once(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, "example.api_delay=0.5", accounts=2))
    connected(core, worker)
    action = core.send_action("collect")
    worker.wait_log("started")
    core.send_action("collect", task=action["task"])  # the core re-sends a pending action
    reply = core.wait_reply(action["task"], timeout=60)
    assert reply["kind"] == "action_done"
    time.sleep(1)
    assert len(core.action_frames(action["task"], kind="action_done")) == 1
    assert len(core.merges) == 2
    core.send_action("collect", task=action["task"])  # again after it finished, on the connection that
    time.sleep(1)                                      # carried the answer: they crossed, nothing to add
    assert len(core.action_frames(action["task"], kind="action_done")) == 1
    assert len(core.merges) == 2 and worker.log.count("collect started") <= 1


# ---- bad input, restarts ---------------------------------------------------------------------------


def test_malformed_frames_do_not_break_the_links(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, accounts=1))
    connected(core, worker)
    for text in ["not json", "[1,2]", '{"kind":"action","data":{}}', '{"kind":"weird","data":{"task":"t"}}',
                 '{"kind":"action","message_type":"frobnicate","data":{"task":"t1","step":"s1"}}']:
        core.send_raw("handle", text)
    core.send_raw("work_queue", '{"no":"task id"}')
    core.wait_for(lambda: core.action_frames("t1", kind="action_error"), 10)
    assert "Unknown message type frobnicate" in core.action_frames("t1", kind="action_error")[0]["data"]["error"]
    _, reply = collect(core)
    assert reply["kind"] == "action_done"
    assert worker.proc.poll() is None and core.violations == []
    assert "ignored a frame that is not JSON" in worker.log


def test_core_restarted_mid_run_is_rejoined(start_worker):
    core = CoreDouble().start()
    try:
        worker = start_worker(*example(core, accounts=1))
        connected(core, worker)
        fetches = len([r for r in core.requests if r.path == f"/config/{SID}" and r.method == "GET"])
        core.restart(keep_state=False)  # subscriptions are in memory only: lost
        subscribed(core)
        core.wait_for(lambda: len(core.workers) > 0, 30)
        _, reply = collect(core)
        assert reply["kind"] == "action_done"
        assert len([r for r in core.requests if r.path == f"/config/{SID}" and r.method == "GET"]) >= 1
        assert fetches >= 1
    finally:
        core.stop()


def test_wrong_psk_stops_the_worker_with_a_message_that_says_so(secure_core, start_worker):
    worker = start_worker("--resotocore-uri", secure_core.url, "--psk", "wrong")
    assert worker.wait_exit(30) == 1
    assert "wrong PSK" in worker.log
    plain = CoreDouble(psk="changeme").start()
    try:
        worker = start_worker("--resotocore-uri", plain.url, "--psk", "wrong")
        assert worker.wait_exit(30) == 1
        assert "401" in worker.log and "wrong PSK" in worker.log
    finally:
        plain.stop()


def test_a_fingerprint_mismatch_stops_the_worker(start_worker):
    core = CoreDouble(psk="changeme", tls=True).start()
    try:
        core.tamper_fingerprint()
        worker = start_worker("--resotocore-uri", core.url, "--psk", "changeme")
        assert worker.wait_exit(30) == 1
        assert "fingerprint mismatch" in worker.log and "man in the middle" in worker.log
    finally:
        core.stop()


def test_a_core_that_never_comes_is_a_clear_exit_1(start_worker):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    worker = start_worker("--resotocore-uri", f"http://127.0.0.1:{port}", "--ready-timeout", "3")
    assert worker.wait_exit(30) == 1
    assert "did not become ready within 3 s" in worker.log


def test_a_bad_config_value_is_named_and_the_worker_carries_on(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", "--resotocore-uri", core.url,
                          "--override", "resotoworker.collector=example")  # overrides would win over the core
    connected(core, worker)
    config = core.configs[SID]
    config["resotoworker"]["pool_size"] = -3
    config["example"]["accounts"] = 3
    core.set_config(SID, config)
    worker.wait_log("resotoworker.pool_size: -3 is less than the minimum of 1")
    worker.wait_log("config: reloaded")
    _, reply = collect(core)
    assert reply["kind"] == "action_done"
    assert len(core.merges) == 3  # the valid change applied, the invalid one fell back


def test_config_changed_while_the_event_socket_was_down_is_picked_up(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", "--resotocore-uri", core.url,
                          "--override", "resotoworker.collector=example")
    connected(core, worker)
    config = core.configs[SID]
    config["example"]["accounts"] = 3
    core.close_sockets()
    core.set_config(SID, config)
    core.wait_for(lambda: "config: reloaded" in worker.log, 30)
    subscribed(core)
    worker.wait_log("actions: connected")
    time.sleep(0.5)
    _, reply = collect(core)
    assert reply["kind"] == "action_done" and len(core.merges) == 3


def test_sections_of_collectors_not_installed_are_kept(secure_core, start_worker):
    core = secure_core
    core.set_config(SID, {"gcp": {"project": ["p1"]}, "resotoworker": {"graph": "resoto", "unknown_key": 1}})
    worker = start_worker("--psk", "changeme", "--resotocore-uri", core.url)
    connected(core, worker)
    stored = core.configs[SID]
    assert stored["gcp"] == {"project": ["p1"]}
    assert "unknown_key" not in stored["resotoworker"]
    assert "resotoworker.unknown_key: unknown key" in worker.log


def test_sigterm_when_idle_unsubscribes_and_exits_0(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, accounts=1))
    connected(core, worker)
    family = worker.descendants()
    started = time.monotonic()
    assert worker.terminate() == 0
    assert time.monotonic() - started < 10
    assert ("DELETE", f"/subscriber/{SUBSCRIBER}/collect") in [(r.method, r.path) for r in core.requests]
    assert not core.subscriptions.get(SUBSCRIBER)
    assert worker_family_gone(worker, family)


def test_sigterm_mid_collect_answers_and_leaves_no_process(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", *example(core, "example.api_delay=20", accounts=3))
    connected(core, worker)
    action = core.send_action("collect")
    worker.wait_log("collecting 3 account(s)")
    time.sleep(0.5)
    family = worker.descendants()
    assert worker.terminate(timeout=30) == 0
    reply = core.wait_reply(action["task"], timeout=5)
    assert reply["kind"] == "action_error" and "shutting down" in reply["data"]["error"]
    assert worker_family_gone(worker, family)


def test_environment_variables_configure_the_worker(secure_core, start_worker):
    core = secure_core
    worker = start_worker(env={"RESOTOWORKER_RESOTOCORE_URI": core.url, "RESOTOWORKER_PSK": "changeme",
                               "RESOTOWORKER_SUBSCRIBER_ID": "w2",
                               "RESOTOWORKER_OVERRIDE": "resotoworker.collector=example example.accounts=1"})
    core.wait_for(lambda: core.subscriptions.get("w2-collector"), 30)
    worker.wait_log("actions: connected")
    _, reply = collect(core)
    assert reply["kind"] == "action_done" and len(core.merges) == 1
    assert "w2" in core.configs


def test_cloud_merge_kind_uploads_one_graph_per_cloud_in_thread_mode(secure_core, start_worker, real_core):
    core = secure_core
    worker = start_worker("--psk", "changeme",
                          *example(core, "resotoworker.graph_merge_kind=cloud", "resotoworker.fork_process=false",
                                   accounts=4, fork=False))
    connected(core, worker)
    task, reply = collect(core)
    assert reply["kind"] == "action_done"
    assert len(core.merges) == 1 and core.merges[0].ok
    replace = [line for line in core.merges[0].lines if line.get("metadata", {}).get("replace")]
    assert [line["reported"]["kind"] for line in replace] == ["cloud"]
    assert "with 5 threads" in worker.log
    result = real_core(graph_model(EXAMPLE_MODEL), [core.merges[0].lines])
    assert result["uploads"][0]["ok"], result["uploads"][0]["error"]


def test_a_restart_required_change_restarts_the_worker(secure_core, start_worker):
    core = secure_core
    worker = start_worker("--psk", "changeme", "-v", *example(core, accounts=1))
    connected(core, worker)
    config = core.configs[SID]
    config["resotoworker"]["web_path"] = "/worker"  # restart required (web_port would be overridden here)
    core.set_config(SID, config)
    worker.wait_log("restarting to apply the changed config")
    core.wait_for(lambda: worker.log.count("actions: connected") >= 2, 30)
    assert worker.proc.poll() is None
    _, reply = collect(core)
    assert reply["kind"] == "action_done"


def test_idle_timeout_exits_1_when_no_collect_comes(secure_core, start_worker):
    worker = start_worker("--psk", "changeme", "--resotocore-uri", secure_core.url, "--idle-timeout", "2")
    assert worker.wait_exit(30) == 1
    assert "no collect action within --idle-timeout 2 s" in worker.log
    assert not secure_core.subscriptions.get(SUBSCRIBER)


@pytest.mark.parametrize("tls_args", [["--ca-cert", "CA"], ["--no-verify-certs"]])
def test_ca_cert_file_and_no_verify_certs(secure_core, start_worker, tls_args):
    core = secure_core
    args = [core.ca_pem if a == "CA" else a for a in tls_args]
    worker = start_worker("--psk", "changeme", *args, *example(core, accounts=1))
    connected(core, worker)
    _, reply = collect(core)
    assert reply["kind"] == "action_done" and len(core.merges) == 1
    fetched_ca = any(r.path == "/ca/cert" for r in core.requests)
    assert fetched_ca is False


def test_tag_update_and_delete_tasks_round_trip(secure_core, start_worker, tmp_path):
    core = secure_core
    state = tmp_path / "example-state.json"
    worker = start_worker("--psk", "changeme", *example(core, f"example.state_file={state}", accounts=1))
    connected(core, worker)
    collect(core)
    node_id, node = next((nid, n) for nid, n in core.nodes().items() if n["reported"]["kind"] == "example_instance")
    result = core.wait_task_result(core.send_tag_task("resoto", node_id, update={"team": "blue"}))
    assert result["result"] == "done", result
    assert result["data"]["id"] == node_id and result["data"]["reported"]["tags"]["team"] == "blue"
    result = core.wait_task_result(core.send_tag_task("resoto", node_id, delete=["owner"]))
    assert result["result"] == "done" and "owner" not in result["data"]["reported"]["tags"]
    collect(core)  # the cloud kept the change
    tags = core.nodes()[node_id]["reported"]["tags"]
    assert tags["team"] == "blue" and "owner" not in tags


def test_the_psk_and_tokens_never_reach_the_log(start_worker):
    core = CoreDouble(psk="s3cret-psk-value", tls=True).start()
    try:
        worker = start_worker("--psk", "s3cret-psk-value", "-v", *example(core, accounts=2))
        connected(core, worker)
        collect(core)
        worker.terminate()
    finally:
        core.stop()
    log = worker.log
    assert "collected" in log
    assert "s3cret-psk-value" not in log and "Bearer " not in log


def test_json_log_lines_carry_task_cloud_and_account(secure_core, start_worker):
    import json

    core = secure_core
    worker = start_worker("--psk", "changeme", "--log-format", "json", *example(core, accounts=2))
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    worker.wait_log('"actions: connected')
    task, _ = collect(core)
    lines = [json.loads(line) for line in worker.log.splitlines() if line.startswith("{")]
    collected = [line for line in lines if " collected: " in line["message"]]
    uploaded = [line for line in lines if line["message"].startswith("uploaded ")]
    assert len(collected) == 2 and len(uploaded) == 2
    for line in collected + uploaded:
        assert line["task"] == task and line["cloud"] == "example" and line["account"].startswith("example-")
