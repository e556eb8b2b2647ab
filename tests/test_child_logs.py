"""Log lines of forked children reach the supervisor's log: JSON with the child's cloud and account (and
the action's task in the daemon), at the levels the supervisor was started with. The ``logtest``
collector (tests/plugins/log_collector.py) logs at DEBUG, INFO, WARNING, an exception and a warning."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.e2e

ENV = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}


def collect(env, tmp_path, *args):
    done = subprocess.run([sys.executable, "-m", "worker", *args, "collect", "--collector", "logtest", "-o",
                           str(tmp_path / "o.ndjson"), "--log-format", "json"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**ENV, **env})
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stderr.splitlines()]  # every line is one JSON object


def from_child(lines):
    return {line["message"].split(" from the child")[0].split(" in the child")[0]: line for line in lines
            if line["logger"] in ("logtest.collector", "py.warnings")}


@pytest.mark.parametrize("fork", [True, False])
def test_a_childs_lines_are_json_with_cloud_and_account_at_the_supervisors_levels(log_collector_env, tmp_path, fork):
    mode = ["--override", f"resotoworker.fork_process={str(fork).lower()}"]
    lines = collect(log_collector_env, tmp_path, *mode)
    child = from_child(lines)
    assert set(child) == {"info", "warning", "an exception", child_warning(child)}
    supervisor = {line["pid"] for line in lines if line["logger"].startswith("worker.")}
    for line in child.values():
        assert line["cloud"] == "logtest" and line["account"] == "log-0001", line
        assert line["thread"] == "collect logtest:log-0001" and line["timestamp"]
        assert (line["pid"] not in supervisor) is fork
    assert child["warning"]["level"] == "WARNING" and child["info"]["level"] == "INFO"
    assert child["an exception"]["level"] == "ERROR" and "ValueError: a bad answer" in child["an exception"]["exception"]
    verbose = from_child(collect(log_collector_env, tmp_path, "-v", *mode))
    assert verbose["debug"]["level"] == "DEBUG" and verbose["debug"]["account"] == "log-0001"
    quiet = from_child(collect(log_collector_env, tmp_path, "--quiet", *mode))
    assert {line["level"] for line in quiet.values()} == {"WARNING", "ERROR"}


def child_warning(child):
    """The line of ``warnings.warn``, which the py.warnings logger names by file and line."""
    names = [name for name, line in child.items() if line["logger"] == "py.warnings"]
    assert len(names) == 1 and "UserWarning: a library's warning" in names[0]
    return names[0]


def test_in_the_daemon_a_childs_lines_carry_the_actions_task(log_collector_env, core_double, start_worker):
    worker = start_worker("--resotocore-uri", core_double.url, "--fork", "--log-format", "json", "--override",
                          "resotoworker.collector=logtest", env=log_collector_env)
    core_double.wait_for(lambda: core_double.subscriptions.get("resoto.worker-collector"), 30)
    worker.wait_log("actions: connected")
    action = core_double.send_action("collect")
    assert core_double.wait_reply(action["task"], timeout=60)["kind"] == "action_done"
    lines = [json.loads(line) for line in worker.log.splitlines() if line.startswith("{")]
    warning = next(line for line in lines if line["message"] == "warning from the child of log-0001")
    assert warning["task"] == action["task"] and warning["account"] == "log-0001" and warning["step"]
