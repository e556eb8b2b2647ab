"""The command line as a user meets it: ``collect`` as a subcommand, --version, and every kind of bad input
refused at once with one line and exit code 2; ``--output`` replaced only by a run that ends well."""
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT
from worker import DISTRIBUTION, __version__

pytestmark = pytest.mark.e2e

ENV = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}


def worker(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "worker", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env={**ENV, **(env or {})})


def refused(done):
    """Exit code 2 and one line on stderr, no traceback; returns the line."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_collect_is_a_subcommand_with_options_before_and_after_it(tmp_path, log_collector_env):
    done = worker("-v", "--log-format", "json", "collect", "--collector", "logtest", "-o", str(tmp_path / "o.ndjson"),
                  "--summary", "full", env=log_collector_env)
    assert done.returncode == 0, done.stderr
    levels = {json.loads(line)["level"] for line in done.stderr.splitlines()}
    assert "DEBUG" in levels  # -v before the subcommand counts
    assert "log-0001" in done.stdout.splitlines()[1]  # --summary full after it: a row per account
    collect_help = worker("collect", "--help").stdout
    daemon_help = worker("--help").stdout
    for daemon_only in ("--idle-timeout", "--cert", "--cert-key", "--cleanup", "--cleanup-expired"):
        assert daemon_only not in collect_help.replace("--collector", "") and daemon_only in daemon_help
    for both in ("--psk", "--resotocore-uri", "--override", "--log-format", "--fork", "--summary"):
        assert both in collect_help
    assert worker("--version").stdout.strip() == f"{DISTRIBUTION} {__version__}"
    assert "daemon, not of collect" in refused(worker("--idle-timeout", "5", "collect", "-o", str(tmp_path / "x")))


@pytest.mark.parametrize("args, env, names", [
    (["--log-format", "xml"], {}, "--log-format"),
    ([], {"RESOTOWORKER_LOG_FORMAT": "xml"}, "RESOTOWORKER_LOG_FORMAT"),
    (["--resotocore-uri", "localhost:8900"], {}, "localhost:8900"),
    (["--resotocore-uri", "ftp://core.example"], {}, "ftp://core.example"),
    (["--resotocore-uri", "https://core.example:99999"], {}, "99999"),
    (["--resotocore-uri", "https://core.example:port"], {}, "core.example:port"),
    (["--resotocore-uri", "https://"], {}, "https://"),
    (["--resotocore-uri", "https://exa mple"], {}, "exa mple"),
    (["--override", "resotoworker.pool_size=0"], {}, "resotoworker.pool_size=0"),
    (["--override", "resotoworker.graph_merge_kind=region"], {}, "graph_merge_kind"),
    (["--override", "resotoworker.pool_size=many"], {}, "resotoworker.pool_size=many"),
])
@pytest.mark.parametrize("command", ["daemon", "collect"])
def test_bad_input_is_one_line_and_exit_code_2_at_once(args, env, names, command):
    started = time.monotonic()
    argv = ["collect", *args] if command == "collect" else args
    line = refused(worker(*argv, "--ready-timeout", "300", env=env))
    assert names in line and line.startswith("resotoworker")
    assert time.monotonic() - started < 30  # not --ready-timeout


def test_an_unwritable_or_invalid_output_is_one_line_and_exit_code_2(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    for target, reason in [(f"{afile}/out.ndjson", "Not a directory"), (f"{afile}/", "Not a directory"),
                           ("/proc/out.ndjson", "No such file or directory"), ("", "empty")]:
        line = refused(worker("collect", "--collector", "example", "--output", target))
        assert reason in line and (target in line or not target), line


def test_a_bad_stored_config_is_reported_like_the_daemon_does(core_double, tmp_path):
    core_double.set_config("resoto.worker", {"resotoworker": {"pool_size": -3}, "example": {"accounts": 1}})
    done = worker("collect", "--collector", "example", "--resotocore-uri", core_double.url, "--log-format", "json")
    assert done.returncode == 0, done.stderr
    errors = [json.loads(line) for line in done.stderr.splitlines() if json.loads(line)["level"] == "ERROR"]
    assert [e["message"] for e in errors] == [
        "config: resotoworker.pool_size: -3 is less than the minimum of 1; using the default value"]
    assert len(core_double.merges) == 1  # example.accounts=1 from the core applied


def start_collect(out, *extra):
    return subprocess.Popen([sys.executable, "-m", "worker", "collect", "--collector", "example", "-o", str(out),
                             "--log-format", "json", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=ENV)


def wait_children(proc, count):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        family = psutil.Process(proc.pid).children(recursive=True)
        if len(family) >= count:
            return family
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} processes below the worker")


def test_output_is_replaced_only_when_the_run_ends_well_and_ctrl_c_exits_130(tmp_path):
    out = tmp_path / "out.ndjson"
    out.write_text("the last good file\n")
    proc = start_collect(out, "--override", "example.accounts=3", "example.api_delay=30")
    family = wait_children(proc, 5)  # fork server, resource tracker, 3 children
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    _, alive = psutil.wait_procs(family, timeout=15)
    assert proc.returncode == 130 and not alive and "stopped by SIGINT" in stdout
    assert out.read_text() == "the last good file\n" and os.listdir(tmp_path) == ["out.ndjson"]

    nothing = start_collect(out, "--override", "example.accounts=1", "example.fail_account=example-0001")
    nothing.communicate(timeout=60)
    assert nothing.returncode == 2 and out.read_text() == "the last good file\n"

    good = start_collect(out, "--override", "example.accounts=1")
    good.communicate(timeout=60)
    assert good.returncode == 0 and json.loads(out.read_text().splitlines()[0])["reported"]["kind"] == "graph_root"
    assert os.listdir(tmp_path) == ["out.ndjson"]


def test_the_readme_examples_without_a_core_all_write_a_file():
    readme = open(os.path.join(ROOT, "README.md")).read()
    lines = [line for line in readme.splitlines() if line.strip().startswith("resotoworker collect")
             or line.strip().startswith("pip install . && resotoworker collect")]
    without_core = [line for line in lines if "--resotocore-uri" not in line]
    assert without_core and all("--output" in line or " -o " in line for line in without_core), without_core
