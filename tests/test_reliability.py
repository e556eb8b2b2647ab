"""Issue 14: no orphan, no hang, no lost reply, whatever the core, the OS or the input does. One test per
item of the issue, each against the real daemon (or a real pool under a real supervisor process) over
real sockets: the core double, a stalled TCP listener on the core's port, an idle TLS client."""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psutil
import pytest
from core_double import CoreDouble

from conftest import ROOT

pytestmark = pytest.mark.e2e

SID = "resoto.worker"
SUBSCRIBER = "resoto.worker-collector"


def example(core, *extra, accounts=2):
    return ["--resotocore-uri", core.url, "--fork", "--override", "resotoworker.collector=example",
            f"example.accounts={accounts}", *extra]


def connected(core, worker):
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    for link in ("actions", "tasks", "events"):
        worker.wait_log(f"{link}: connected")


def web_port(worker):
    log = worker.wait_log("web server listening on")
    return int(re.search(r"web server listening on https?://\S+ \(port (\d+)\)", log).group(1))


def get(url, context=None, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as ex:
        return ex.code, ex.read().decode()


def replies(core, task):
    return [f for f in core.action_frames(task) if f.get("kind") in ("action_done", "action_error")]


def running(procs):
    alive = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


def wait_gone(procs, timeout):
    """Seconds until none of ``procs`` runs any more (zombies count as gone), or the ones still running."""
    started = time.monotonic()
    while running(procs) and time.monotonic() - started < timeout:
        time.sleep(0.01)
    return time.monotonic() - started, running(procs)


class StalledListener:
    """Takes TCP connections on a port and never reads or answers: a hung proxy, a half-open core.
    ``stop_listening`` frees the port and keeps the connections it took hanging."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.taken = []
        self._listening = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while self._listening:
            try:
                self.taken.append(self.sock.accept()[0])
            except OSError:
                continue

    def stop_listening(self):
        self._listening = False
        self._thread.join(5)
        self.sock.close()

    def close(self):
        self.stop_listening()
        for conn in self.taken:
            conn.close()


# ---- 1: kill -9 of the supervisor ------------------------------------------------------------------


def test_1_kill_9_of_the_supervisor_takes_every_child_along_and_the_next_start_removes_its_spools(
        core_double, start_worker, tmp_path):
    core = core_double
    spools = tmp_path / "spools"
    spools.mkdir()
    args = example(core, "example.api_delay=30", "example.fail_account=example-0002", "example.fail_mode=hang",
                   f"resotoworker.tempdir={spools}", accounts=3)
    worker = start_worker(*args)
    connected(core, worker)
    core.send_action("collect")
    worker.wait_log("collecting 3 account(s)")
    core.wait_for(lambda: len([p for p in worker.descendants() if p.ppid() != worker.proc.pid]) == 3, 20)
    family = worker.descendants()  # the fork server, multiprocessing's resource tracker, three children
    left = list(spools.iterdir())
    assert len(family) >= 5 and len(left) == 1
    worker.proc.kill()
    took, alive = wait_gone(family, 2)
    print(f"supervisor family gone {took:.2f} s after kill -9")
    assert not alive, [(p.pid, p.name()) for p in alive]

    assert left[0].exists(), "the killed run's spool directory is there until the next start"
    again = start_worker(*args)
    connected(core, again)
    assert not left[0].exists()


def test_1_grandchildren_of_a_pool_die_with_a_killed_supervisor(tmp_path):
    """A collector may start processes of its own; they go with the supervisor too."""
    pidfiles = [tmp_path / f"grandchild-{n}.pid" for n in range(2)]
    script = ("import sys; sys.path.insert(0, 'tests'); import pool_jobs; from worker.pool import Job, Pool; "
              f"Pool(2, fork=True, timeout=600).run([Job(str(n), pool_jobs.hang_with_grandchild, (p,)) "
              f"for n, p in enumerate({[str(p) for p in pidfiles]!r})], lambda k, m: None, lambda o: None)")
    supervisor = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while not all(p.exists() and p.read_text() for p in pidfiles) and time.monotonic() < deadline:
            time.sleep(0.05)
        family = psutil.Process(supervisor.pid).children(recursive=True)
        grandchildren = [psutil.Process(int(p.read_text())) for p in pidfiles]
        assert all(g in family for g in grandchildren)
        supervisor.kill()
        took, alive = wait_gone(family, 2)
        print(f"pool family with grandchildren gone {took:.2f} s after kill -9")
        assert not alive, [(p.pid, p.name()) for p in alive]
    finally:
        supervisor.kill()


# ---- 2: a stalled core -----------------------------------------------------------------------------


def test_2_links_and_uploads_recover_from_a_stalled_core_and_the_collect_gets_one_reply(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, "example.api_delay=1", "resotoworker.graph_timeout=8",
                                   "resotoworker.upload_retry_max_wait=2"))
    connected(core, worker)
    ready = f"http://127.0.0.1:{web_port(worker)}/ready"
    action = core.send_action("collect")
    worker.wait_log("collecting 2 account(s)")
    core.go_down()
    stalled = StalledListener(core.port)
    try:
        worker.wait_log("example:example-0001 collected")
        worker.wait_log("example:example-0002 collected")
        time.sleep(10)  # uploads and reconnects are stuck in the stall now
        assert get(ready)[0] == 503
        stalled.stop_listening()
        core.come_back(keep_state=True)  # the pending collect is still waiting for this worker
        back = time.monotonic()
        reply = core.wait_reply(action["task"], timeout=30)
        answered = time.monotonic() - back
        core.wait_for(lambda: get(ready)[0] == 200, 30 - (time.monotonic() - back))
        print(f"collect answered {answered:.1f} s and /ready 200 {time.monotonic() - back:.1f} s after the core "
              f"answered again")
    finally:
        stalled.close()
    assert reply["kind"] == "action_done", reply
    assert len([m for m in core.merges if m.ok]) == 2
    time.sleep(1)
    assert len(replies(core, action["task"])) == 1


# ---- 3: SIGTERM while uploads retry ----------------------------------------------------------------


def sigterm(worker):
    """Seconds from SIGTERM until the worker exited, with code 0."""
    signalled = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait_exit(30) == 0
    return time.monotonic() - signalled


def test_3_sigterm_while_uploads_retry_stops_them_answers_the_core_and_exits_in_time(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core))
    connected(core, worker)
    core.fail_next("POST", "/graph/resoto/merge", 503, "core restarting", count=10_000)
    action = core.send_action("collect")
    worker.wait_log("retrying")
    signalled_at = time.time()
    took = sigterm(worker)
    print(f"exited {took:.1f} s after SIGTERM")
    assert took < 10
    reply = core.wait_reply(action["task"], timeout=1)
    assert reply["kind"] == "action_error" and "shutting down" in reply["data"]["error"]
    late = [r for r in core.requests if r.path == "/graph/resoto/merge" and r.at > signalled_at + 0.5]
    assert late == []


def test_3_sigterm_with_an_upload_stuck_on_a_stalled_core_exits_within_the_bound(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, "example.api_delay=1", "resotoworker.shutdown_timeout=5"))
    connected(core, worker)
    core.send_action("collect")
    worker.wait_log("collecting 2 account(s)")
    core.go_down()
    stalled = StalledListener(core.port)
    try:
        worker.wait_log("example:example-0002 collected")
        time.sleep(2)  # the uploads wait for an answer that never comes (graph_timeout: 600 s)
        took = sigterm(worker)
        print(f"exited {took:.1f} s after SIGTERM with uploads stuck on a stalled core")
        assert took < 6
    finally:
        stalled.close()


# ---- 4: an oversized action ------------------------------------------------------------------------


def test_4_an_oversized_action_is_answered_and_does_not_block_later_replies(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, accounts=1))
    connected(core, worker)
    big = core.send_action("collect", timing={"blob": "x" * (5 * 1024 * 1024)})
    reply = core.wait_reply(big["task"], timeout=40)
    assert reply["kind"] == "action_done" and reply["data"]["step"] == "collect"
    assert len(json.dumps(reply)) < 4 * 1024 * 1024
    task = core.send_action("collect")["task"]
    assert core.wait_reply(task, timeout=40)["kind"] == "action_done"
    assert core.violations == []


def test_4_a_reply_the_core_keeps_hanging_up_on_is_dropped_and_later_replies_go_out(start_worker):
    core = CoreDouble(max_frame=2000).start()  # a core that takes smaller frames than the worker assumes
    try:
        worker = start_worker(*example(core, accounts=1))
        connected(core, worker)
        refused = core.send_action("collect", timing={"blob": "x" * 3000})  # its echo is over 2000 bytes
        worker.wait_log(f"dropped the action_done frame for {refused['task']}:collect", timeout=60)
        task = core.send_action("collect")["task"]
        assert core.wait_reply(task, timeout=40)["kind"] == "action_done"
    finally:
        core.stop()


# ---- 5: a config section of the wrong type ---------------------------------------------------------


@pytest.mark.parametrize("bad", ["resotoworker as a string", ["resotoworker", "as", "a", "list"]])
def test_5_a_config_section_of_the_wrong_type_is_named_and_replaced(core_double, start_worker, bad):
    core = core_double
    core.set_config(SID, {"resotoworker": bad, "example": {"accounts": 2}})
    worker = start_worker("--resotocore-uri", core.url, "--override", "resotoworker.collector=example")
    connected(core, worker)
    assert re.search(r"ERROR.*config: resotoworker\b", worker.log)
    task = core.send_action("collect")["task"]
    assert core.wait_reply(task, timeout=40)["kind"] == "action_done" and len(core.merges) == 2

    config = core.configs[SID]  # the worker stored a valid section over the bad one
    config["resotoworker"], config["example"] = bad, {"accounts": 1}
    core.set_config(SID, config)
    worker.wait_log("config: reloaded")
    task = core.send_action("collect")["task"]
    assert core.wait_reply(task, timeout=40)["kind"] == "action_done" and len(core.merges) == 3
    assert worker.proc.poll() is None


# ---- 6: an idle client of the HTTPS web server -----------------------------------------------------


def test_6_an_idle_tcp_client_does_not_block_the_https_web_server(start_worker):
    core = CoreDouble(psk="changeme", tls=True).start()
    try:
        worker = start_worker("--psk", "changeme", *example(core, "resotoworker.web_request_timeout=2"))
        connected(core, worker)
        port = web_port(worker)
        tls = ssl.create_default_context(cafile=core.ca_pem)
        idle = socket.create_connection(("127.0.0.1", port))  # never sends a ClientHello
        try:
            started = time.monotonic()
            for path in ("health", "ready", "metrics"):
                assert get(f"https://127.0.0.1:{port}/{path}", tls)[0] == 200
            assert time.monotonic() - started < 3
            idle.settimeout(10)
            assert idle.recv(1) == b""  # the server hangs up on it after web_request_timeout
            assert time.monotonic() - started < 6
        finally:
            idle.close()
    finally:
        core.stop()


# ---- 7: tag task input types -----------------------------------------------------------------------


def collected_instance(core, start_worker, state):
    """A worker whose example cloud keeps its changes in ``state``, after one collect: (node id, attrs
    and node of a tag task for one of its instances)."""
    worker = start_worker(*example(core, f"example.state_file={state}", accounts=1))
    connected(core, worker)
    core.wait_reply(core.send_action("collect")["task"], timeout=40)
    node_id = next(nid for nid, n in core.nodes().items() if n["reported"]["kind"] == "example_instance")
    return (node_id, *core.tag_task_parts("resoto", node_id))


def test_7_a_tag_task_with_a_wrongly_typed_delete_or_update_changes_nothing(core_double, start_worker, tmp_path):
    core = core_double
    state = tmp_path / "example-state.json"
    node_id, attrs, node = collected_instance(core, start_worker, state)
    for data, wrong in [({"delete": "ow"}, "delete"), ({"update": ["owner"]}, "update"),
                        ({"update": {"owner": {"name": "alice"}}}, "owner"), ({"delete": ["ok", 7]}, "delete")]:
        result = core.wait_task_result(core.send_task("tag", attrs, {**data, "node": node}, node_graph="resoto"))
        assert result["result"] == "error" and wrong in result["error"], (data, result)
    assert not state.exists() or "tags" not in json.loads(state.read_text() or "{}")
    assert core.nodes()[node_id]["reported"]["tags"] == node["reported"]["tags"]


# ---- 8: files in the home directory ----------------------------------------------------------------


def test_8_files_in_home_dir_are_written_and_bad_paths_are_refused(core_double, start_worker, tmp_path):
    core = core_double
    home = tmp_path / "home"
    (home / "a-directory").mkdir(parents=True)
    absolute = str(tmp_path / "absolute-outside")
    core.set_config(SID, {"resotoworker": {
        "files_in_home_dir": {".aws/credentials": "[default]\naws_access_key_id = AKIA1\n",
                              "~/.kube/config": "apiVersion: v1\n", "../outside": "no", "a-directory": "no",
                              absolute: "no"},
        "write_files_to_home_dir": [{"path": "legacy/file.txt", "content": "deprecated, still written"}]}})
    worker = start_worker("--resotocore-uri", core.url, env={"HOME": str(home)})
    connected(core, worker)
    for path, content in [(".aws/credentials", "[default]\naws_access_key_id = AKIA1\n"),
                          (".kube/config", "apiVersion: v1\n"), ("legacy/file.txt", "deprecated, still written")]:
        assert (home / path).read_text() == content
        assert (home / path).stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "outside").exists() and not os.path.exists(absolute)
    assert (home / "a-directory").is_dir()
    errors = [line for line in worker.log.splitlines() if "ERROR" in line]
    for refused in ("../outside", "a-directory", absolute):
        assert any(refused in line for line in errors), refused
    assert worker.proc.poll() is None


# ---- 9: one reply per action, also across a reconnect ----------------------------------------------


def test_9_a_pending_action_resent_after_a_reconnect_is_answered_once(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, "example.api_delay=1", accounts=1))
    connected(core, worker)
    action = core.send_action("collect")
    worker.wait_log(f"collect {action['task']}:collect started")
    core.fail_next("POST", f"/subscriber/{SUBSCRIBER}/collect", 503, "not now", count=10_000)
    core.close_sockets()
    worker.wait_log(f"collect {action['task']}:collect done")  # the reply waits for a socket
    core.clear_faults()  # the worker reconnects; the core re-sends the pending action
    core.wait_reply(action["task"], timeout=40)
    time.sleep(2)
    assert len(replies(core, action["task"])) == 1

    core.close_sockets()  # asked again on a later connection: the stored answer goes again
    core.wait_for(lambda: worker.log.count("actions: connected") >= 3, 30)
    core.send_action("collect", task=action["task"])
    core.wait_for(lambda: len(replies(core, action["task"])) == 2, 20)
    assert len(core.merges) == 1


# ---- 10: smaller ones ------------------------------------------------------------------------------


def test_10_a_binary_frame_and_a_deeply_nested_one_are_named_and_change_nothing(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, accounts=1))
    connected(core, worker)
    core.send_raw("handle", b"\x00\x01binary")
    core.send_raw("handle", "[" * 200_000 + "]" * 200_000)
    core.send_raw("work_queue", b"\xff")
    worker.wait_log("actions: ignored a binary frame")
    worker.wait_log("tasks: ignored a binary frame")
    worker.wait_log("actions: ignored a frame nested too deeply")
    task = core.send_action("collect")["task"]
    assert core.wait_reply(task, timeout=40)["kind"] == "action_done"
    assert "error from callback" not in worker.log
    assert worker.log.count("actions: connected") == 1 and core.violations == []


def test_10_an_action_whose_task_id_cannot_be_encoded_is_refused_before_anything_runs(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, accounts=1))
    connected(core, worker)
    core.send_raw("handle", '{"kind":"action","message_type":"collect","data":{"task":"t\\ud800","step":"collect"}}')
    reply = core.wait_reply("t\ud800", timeout=20)
    assert reply["kind"] == "action_error" and "task" in reply["data"]["error"]
    time.sleep(1)
    assert core.merges == [] and "collecting" not in worker.log
    task = core.send_action("collect")["task"]
    assert core.wait_reply(task, timeout=40)["kind"] == "action_done"


def test_10_a_tag_task_for_a_resource_the_example_cloud_does_not_have_fails(core_double, start_worker, tmp_path):
    core = core_double
    state = tmp_path / "example-state.json"
    _, attrs, node = collected_instance(core, start_worker, state)
    node["reported"]["id"] = "region-1-i-99999"
    result = core.wait_task_result(core.send_task("tag", attrs, {"update": {"team": "blue"}, "node": node}))
    assert result["result"] == "error" and "region-1-i-99999" in result["error"], result
    assert not state.exists() or "region-1-i-99999" not in state.read_text()


def test_10_uploads_outlast_a_core_restart(core_double, start_worker):
    core = core_double
    worker = start_worker(*example(core, "example.api_delay=1", "resotoworker.upload_retry_max_wait=1", accounts=1))
    connected(core, worker)
    action = core.send_action("collect")
    worker.wait_log("collecting 1 account(s)")
    core.go_down()
    worker.wait_log("example:example-0001 collected")
    worker.wait_log("retrying")
    time.sleep(8)  # the core is away longer than the old five attempts lasted
    core.come_back(keep_state=True)
    reply = core.wait_reply(action["task"], timeout=40)
    assert reply["kind"] == "action_done", reply
    assert len([m for m in core.merges if m.ok]) == 1
