"""The daemon's web server (/health, /ready, /info, /metrics) and sd_notify, through the
real daemon and the core double."""
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from core_double import CoreDouble

pytestmark = pytest.mark.e2e


SUBSCRIBER = "resoto.worker-collector"
WEB = ["--override", "resotoworker.web_port=0", "resotoworker.web_host=127.0.0.1"]


def get(url, method="GET"):
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as ex:
        return ex.code, ex.read().decode()


def base_url(worker, path="/"):
    log = worker.wait_log("web server listening on")
    port = re.search(r"web server listening on https?://\S+ \(port (\d+)\)", log).group(1)
    return f"http://127.0.0.1:{port}{path}"


def start(start_worker, core, *extra, env=None):
    worker = start_worker("--resotocore-uri", core.url, *WEB, "resotoworker.collector=example", "example.accounts=2",
                          *extra, "--fork", env=env)
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    worker.wait_log("actions: connected")
    worker.wait_log("tasks: connected")
    worker.wait_log("events: connected")
    return worker


def metric(text, name, **labels):
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def test_health_ready_info_and_405(start_worker):
    core = CoreDouble().start()
    try:
        worker = start(start_worker, core)
        url = base_url(worker)
        assert get(url + "health") == (200, "ok\n")
        assert get(url + "ready")[0] == 200
        status, body = get(url + "info")
        info = json.loads(body)
        assert status == 200 and info["active_collectors"] == ["example"] and "example" in info["all_collectors"]
        assert get(url + "health", "POST")[0] == 405
        assert get(url + "nope")[0] == 404
        status, body = get(url + "metrics")
        assert metric(body, "resotoworker_link_up", link="actions") == 1.0
    finally:
        core.stop()
    worker.wait_log("link down")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the three links notice the core is gone one after the other
        status, body = get(url + "ready")
        if all(name in body for name in ("actions", "tasks", "events")):
            break
        assert status == 503, body
        time.sleep(0.2)
    assert status == 503 and all(name in body for name in ("actions", "tasks", "events")), body
    assert get(url + "health")[0] == 200
    assert metric(get(url + "metrics")[1], "resotoworker_link_up", link="tasks") == 0.0


def test_metrics_after_a_collect_with_a_failed_account(start_worker):
    core = CoreDouble().start()
    try:
        worker = start(start_worker, core, "example.fail_account=example-0001", "resotoworker.web_path=/worker/")
        url = base_url(worker, "/worker/")
        core.fail_next("POST", r"/graph/resoto/merge", 503, "busy")  # the upload's first attempt
        action = core.send_action("collect")
        reply = core.wait_reply(action["task"], timeout=60)
        assert reply["kind"] == "action_done", reply
        status, text = get(url + "metrics")
        assert status == 200
        nodes = metric(text, "resotoworker_resources_collected_total", cloud="example", account="example-0002")
        assert nodes and nodes > 0, text
        assert metric(text, "resotoworker_errors_total", cloud="example", account="example-0001") >= 1
        assert metric(text, "resotoworker_errors_total", cloud="example", account="example-0002") is None
        assert metric(text, "resotoworker_last_success_timestamp_seconds", cloud="example",
                      account="example-0002") > 0
        assert metric(text, "resotoworker_collect_duration_seconds_count") == 1.0
        assert metric(text, "resotoworker_pool_busy") == 0.0
        assert metric(text, "resotoworker_upload_attempts_total", call="merge") == 2.0
        assert metric(text, "resotoworker_upload_failures_total", call="merge") == 1.0
        assert metric(text, "resotoworker_upload_attempts_total", call="model") == 1.0
        assert metric(text, "resotoworker_upload_failures_total", call="model") is None
        # the supervisor's own process, and its children (at least the fork server)
        assert metric(text, "process_resident_memory_bytes") > 0 and metric(text, "process_open_fds") > 0
        assert metric(text, "process_cpu_seconds_total") > 0
        assert metric(text, "resotoworker_children_resident_memory_bytes") > 10 * 2 ** 20
        assert not [line for line in text.splitlines() if "_created" in line]
        with urllib.request.urlopen(urllib.request.Request(url + "metrics", method="HEAD"), timeout=10) as head:
            assert head.status == 200 and int(head.headers["Content-Length"]) > 0 and head.read() == b""
        assert get(url + "metrics", "POST")[0] == 405
        assert worker.terminate() == 0
    finally:
        core.stop()


def test_sd_notify_ready_then_stopping(start_worker, tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    core = CoreDouble().start()
    try:
        worker = start(start_worker, core, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"})
        messages = []
        while not any("READY=1" in m for m in messages):
            messages.append(sock.recv(4096).decode())
        assert any("WATCHDOG=1" in m for m in messages) or "WATCHDOG=1" in sock.recv(4096).decode()
        assert worker.terminate() == 0
        rest = []
        while not any("STOPPING=1" in m for m in rest):
            rest.append(sock.recv(4096).decode())
    finally:
        core.stop()
        sock.close()


def test_notify_to_an_abstract_socket_and_watchdog_interval(monkeypatch):
    from worker import notify

    name = f"resotoworker-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify.notify("READY=1")
        assert sock.recv(100) == b"READY=1"
    finally:
        sock.close()
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert notify.notify("READY=1") is False
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert notify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert notify.watchdog_interval() is None


def test_web_server_falls_back_to_ipv4_without_ipv6(monkeypatch, caplog):
    from worker import web
    from worker.metrics import Metrics

    real = web._make_server

    def no_ipv6(host, port, handler):
        if ":" in host:
            raise OSError(97, "Address family not supported by protocol")
        return real(host, port, handler)

    monkeypatch.setattr(web, "_make_server", no_ipv6)
    server = web.WebServer("::", 0, "/", lambda: {"actions": True}, lambda: ([], []), Metrics()).start()
    try:
        assert server.server.server_address[0] == "0.0.0.0"
        assert get(f"http://127.0.0.1:{server.port}/health") == (200, "ok\n")
        assert "using 0.0.0.0" in caplog.text
    finally:
        server.stop()


def test_the_web_server_speaks_tls_with_a_certificate_the_core_signed(start_worker):
    import requests

    core = CoreDouble(psk="changeme", tls=True).start()
    try:
        worker = start(start_worker, core, "--psk", "changeme")
        log = worker.wait_log("web server listening on https://")
        port = re.search(r"listening on https://\S+ \(port (\d+)\)", log).group(1)
        assert ("POST", "/ca/sign") in [(r.method, r.path) for r in core.requests]
        response = requests.get(f"https://127.0.0.1:{port}/health", verify=core.ca_pem, timeout=10)
        assert response.status_code == 200 and response.text == "ok\n"
        plain = start_worker("--resotocore-uri", core.url, "--psk", "changeme", "--subscriber-id", "w2",
                             *WEB, "resotoworker.no_tls=true")
        plain.wait_log("web server listening on http://")
    finally:
        core.stop()
