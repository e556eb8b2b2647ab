#!/usr/bin/env python3
"""Estate benchmark: this worker against the reference worker (resotoworker 3.9.0 + resoto-plugin-aws 3.9.0)
on the same moto estate, in one invocation, each as a daemon collecting on the core's ``collect`` action.

Set-up:
  estate     the reference capture's estate (/work/shared/reference/capture-3.9.0/moto-estate): its moto
             shim with --errors-as-501 on a free loopback port, environment without AWS_*/MOTO_* (moto
             loads its default AMIs, as in the capture), populated by its populate_moto.py (seeded ids;
             --scale and --accounts as flags here). One estate serves every run unless --fresh-estate.
  proxy      the test suite's FaultProxy (tests/aws/faults.py) in front of moto, no faults, an optional
             delay per call (--latency, default 0); it counts the API calls of each run.
  core       the core double (tests/core_double) in this process, a new one per run, with the config
             ``resotoworker.collector = ["aws"]``, ``aws.region = [...]`` stored before the worker starts.
  reference  a side venv with resotoworker==3.9.0 and resoto-plugin-aws==3.9.0 from PyPI, built once
             under <repo>/.cache (or --ref-venv DIR), run as ``resotoworker --resotocore-uri URL``.
  ours       ``python -m worker --fork --resotocore-uri URL``, then again with the fork server's preload
             switched off (RESOTOWORKER_BENCH_NO_PRELOAD=1, read by worker/preload.py; measurement only).

Each worker gets AWS_ENDPOINT_URL = the proxy and testing/testing keys. When its action socket is open and
its process tree has gone idle (start-up done, our fork server preloaded), one ``collect`` action is sent
and measured up to its ``action_done``: wall time; CPU seconds of the whole process tree (live processes
plus the reaped children their parents account for); memory of the tree sampled every --interval s (sum
of PSS and of RSS over the tree, peaks; the largest single process; the main process and the largest
collecting child separately); nodes in the merges the core double received (and their kinds); API calls.

Usage: python scripts/bench/estate_bench.py [--scale 1] [--accounts ID,ID] [--latency 0] [--fresh-estate]
                                            [--runs reference,ours,ours-no-preload] [--ref-venv DIR] [--json F]
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from core_double import CoreDouble  # noqa: E402
from tests.aws.faults import FaultProxy  # noqa: E402

MIB = 1024 * 1024
ESTATE_DIR = "/work/shared/reference/capture-3.9.0/moto-estate"
REGIONS = ["us-east-1", "eu-central-1"]
DEFAULT_ACCOUNT = "123456789012"  # moto's account for the plain testing keys
ESTATE_ROLE = "resoto-ref"  # populate_moto.py's role for accounts other than the default one
SUBSCRIBER = "resoto.worker-collector"
CONFIG_ID = "resoto.worker"
REF_REQUIREMENTS = ["resotoworker==3.9.0", "resoto-plugin-aws==3.9.0"]
# The reference's dependencies that it shares with resotocore 3.9.0 are pinned to the versions resotocore 3.9.0
# was released with. Unpinned, today's aiohttp (3.14) requires `backports.zstd` in its `speedups` extra (which
# resotolib asks for); the reference's plugin loader resolves entry points with pkg_resources (setuptools 65 in
# a Python 3.11 venv), which does not match that name to the installed `backports_zstd`, and the reference exits
# at start-up with DistributionNotFound.
REF_CONSTRAINTS = os.path.join(ROOT, "tests", "conformance", "resotocore-3.9.0-constraints.txt")
NO_PRELOAD_ENV = "RESOTOWORKER_BENCH_NO_PRELOAD"
RUNS = ["reference", "ours", "ours-no-preload"]


# ---- processes we start, and their clean-up ------------------------------------------------------------


class Started:
    """Every process this script starts; ``stop_all`` ends them (and what they started) by pid."""

    def __init__(self) -> None:
        self.procs: List[Tuple[str, subprocess.Popen]] = []

    def popen(self, name: str, args: List[str], **kw: Any) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **kw)  # Ctrl-C reaches us only; we clean up
        self.procs.append((name, proc))
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        _, alive = psutil.wait_procs(family, timeout=5)
        for child in alive:  # left behind by the process we started: end them by their pid
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)

    def stop_all(self) -> None:
        while self.procs:
            _, proc = self.procs.pop()
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited ({proc.returncode}) before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")


def clean_env(**extra: str) -> Dict[str, str]:
    """This environment without AWS_*, MOTO_* and RESOTO* variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "RESOTO"))}
    env.update(extra)
    return env


# ---- the reference's side venv -------------------------------------------------------------------------


def _venv_works(venv: str) -> Optional[str]:
    """None if ``venv``'s resotoworker starts (loads its plugins and prints --help), else why not."""
    exe = os.path.join(venv, "bin", "resotoworker")
    if not os.path.exists(exe):
        return f"no {exe}"
    try:
        out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=180, cwd=tempfile.gettempdir(),
                             env=clean_env())
    except subprocess.TimeoutExpired:
        return "resotoworker --help timed out"
    return None if out.returncode == 0 else (out.stderr or out.stdout).strip().splitlines()[-1]


def ref_venv(cache: str) -> str:
    """The cached side venv with the reference installed (built on first use, under a file lock)."""
    with open(REF_CONSTRAINTS, "rb") as f:
        key = hashlib.sha256(f.read() + " ".join(REF_REQUIREMENTS).encode() + platform.python_version().encode())
    venv = os.path.join(cache, f"resotoworker-3.9.0-{key.hexdigest()[:12]}")
    marker = os.path.join(venv, ".complete")
    os.makedirs(cache, exist_ok=True)
    with open(venv + ".lock", "w") as lock:
        deadline = time.monotonic() + 1200
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"could not lock {venv}.lock within 20 min")
                time.sleep(0.5)
        if os.path.exists(marker):
            return venv
        print(f"building the reference's venv in {venv} ...", flush=True)
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        steps = [[sys.executable, "-m", "venv", venv],
                 [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "-c", REF_CONSTRAINTS, *REF_REQUIREMENTS]]
        for step in steps:
            try:
                out = subprocess.run(step, capture_output=True, text=True, timeout=900)
            except subprocess.TimeoutExpired:
                raise SystemExit(f"timed out: {' '.join(step)}")
            if out.returncode != 0:
                raise SystemExit(f"failed: {' '.join(step)}\n{(out.stdout + out.stderr)[-3000:]}")
        problem = _venv_works(venv)
        if problem:
            raise SystemExit(f"the reference does not start in {venv}: {problem}")
        with open(marker, "w") as f:
            f.write(f"built in {time.monotonic() - started:.0f} s\n")
        print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    return venv


def venv_versions(venv: str) -> Dict[str, str]:
    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "['resotoworker', 'resoto-plugin-aws', 'resotolib', 'boto3', 'botocore']}))")
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=tempfile.gettempdir())  # not this checkout: its egg-info would be found first
    return json.loads(out.stdout) if out.returncode == 0 else {}


# ---- the estate and the counting proxy -----------------------------------------------------------------


class CountingProxy(FaultProxy):
    """The test suite's fault proxy with no faults: counts the calls, optionally delays each one."""

    def __init__(self, upstream: str, latency: float) -> None:
        super().__init__(upstream)
        self.latency = latency
        self.by_service: Counter = Counter()

    def retarget(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host.split("//", 1)[1], int(port))

    def start(self) -> str:
        url = super().start()
        server = self._server
        assert server is not None
        default = server.handle_error

        def handle_error(request: Any, address: Any) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a worker stopped with calls in flight
                default(request, address)

        server.handle_error = handle_error  # type: ignore[method-assign]
        return url

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.by_service.clear()
            self.counts.clear()

    def handle(self, handler: Any) -> None:
        if self.latency:
            time.sleep(self.latency)
        scope = (handler.headers.get("Authorization") or "").split("/")
        with self.lock:
            self.by_service[scope[3] if len(scope) > 3 else "?"] += 1
        super().handle(handler)  # counts it in self.requests


class Estate:
    """The capture's moto estate: shim, populate script, one loopback port."""

    def __init__(self, started: Started, scale: int, accounts: List[str], log_dir: str) -> None:
        self.started, self.scale, self.accounts, self.log_dir = started, scale, accounts, log_dir
        self.proc: Optional[subprocess.Popen] = None
        self.url = ""
        self.populate_s = 0.0
        self.created: Dict[str, Any] = {}

    def build(self) -> str:
        self.stop()
        port = free_port()
        env = clean_env()  # no AWS_*/MOTO_*: moto loads its default AMIs (and their snapshots), as in the capture
        log = open(os.path.join(self.log_dir, "moto.log"), "a")
        self.proc = self.started.popen("moto", [sys.executable, os.path.join(ESTATE_DIR, "moto_shim.py"),
                                                "--errors-as-501", "-H", "127.0.0.1", "-p", str(port)],
                                       stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_port(port, self.proc, "moto", 120)
        self.url = f"http://127.0.0.1:{port}"
        args = [sys.executable, os.path.join(ESTATE_DIR, "populate_moto.py"), "--endpoint", self.url,
                "--regions", ",".join(REGIONS), "--scale", str(self.scale)]
        if self.accounts:
            args += ["--accounts", ",".join(self.accounts), "--role", ESTATE_ROLE]
        started = time.monotonic()
        try:
            out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600 + 60 * self.scale *
                                 max(1, len(self.accounts)))
        except subprocess.TimeoutExpired:
            raise SystemExit("populate_moto.py timed out")
        if out.returncode != 0:
            raise SystemExit(f"populate_moto.py failed:\n{out.stderr[-3000:]}")
        self.populate_s = time.monotonic() - started
        self.created = json.loads(out.stdout.strip().splitlines()[-1])["created"]
        return self.url

    def stop(self) -> None:
        if self.proc is not None:
            Started.stop(self.proc)
            self.started.procs = [(n, p) for n, p in self.started.procs if p is not self.proc]
            self.proc = None


# ---- sampling a process tree ---------------------------------------------------------------------------


def role_of(proc: psutil.Process, root: int) -> str:
    """supervisor (the process we started), forkserver (our fork server: a child of the supervisor), tracker
    (multiprocessing's resource tracker), child (every other process: the ones that collect)."""
    if proc.pid == root:
        return "supervisor"
    try:
        cmd, parent = " ".join(proc.cmdline()), proc.ppid()
    except psutil.Error:
        return "child"
    if "multiprocessing.resource_tracker" in cmd:
        return "tracker"
    if parent == root and "multiprocessing.forkserver" in cmd:  # its forks inherit the command line
        return "forkserver"
    return "child"


class TreeSampler(threading.Thread):
    """Samples a process tree every ``interval`` s: sum of PSS / RSS over the tree and their peaks, the
    largest single process, peaks per role, and the tree's CPU seconds (live processes' own time plus
    the children they reaped, so processes that ended between two samples still count)."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.peak: Dict[str, float] = Counter()
        self.roles: Dict[int, str] = {}
        self.per_process: Dict[int, Dict[str, Any]] = {}  # pid -> role, parent, command, peak PSS / USS / RSS
        self.samples = 0

    def tree(self) -> List[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root] + root.children(recursive=True)

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.tree():
            try:
                t = proc.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def memory(self) -> Dict[str, float]:
        """One sample: tree sums and per-process figures, in bytes."""
        sums: Dict[str, float] = Counter()
        for proc in self.tree():
            try:
                mem = proc.memory_full_info()
            except psutil.Error:  # ended between listing and reading
                continue
            if not mem.rss:  # a zombie: ended, not reaped yet
                continue
            role = self.roles.get(proc.pid) or self.roles.setdefault(proc.pid, role_of(proc, self.pid))
            self._note(proc, role, mem)
            sums["tree_pss"] += mem.pss
            sums["tree_rss"] += mem.rss
            sums["tree_uss"] += mem.uss
            sums["process_pss"] = max(sums["process_pss"], mem.pss)
            sums[f"{role}_pss"] = max(sums[f"{role}_pss"], mem.pss)
            sums[f"{role}_uss"] = max(sums[f"{role}_uss"], mem.uss)
            sums[f"{role}_rss"] = max(sums[f"{role}_rss"], mem.rss)
            if role == "child":
                sums["children"] += 1
        return sums

    def _note(self, proc: psutil.Process, role: str, mem: Any) -> None:
        with self.lock:
            seen = self.per_process.get(proc.pid)
            if seen is None:
                try:
                    command, parent = " ".join(proc.cmdline())[:160], proc.ppid()
                except psutil.Error:
                    command, parent = "?", 0
                seen = self.per_process[proc.pid] = {"role": role, "parent": parent, "command": command,
                                                     "pss_mib": 0.0, "uss_mib": 0.0, "rss_mib": 0.0}
            for key, value in (("pss_mib", mem.pss), ("uss_mib", mem.uss), ("rss_mib", mem.rss)):
                seen[key] = max(seen[key], value / MIB)

    def sample(self) -> Dict[str, float]:
        try:
            sums = self.memory()
        except psutil.NoSuchProcess:
            return {}
        with self.lock:
            self.samples += 1
            for key, value in sums.items():
                self.peak[key] = max(self.peak[key], value)
        return sums

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def wait_idle(self, timeout: float, quiet: float = 0.05, window: float = 1.0) -> float:
        """Wait until the tree used at most ``quiet`` CPU seconds over ``window`` s (start-up over)."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(window)
            now = self.cpu_seconds()
            if now - last <= quiet:
                return now
            last = now
        raise SystemExit(f"the worker did not go idle within {timeout:.0f} s")


# ---- one run: a worker as a daemon, one collect action -------------------------------------------------


def worker_config(opts: argparse.Namespace, web_port: int) -> Dict[str, Any]:
    aws: Dict[str, Any] = {"region": list(REGIONS)}
    if opts.account_list:
        aws.update(account=list(opts.account_list), role=ESTATE_ROLE)
    return {"resotoworker": {"collector": ["aws"], "web_host": "127.0.0.1", "web_port": web_port}, "aws": aws}


def cpu_of(pid: int) -> float:
    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return t.user + t.system


def run_worker(name: str, args: List[str], env: Dict[str, str], cwd: str, opts: argparse.Namespace,
               proxy: CountingProxy, started: Started, log_dir: str, moto_pid: int) -> Dict[str, Any]:
    core = CoreDouble().start()
    proc = None
    log_path = os.path.join(log_dir, f"{name}.log")
    try:
        core.set_config(CONFIG_ID, worker_config(opts, free_port()))
        with open(log_path, "w") as log:
            proc = started.popen(name, [*args, "--resotocore-uri", core.url], stdout=log, stderr=subprocess.STDOUT,
                                 env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid, opts.interval)

        def action_socket_open() -> bool:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited ({proc.returncode}) at start-up; see {log_path}")
            return any(f.channel == "handle" and f.dir == "open" for f in core.frames)

        t = time.monotonic()
        core.wait_for(action_socket_open, opts.start_timeout)
        sampler.wait_idle(opts.start_timeout)
        startup_s = time.monotonic() - t
        idle = sampler.memory()
        proxy.reset()
        sampler.start()
        cpu0, moto0, bench0 = sampler.cpu_seconds(), cpu_of(moto_pid), cpu_of(os.getpid())
        t0 = time.monotonic()
        action = core.send_action("collect")
        reply = core.wait_reply(action["task"], timeout=opts.collect_timeout)
        wall = time.monotonic() - t0
        cpu = sampler.cpu_seconds() - cpu0
        moto_cpu, bench_cpu = cpu_of(moto_pid) - moto0, cpu_of(os.getpid()) - bench0
        sampler.sample()
        sampler.done.set()
        sampler.join(5)
        calls = proxy.requests
        if reply.get("kind") != "action_done":
            raise SystemExit(f"{name}: collect answered {reply}; see {log_path}")
        merges = core.merges
        failed = [m for m in merges if not m.ok]
        if failed or not merges:
            raise SystemExit(f"{name}: {len(failed)} of {len(merges)} merges failed: "
                             f"{[m.error for m in failed][:3]}; see {log_path}")
        kinds: Counter = Counter(line["reported"].get("kind") for m in merges for line in m.lines
                                 if isinstance(line, dict) and isinstance(line.get("reported"), dict))
        nodes = sum(m.summary["nodes"] for m in merges)
        peak = sampler.peak
        return {
            "run": name, "wall_s": wall, "cpu_s": cpu, "moto_cpu_s": moto_cpu, "bench_cpu_s": bench_cpu,
            "api_calls": calls, "api_calls_by_service":
            dict(proxy.by_service.most_common()), "nodes": nodes, "edges": sum(m.summary["edges"] for m in merges),
            "merges": len(merges), "nodes_per_s": nodes / wall, "kinds": dict(sorted(kinds.items())),
            "tree_peak_pss_mib": peak["tree_pss"] / MIB, "tree_peak_rss_mib": peak["tree_rss"] / MIB,
            "tree_peak_uss_mib": peak["tree_uss"] / MIB, "process_peak_pss_mib": peak["process_pss"] / MIB,
            "supervisor_peak_pss_mib": peak["supervisor_pss"] / MIB,
            "supervisor_peak_rss_mib": peak["supervisor_rss"] / MIB,
            "forkserver_peak_pss_mib": peak["forkserver_pss"] / MIB,
            "child_peak_pss_mib": peak["child_pss"] / MIB, "child_peak_uss_mib": peak["child_uss"] / MIB,
            "child_peak_rss_mib": peak["child_rss"] / MIB, "children_at_once_peak": int(peak["children"]),
            "idle_tree_pss_mib": idle.get("tree_pss", 0) / MIB, "idle_tree_rss_mib": idle.get("tree_rss", 0) / MIB,
            "startup_s": startup_s, "samples": sampler.samples, "log": log_path,
            "processes": {str(pid): p for pid, p in sorted(sampler.per_process.items())},
        }
    finally:
        if proc is not None:
            Started.stop(proc)
            started.procs = [(n, p) for n, p in started.procs if p is not proc]
        core.stop()


def reference_run(venv: str, endpoint: str, opts, proxy, started, log_dir: str, moto_pid: int) -> Dict[str, Any]:
    home = tempfile.mkdtemp(prefix="ref-home-", dir=log_dir)
    env = clean_env(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                    AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent", HOME=home,
                    PYTHONUNBUFFERED="1")
    return run_worker("reference", [os.path.join(venv, "bin", "resotoworker")], env, home, opts, proxy, started,
                      log_dir, moto_pid)


def our_run(name: str, endpoint: str, preload: bool, opts, proxy, started, log_dir: str,
            moto_pid: int) -> Dict[str, Any]:
    home = tempfile.mkdtemp(prefix=f"{name}-home-", dir=log_dir)
    env = clean_env(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                    AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent", HOME=home,
                    PYTHONUNBUFFERED="1")
    if not preload:
        env[NO_PRELOAD_ENV] = "1"
    return run_worker(name, [sys.executable, "-m", "worker", "--log-format", "text", "--fork"], env,
                      opts.worker_root, opts, proxy, started, log_dir, moto_pid)


# ---- output --------------------------------------------------------------------------------------------


COLUMNS = [("wall s", "wall_s", "{:.1f}"), ("CPU s", "cpu_s", "{:.1f}"), ("API calls", "api_calls", "{:,}"),
           ("nodes", "nodes", "{:,}"), ("nodes/s", "nodes_per_s", "{:,.0f}"),
           ("tree peak PSS MiB", "tree_peak_pss_mib", "{:.0f}"), ("tree peak RSS MiB", "tree_peak_rss_mib", "{:.0f}"),
           ("largest process peak PSS", "process_peak_pss_mib", "{:.0f}"),
           ("supervisor PSS", "supervisor_peak_pss_mib", "{:.0f}"), ("child peak PSS", "child_peak_pss_mib", "{:.0f}")]


def table(runs: List[Dict[str, Any]]) -> str:
    head = ["run"] + [c[0] for c in COLUMNS]
    rows = [[r["run"]] + [fmt.format(r[key]) for _, key, fmt in COLUMNS] for r in runs]
    widths = [max(len(row[i]) for row in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in [head] + rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def comparisons(by: Dict[str, Dict[str, Any]]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    ref, ours, off = by.get("reference"), by.get("ours"), by.get("ours-no-preload")
    if ref and ours:
        for key in ("wall_s", "cpu_s", "tree_peak_pss_mib", "tree_peak_rss_mib", "process_peak_pss_mib", "api_calls"):
            out[f"ours_vs_reference_{key}"] = ours[key] / max(ref[key], 1e-9)
    if ours and off:
        for key in ("child_peak_pss_mib", "child_peak_uss_mib", "tree_peak_pss_mib", "wall_s", "cpu_s"):
            out[f"preload_on_vs_off_{key}"] = ours[key] / max(off[key], 1e-9)
    return out


def report(by: Dict[str, Dict[str, Any]], ratios: Dict[str, float]) -> None:
    runs = list(by.values())
    print()
    print(table(runs))
    print("  (memory in MiB; PSS and RSS summed over the process tree, sampled; supervisor = the process started,"
          "\n   child = its collecting processes: our fork server's children, the reference's spawned processes)")
    for r in runs:
        print(f"  {r['run']}: {r['merges']} merge(s), {r['edges']:,} edges, up to {r['children_at_once_peak']} "
              f"collecting process(es) at once, idle tree before the action {r['idle_tree_pss_mib']:.0f} MiB PSS"
              f"{', fork server ' + format(r['forkserver_peak_pss_mib'], '.0f') + ' MiB PSS' if r['forkserver_peak_pss_mib'] else ''}"
              f", {r['samples']} samples")
    ref, ours, off = by.get("reference"), by.get("ours"), by.get("ours-no-preload")
    if ref and ours:
        print()
        wall, pss = ratios["ours_vs_reference_wall_s"], ratios["ours_vs_reference_tree_peak_pss_mib"]
        print(f"ours / reference: wall {wall:.3f} (goal <= 0.15: {'met' if wall <= 0.15 else 'NOT met'}), "
              f"tree peak PSS {pss:.3f} (goal <= 0.25: {'met' if pss <= 0.25 else 'NOT met'})")
        print(f"                  CPU {ratios['ours_vs_reference_cpu_s']:.3f}, tree peak RSS "
              f"{ratios['ours_vs_reference_tree_peak_rss_mib']:.3f}, largest process PSS "
              f"{ratios['ours_vs_reference_process_peak_pss_mib']:.3f}, API calls "
              f"{ratios['ours_vs_reference_api_calls']:.3f}")
        only_ref = sorted(set(ref["kinds"]) - set(ours["kinds"]))
        only_ours = sorted(set(ours["kinds"]) - set(ref["kinds"]))
        differ = sorted(k for k in set(ref["kinds"]) & set(ours["kinds"]) if ref["kinds"][k] != ours["kinds"][k])
        print(f"  nodes: reference {ref['nodes']:,}, ours {ours['nodes']:,}; kinds only the reference has: "
              f"{', '.join(only_ref) or '-'}; only ours: {', '.join(only_ours) or '-'}; different counts: "
              + (", ".join(f"{k} {ref['kinds'][k]}/{ours['kinds'][k]}" for k in differ) or "-"))
    if ours and off:
        print()
        print(f"preload on / off: child peak PSS {ours['child_peak_pss_mib']:.0f} / {off['child_peak_pss_mib']:.0f} MiB "
              f"({ratios['preload_on_vs_off_child_peak_pss_mib']:.2f}), child peak USS {ours['child_peak_uss_mib']:.0f}"
              f" / {off['child_peak_uss_mib']:.0f} MiB, tree peak PSS {ours['tree_peak_pss_mib']:.0f} / "
              f"{off['tree_peak_pss_mib']:.0f} MiB, wall {ours['wall_s']:.1f} / {off['wall_s']:.1f} s, CPU "
              f"{ours['cpu_s']:.1f} / {off['cpu_s']:.1f} s")
        if ours["nodes"] != off["nodes"]:
            print(f"  WARNING: node counts differ between the two runs of ours ({ours['nodes']} / {off['nodes']})")


# ---- main ----------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="populate_moto.py --scale (resources per region x N)")
    parser.add_argument("--accounts", default="", help="populate and collect these accounts (comma-separated; "
                        f"reached by assuming {ESTATE_ROLE}); default: moto's {DEFAULT_ACCOUNT} only")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the proxy adds to every AWS call")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"which runs, in this order: {', '.join(RUNS)}")
    parser.add_argument("--fresh-estate", action="store_true",
                        help="a new moto server and populate for every run (default: one estate for all runs)")
    parser.add_argument("--ref-venv", help="use this venv for the reference (e.g. /tmp/refvenv) if it starts; "
                        "otherwise, or without the flag, the side venv cached under --cache")
    parser.add_argument("--cache", default=os.path.join(ROOT, ".cache"), help="where the side venv is built")
    parser.add_argument("--worker-root", default=ROOT, help="the checkout our worker runs from (e.g. a "
                        "`git archive` export of a commit, to measure it without uncommitted edits)")
    parser.add_argument("--interval", type=float, default=0.1, help="memory sampling interval, seconds")
    parser.add_argument("--start-timeout", type=float, default=180, help="seconds for a worker to connect and idle")
    parser.add_argument("--collect-timeout", type=float, default=1800, help="seconds for one collect")
    parser.add_argument("--keep-logs", action="store_true", help="keep the worker and moto logs (printed path)")
    parser.add_argument("--json", help="also write the figures to this file")
    opts = parser.parse_args()
    opts.account_list = [a for a in opts.accounts.split(",") if a]
    opts.worker_root = os.path.abspath(opts.worker_root)
    runs = [r for r in opts.runs.split(",") if r]
    unknown = set(runs) - set(RUNS)
    if unknown:
        parser.error(f"unknown runs: {', '.join(sorted(unknown))}")

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a background job ignores it
        signal.signal(signum, interrupted)
    started = Started()
    log_dir = tempfile.mkdtemp(prefix="estate-bench-")
    proxy: Optional[CountingProxy] = None
    results: Dict[str, Dict[str, Any]] = {}
    meta: Dict[str, Any] = {}
    finished = False
    try:
        venv = None
        if "reference" in runs:
            if opts.ref_venv:
                problem = _venv_works(opts.ref_venv)
                if problem is None:
                    venv = opts.ref_venv
                else:
                    print(f"--ref-venv {opts.ref_venv} does not start the reference ({problem}); using the side venv")
            venv = venv or ref_venv(opts.cache)
        estate = Estate(started, opts.scale, opts.account_list, log_dir)
        meta = {"machine": f"{psutil.cpu_count()} cpus, {psutil.virtual_memory().total / 2**30:.0f} GiB",
                "python": platform.python_version(), "moto": importlib.metadata.version("moto"),
                "ours_botocore": importlib.metadata.version("botocore"),
                "reference": venv_versions(venv) if venv else {}, "reference_venv": venv, "scale": opts.scale,
                "accounts": opts.account_list or [DEFAULT_ACCOUNT], "regions": REGIONS, "latency_s": opts.latency,
                "estate": "fresh per run" if opts.fresh_estate else "one estate for all runs",
                "worker_root": opts.worker_root, "interval_s": opts.interval}
        print(f"machine: {meta['machine']}, load {os.getloadavg()[0]:.1f}; moto {meta['moto']}; reference "
              f"{meta['reference'] or '-'}; ours from {opts.worker_root} (botocore {meta['ours_botocore']})")
        print(f"estate: capture's populate_moto.py, scale {opts.scale}, accounts "
              f"{','.join(meta['accounts'])}, regions {','.join(REGIONS)}; {meta['estate']}; "
              f"proxy latency {opts.latency * 1000:.0f} ms")
        for i, name in enumerate(runs):
            if i == 0 or opts.fresh_estate:
                moto_url = estate.build()
                print(f"  moto {moto_url} populated in {estate.populate_s:.1f} s", flush=True)
                if proxy is None:
                    proxy = CountingProxy(moto_url, opts.latency)
                    proxy_url = proxy.start()
                else:
                    proxy.retarget(moto_url)
            assert proxy is not None and estate.proc is not None
            print(f"run {name} ...", flush=True)
            if name == "reference":
                assert venv is not None
                figures = reference_run(venv, proxy_url, opts, proxy, started, log_dir, estate.proc.pid)
            else:
                figures = our_run(name, proxy_url, name == "ours", opts, proxy, started, log_dir, estate.proc.pid)
            results[name] = figures
            print(f"  wall {figures['wall_s']:.1f} s, CPU {figures['cpu_s']:.1f} s, {figures['api_calls']} API calls, "
                  f"{figures['nodes']:,} nodes, tree peak PSS {figures['tree_peak_pss_mib']:.0f} MiB "
                  f"(start-up {figures['startup_s']:.1f} s); CPU meanwhile: moto {figures['moto_cpu_s']:.1f} s, "
                  f"this script (proxy, core double, sampler) {figures['bench_cpu_s']:.1f} s", flush=True)
        ratios = comparisons(results)
        report(results, ratios)
        if opts.json:
            with open(opts.json, "w") as f:
                json.dump({"meta": meta, "runs": results, "ratios": ratios}, f, indent=1)
        finished = True
    except KeyboardInterrupt:
        print("interrupted: stopping what was started", file=sys.stderr)
        return 130
    finally:
        started.stop_all()
        if proxy is not None:
            proxy.stop()
        if opts.keep_logs or not finished:
            print(f"logs in {log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
