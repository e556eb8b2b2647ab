#!/usr/bin/env python3
"""Azure collector benchmark: ``resotoworker collect --collector azure`` against the tests' local Resource Manager
(HTTPS, trustme CA, ``latency`` seconds added to every answer), as a user would run it.

Set-up: one subscription with ``--resources`` resources spread evenly over ``--types`` Resource Manager types of
the registry (copies of the kinds' fixture documents), ``--locations`` physical locations plus a few logical
ones, every catalog, lists paged by ``--page`` items.

Runs (same server, same estate; the figures differ only by the plan):

* ``ours``: the lists of the types ``resources.list`` shows, catalogs per physical location;
* ``every type``: a list per kind whatever the subscription has (``RESOTOWORKER_AZURE_LIST_EVERY_TYPE=1``);
  the plan of the reference, which also reads one instance view per VM and every location;
* ``ours + usage``: ours with ``collect_usage_metrics`` (one Azure Monitor read per VM and disk).

Printed per run: Resource Manager reads (GETs counted at the server), wall time of the whole command (and, from its
summary, of the collect run and of the subscription's child), CPU time of the
worker's process tree and of the local Resource Manager (this script's process), nodes, the collecting child's peak
PSS and the tree's peak PSS (psutil, sampled every 50 ms).

Usage: python scripts/bench/azure_bench.py [--resources 5000] [--types 40] [--latency 0.05] [--json F]
"""
from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import psutil  # noqa: E402
import trustme  # noqa: E402

from azure_arm.arm_estate import TOKEN, fixture_item, providers  # noqa: E402
from azure_arm.local_arm import ArmServer, ArmState  # noqa: E402
from collectors.azure.collect import EVERY_TYPE  # noqa: E402
from collectors.azure.kind import COLLECTION, LOCATION, SUBSCRIPTION  # noqa: E402
from collectors.azure.registry import KINDS  # noqa: E402
from estate_bench import MIB, TreeSampler  # noqa: E402

SUB = "55555555-5555-5555-5555-555555555555"
PHYSICAL = ["westeurope", "northeurope", "eastus", "eastus2", "westus", "westus2", "centralus", "uksouth",
            "francecentral", "germanywestcentral", "swedencentral", "japaneast", "australiaeast", "brazilsouth"]
LOGICAL = ["europe", "unitedstates", "asia"]


class Sampler(TreeSampler):
    """The tree's memory, and its CPU seconds: per process the last figure seen while it ran (a process that ends
    loses at most one interval)."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(pid, interval)
        self.cpu_of: Dict[int, float] = {}

    @property
    def cpu(self) -> float:
        return sum(self.cpu_of.values())

    def sample(self) -> Dict[str, float]:
        try:
            processes = self.tree()
        except psutil.Error:
            processes = []
        for proc in processes:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            self.cpu_of[proc.pid] = max(self.cpu_of.get(proc.pid, 0.0), times.user + times.system)
        return super().sample()


def estate(resources: int, types: int, locations: int, page: int, latency: float) -> ArmState:
    state = ArmState(TOKEN, page_size=page)
    state.latency = latency
    for namespace, entries in providers().items():
        state.add_provider(namespace, entries)
    physical = PHYSICAL[:locations]
    state.add_subscription(SUB, "Benchmark", locations=tuple(physical + LOGICAL))
    for loc in state.subscriptions[SUB].locations[len(physical):]:
        loc["metadata"] = {"regionType": "Logical"}
    state.add_group(SUB, "rg-fixture", physical[0])
    chosen = [k for k in KINDS if k.source == COLLECTION][:types]
    for n in range(resources):
        kind = chosen[n % len(chosen)]
        text = json.dumps(fixture_item(kind.name, SUB))
        doc = json.loads(text)
        name = doc["name"]
        doc = json.loads(text.replace(f"/{name}\"", f"/{name}-{n}\"").replace(f"/{name}/", f"/{name}-{n}/"))
        doc["name"] = f"{name}-{n}"
        state.add_document(SUB, doc)
        if kind.name == "azure_virtual_machine":
            state.subscriptions[SUB].instance_views[doc["id"].lower()] = {"statuses": [{"code": "PowerState/running"}]}
    for kind in KINDS:
        if kind.source == SUBSCRIPTION and kind.path.startswith("/subscriptions"):
            state.add_catalog(kind.list_path().format(subscription=SUB), [fixture_item(kind.name, SUB)])
        elif kind.source == SUBSCRIPTION:
            state.add_catalog(kind.list_path(), [fixture_item(kind.name, SUB)])
        elif kind.source == LOCATION:
            for loc in physical:
                state.add_catalog(kind.list_path().format(subscription=SUB, location=loc), [fixture_item(kind.name, SUB)])
    return state


def run(server: ArmServer, ca: str, usage: bool, every_type: bool, out_dir: str) -> Dict[str, Any]:
    before = len(server.state.log)
    args = [sys.executable, "-m", "worker", "collect", "--collector", "azure", "--quiet", "--no-progress",
            "--output", os.path.join(out_dir, "out.ndjson"), "--override",
            f"azure.base_url={server.url}", f"azure.ca_bundle={ca}", f"azure.static_token={TOKEN}",
            f"azure.collect_usage_metrics={'true' if usage else 'false'}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
    if every_type:
        env[EVERY_TYPE] = "1"
    started, server_cpu = time.monotonic(), time.process_time()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    sampler = Sampler(proc.pid, 0.05)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall, server_cpu = time.monotonic() - started, time.process_time() - server_cpu
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"collect failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    summary = next(line for line in stdout.splitlines() if "account(s) landed" in line)
    account_row = next(line.split() for line in stdout.splitlines() if line.startswith("azure "))
    requests = server.state.log[before:]
    return {"reads": len([r for r in requests if r[0] == "GET"]), "wall_s": wall,
            "collect_s": float(summary.rsplit(", ", 1)[1].split()[0]), "account_s": float(account_row[5]),
            "cpu_s": sampler.cpu, "server_cpu_s": server_cpu,
            "nodes": int(summary.split(", ")[1].split()[0]),
            "child_pss_mib": sampler.peak["child_pss"] / MIB, "tree_pss_mib": sampler.peak["tree_pss"] / MIB,
            "throttled_or_failed": len([r for r in requests if r[3] >= 400])}


def show(title: str, figures: Dict[str, Any]) -> None:
    print(f"  {title:<14} reads {figures['reads']:>6}  wall {figures['wall_s']:6.2f} s (collect {figures['collect_s']:5.1f} s, "
          f"subscription {figures['account_s']:5.1f} s)  CPU {figures['cpu_s']:5.2f} s "
          f"(server {figures['server_cpu_s']:5.2f} s)  nodes {figures['nodes']:>6}  "
          f"child PSS {figures['child_pss_mib']:6.1f} MiB  tree PSS {figures['tree_pss_mib']:6.1f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--types", type=int, default=40)
    parser.add_argument("--locations", type=int, default=10, help="physical locations (3 logical ones are added)")
    parser.add_argument("--page", type=int, default=100, help="items per page of every list")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each plan (the figures of each)")
    parser.add_argument("--json", help="also write the figures to this file")
    opts = parser.parse_args()
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    work = tempfile.mkdtemp(prefix="azure-bench-")
    ca_path = os.path.join(work, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    state = estate(opts.resources, opts.types, opts.locations, opts.page, opts.latency)
    server = ArmServer(state, context).start()
    results: Dict[str, List[Dict[str, Any]]] = {}
    try:
        print(f"one subscription, {opts.resources} resources over {opts.types} types, {opts.locations} physical "
              f"locations, pages of {opts.page}, {opts.latency * 1000:.0f} ms per call")
        for _ in range(opts.repeat):
            for title, usage, every in (("ours", False, False), ("every type", False, True),
                                        ("ours + usage", True, False)):
                results.setdefault(title, []).append(run(server, ca_path, usage, every, work))
                show(title, results[title][-1])
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", work])
    ours, every = results["ours"][0], results["every type"][0]
    print(f"  every type / ours: reads {every['reads'] / ours['reads']:.2f}x")
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"options": vars(opts), "runs": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
