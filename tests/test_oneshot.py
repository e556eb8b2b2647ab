"""``resotoworker collect`` as cron runs it: to a file without a core, summary, exit codes."""
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT

pytestmark = pytest.mark.e2e

EXAMPLE = ["collect", "--collector", "example", "--log-format", "text"]


def run(*args, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
    return subprocess.run([sys.executable, "-m", "worker", *EXAMPLE, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_collect_to_a_file_without_a_core(tmp_path, real_core):
    out = tmp_path / "out.ndjson"
    done = run("--output", str(out), "--override", "example.accounts=3", "resotoworker.fork_process=true")
    assert done.returncode == 0, done.stderr
    assert "3 of 3 account(s) landed" in done.stdout and f"written to {out}" in done.stdout
    lines = read(out)
    kinds = [line["reported"]["kind"] for line in lines if "reported" in line]
    assert kinds.count("graph_root") == 1 and kinds.count("cloud") == 1 and kinds.count("example_account") == 3
    replace = [line for line in lines if line.get("metadata", {}).get("replace")]
    assert {line["reported"]["kind"] for line in replace} == {"example_account"}
    # the file is one upload the real core's code accepts, with the model the worker registers
    from worker.model import graph_model
    from collectors.example.model import MODEL
    result = real_core(graph_model(MODEL), [lines])
    assert result["model_error"] is None and result["uploads"][0]["ok"], result


def test_one_file_per_account_and_determinism(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for target in (first, second):
        done = run("--output", f"{target}/", "--override", "example.accounts=2", "example.seed=7")
        assert done.returncode == 0, done.stderr
    names = sorted(os.listdir(first))
    assert names == ["example_example-0001.ndjson", "example_example-0002.ndjson"]

    def without_export_time(path):
        for line in read(path):
            line.get("metadata", {}).pop("exported_at", None)
            yield line
    assert list(without_export_time(first / names[0])) == list(without_export_time(second / names[0]))


def test_a_failing_account_gives_exit_code_1_and_is_named(tmp_path):
    done = run("--output", str(tmp_path / "o.ndjson"), "--override", "example.accounts=3",
               "example.fail_account=example-0002", "example.fail_mode=crash")
    assert done.returncode == 1, done.stderr
    assert "2 of 3 account(s) landed" in done.stdout
    row = next(line for line in done.stdout.splitlines() if "example-0002" in line)
    assert "SIGKILL" in row
    assert sum(1 for line in read(tmp_path / "o.ndjson") if line.get("reported", {}).get("kind") == "example_account") == 2


def test_nothing_collected_and_bad_usage_give_exit_code_2(tmp_path):
    done = run("--output", str(tmp_path / "o.ndjson"), "--override", "example.accounts=1",
               "example.fail_account=example-0001")
    assert done.returncode == 2 and "0 of 1 account(s) landed" in done.stdout
    assert "RuntimeError: simulated failure" in done.stdout
    bad = run("--output", str(tmp_path / "o.ndjson"), "--override", "example.accounts=many")
    assert bad.returncode == 2 and "example.accounts=many" in bad.stderr and "integer" in bad.stderr
    unknown = subprocess.run([sys.executable, "-m", "worker", "collect", "--collector", "nope", "-o", "x"],
                             capture_output=True, text=True, cwd=ROOT)
    assert unknown.returncode == 2 and "'nope' is configured but not installed" in unknown.stderr


def test_a_hanging_account_is_stopped_at_its_timeout(tmp_path):
    done = run("--output", str(tmp_path / "o.ndjson"), "--override", "example.accounts=2",
               "example.fail_account=example-0001", "example.fail_mode=hang", "resotoworker.account_timeout=5")
    assert done.returncode == 1
    assert "timed out after 5 s" in done.stdout


def test_sigterm_mid_collect_leaves_no_process_behind(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
    proc = subprocess.Popen([sys.executable, "-m", "worker", *EXAMPLE, "--output", str(tmp_path / "o.ndjson"),
                             "--override", "example.accounts=4", "example.api_delay=30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    family = []
    while time.monotonic() < deadline:
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        if len(family) >= 5:  # fork server, its resource tracker, 4 collecting children
            break
        time.sleep(0.1)
    assert len(family) >= 5
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(family, timeout=15)
    assert not alive, f"left behind: {alive}"
    assert proc.returncode == 128 + signal.SIGTERM and "0 of 4 account(s) landed" in out
