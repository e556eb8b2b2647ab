#!/usr/bin/env python3
"""Collect-engine benchmark: runs ``resotoworker collect`` with the example collector as a user would,
samples the memory and CPU of the supervisor and of every child with psutil, and prints the figures.

Scenarios (all in one invocation, so ratios compare runs on the same machine at the same time):
  scale    N accounts x R resources each, to a sink (a file by default, or the core double with --core):
           supervisor peak RSS vs the same run at 10 accounts, child peak RSS, nodes/s per CPU used
  latency  64 accounts each waiting 0.5 s of simulated API time, pool 8: wall time vs the ideal 8 waves
  Each scenario runs with --fork (processes) and without (threads).

Usage: python scripts/bench/collect_bench.py [--accounts 1000] [--resources 1000] [--core] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Tuple

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MB = 1024 * 1024


class Sampler(threading.Thread):
    """Peak RSS of the supervisor and of the largest child, and the CPU time of the whole tree."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.supervisor_peak = 0
        self.child_peak = 0
        self.cpu: Dict[int, float] = {}
        self.children_seen = 0
        self.done = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        seen = set()
        while not self.done.is_set():
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
                    helper = proc.pid != self.pid and proc.ppid() == self.pid  # fork server, resource tracker
                except psutil.Error:  # gone or a zombie between listing and reading
                    continue
                self.cpu[proc.pid] = times.user + times.system
                if proc.pid == self.pid:
                    self.supervisor_peak = max(self.supervisor_peak, rss)
                elif not helper:
                    self.child_peak = max(self.child_peak, rss)
                    seen.add(proc.pid)
            self.children_seen = len(seen)
            time.sleep(self.interval)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())


def run_sampled(args: List[str], env: Dict[str, str]) -> Tuple[str, float, "Sampler"]:
    """Run one ``resotoworker`` command under the sampler; its stdout, wall time and the sampler."""
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    sampler = Sampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"collect failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return stdout, wall, sampler


def run_collect(accounts: int, resources: int, regions: int, pool: int, fork: bool, delay: float = 0.0,
                core_url: Optional[str] = None) -> Dict[str, float]:
    per_region = max(1, resources // max(1, regions))
    out = tempfile.mkdtemp(prefix="bench-")
    args = [sys.executable, "-m", "worker", "collect", "--collector", "example", "--quiet", "--no-progress",
            "--override", f"example.accounts={accounts}", f"example.regions_per_account={regions}",
            f"example.resources_per_region={per_region}", f"example.api_delay={delay}",
            f"resotoworker.pool_size={pool}", f"resotoworker.fork_process={'true' if fork else 'false'}"]
    if core_url:
        args += ["--resotocore-uri", core_url]
    else:
        args += ["--output", os.path.join(out, "out.ndjson")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
    stdout, wall, sampler = run_sampled(args, env)
    summary = next(line for line in stdout.splitlines() if "account(s) landed" in line)
    nodes = int(summary.split(", ")[1].split()[0])
    collect_s = float(summary.rsplit(", ", 1)[1].split()[0])  # the run itself, without interpreter start
    subprocess.run(["rm", "-rf", out])
    cpu = max(sampler.cpu_seconds, 1e-6)
    return {"wall_s": wall, "collect_s": collect_s, "nodes": nodes, "supervisor_peak_mb": sampler.supervisor_peak / MB,
            "child_peak_mb": sampler.child_peak / MB, "cpu_s": cpu, "nodes_per_s": nodes / wall,
            "nodes_per_cpu_s": nodes / cpu, "children": sampler.children_seen}


def show(title: str, figures: Dict[str, float]) -> None:
    print(f"  {title:<34} wall {figures['wall_s']:7.2f} s  nodes {figures['nodes']:>8}  "
          f"{figures['nodes_per_s']:>9.0f} nodes/s  {figures['nodes_per_cpu_s']:>9.0f} nodes/cpu-s  "
          f"supervisor {figures['supervisor_peak_mb']:6.1f} MB  child {figures['child_peak_mb']:6.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--resources", type=int, default=1000, help="resources per account")
    parser.add_argument("--pool", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="100 accounts instead of --accounts")
    parser.add_argument("--core", action="store_true", help="upload to a core double instead of a file")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--only", choices=["scale", "latency"], help="run one scenario")
    opts = parser.parse_args()
    accounts = 100 if opts.quick else opts.accounts
    core = None
    url = None
    if opts.core:
        core = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "bench", "core_double_server.py")],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        url = core.stdout.readline().strip()
    results: Dict[str, Dict[str, float]] = {}
    print(f"machine: {psutil.cpu_count()} cpus, sink: {'core double' if core else 'file'}")
    print(f"scale: {accounts} accounts x {opts.resources} resources, pool {opts.pool}")
    for fork in ((True, False) if opts.only != "latency" else ()):
        mode = "fork" if fork else "threads"
        small = results[f"scale_10_{mode}"] = run_collect(10, opts.resources, 2, opts.pool, fork, core_url=url)
        show(f"{mode}: 10 accounts", small)
        big = results[f"scale_{accounts}_{mode}"] = run_collect(accounts, opts.resources, 2, opts.pool, fork,
                                                                core_url=url)
        show(f"{mode}: {accounts} accounts", big)
        ratio = big["supervisor_peak_mb"] / max(small["supervisor_peak_mb"], 1e-6)
        print(f"    supervisor peak RSS ratio {accounts}/10 accounts: {ratio:.2f}")
        if fork:
            budget = 60 + 4 * opts.resources / 1024
            print(f"    child peak {big['child_peak_mb']:.1f} MB (budget 60 MB + 4 KB x {opts.resources} = "
                  f"{budget:.1f} MB)")
    print("latency: 64 accounts x 0.5 s simulated API wait, pool 8 (ideal: 8 waves = 4.0 s)")
    for fork in ((True, False) if opts.only != "scale" else ()):
        mode = "fork" if fork else "threads"
        # one region: one call lists the regions, one lists the resources: 2 x 0.25 s = 0.5 s per account
        figures = results[f"latency_{mode}"] = run_collect(64, 20, 1, 8, fork, delay=0.25, core_url=url)
        show(f"{mode}: 64 x 0.5 s", figures)
        print(f"    wall / ideal: {figures['wall_s'] / 4.0:.3f} (whole command); "
              f"collect {figures['collect_s']:.2f} s / ideal: {figures['collect_s'] / 4.0:.3f}")
    if core:
        core.stdin.close()
        core.wait(30)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
