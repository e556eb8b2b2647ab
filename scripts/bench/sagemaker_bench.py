#!/usr/bin/env python3
"""SageMaker ordering and concurrency benchmark: does collecting SageMaker first (the table's order, as the
reference's) or a higher ``resource_pool_tasks_per_service["sagemaker"]`` shorten an account's wall time?

Set-up: moto in server mode (its own process) with the test suite's moto world (``tests/aws/world.py`` and its
``world_<area>`` modules: an organization of 3 member accounts × 2 regions, one of every kind moto serves) plus
``--jobs`` more training jobs per region in the measured account (a busy SageMaker account: every job costs a
describe and a ListTags call); in front of it the suite's fault proxy with the recorded answers
(``tests/aws/recorded``: the SageMaker kinds moto does not serve) and a fixed latency per call, longer for
SageMaker (``--sagemaker-latency``: its calls are the slow ones). moto answers 100 items a page where AWS
answers 10 (ListTrainingJobs): the collector asks for 100, so the page count is AWS's too.

Each variant collects the same member account in this process (the plugin's collect hook into a GraphBuilder,
as the worker's child does), ``--repeat`` times after one unmeasured warm-up collect: the table's order
(SageMaker first, its job kinds ahead of its other kinds), SageMaker last, or SageMaker first with its jobs
last, and a SageMaker concurrency per region. Printed per variant: wall time (median, min, max), API calls, nodes.

Usage: python scripts/bench/sagemaker_bench.py [--jobs 200] [--latency 0.1] [--sagemaker-latency 0.3]
       [--repeat 3] [--json F]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))  # collector_harness
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                   "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)

from aws_bench import LatencyProxy, start_moto  # noqa: E402
from collector_harness import collect_into_file  # noqa: E402

import collectors.aws.table as table  # noqa: E402
from collectors.aws import plugin  # noqa: E402
from collectors.aws.clients import forget_clients  # noqa: E402
from collectors.aws.credentials import forget_cached_credentials  # noqa: E402
from tests.aws.faults import CREDENTIAL  # noqa: E402
from tests.aws.recorded import Recorded  # noqa: E402
from tests.aws.world import ORG_ROLE, REGIONS, build_world, member_session  # noqa: E402
from tests.aws.world_sagemaker import IMAGE  # noqa: E402

# (name, where SageMaker goes: "first" as the table has it (its jobs ahead of its other kinds), "last", or
# "jobs last": first, its jobs after its other kinds; SageMaker tasks at once per region)
VARIANTS = [("table order, sagemaker 6 (default)", "first", 6), ("sagemaker last, 6", "last", 6),
            ("sagemaker first, its jobs last, 6", "jobs last", 6), ("table order, sagemaker 12", "first", 12),
            ("table order, sagemaker 24", "first", 24), ("sagemaker last, 24", "last", 24)]


class SlowSageMaker(LatencyProxy):
    """The latency proxy answering with the recorded documents too, SageMaker calls slower than the rest."""

    def __init__(self, upstream: str, latency: float, sagemaker_latency: float) -> None:
        super().__init__(upstream, 0.0)
        self.recorded = Recorded()
        self.base_latency, self.sagemaker_latency = latency, sagemaker_latency
        self.by_service: Dict[str, int] = {}

    def handle(self, handler) -> None:
        found = CREDENTIAL.search(handler.headers.get("Authorization") or "")
        service = found.group(3) if found else ""
        with self.lock:
            self.by_service[service] = self.by_service.get(service, 0) + 1
        time.sleep(self.sagemaker_latency if service == "sagemaker" else self.base_latency)
        super().handle(handler)


def add_training_jobs(endpoint: str, account_id: str, role: str, bucket: str, count: int) -> None:
    session = member_session(endpoint, account_id)
    for region in REGIONS:
        sm = session.client("sagemaker", region_name=region, endpoint_url=endpoint)
        for i in range(count):
            sm.create_training_job(
                TrainingJobName=f"bulk-{i:04d}", RoleArn=role, Tags=[{"Key": "owner", "Value": "ops"}],
                AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                OutputDataConfig={"S3OutputPath": f"s3://{bucket}/bulk"},
                ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                StoppingCondition={"MaxRuntimeInSeconds": 3600})


def order(where: str) -> None:
    """The table's kinds with SageMaker first (as the table has them), last, or first with its jobs last."""
    kinds = [k for k in ORIGINAL if k.service != "sagemaker"]
    mine = [k for k in ORIGINAL if k.service == "sagemaker"]
    if where == "jobs last":
        mine = [k for k in mine if not k.name.endswith("_job")] + [k for k in mine if k.name.endswith("_job")]
    table.KINDS[:] = kinds + mine if where == "last" else mine + kinds
    table.fetches.cache_clear()


ORIGINAL = list(table.KINDS)


def collect_once(account, section: dict, out: Path) -> dict:
    forget_cached_credentials()
    forget_clients()
    started = time.monotonic()
    collected = collect_into_file(plugin, "aws", section, account, out)
    wall = time.monotonic() - started
    return {"wall": wall, "nodes": len(collected.nodes), "errors": list(collected.progress.errors)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200, help="extra training jobs per region")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--sagemaker-latency", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pool", type=int, default=64, help="resource_pool_size")
    parser.add_argument("--json")
    args = parser.parse_args()

    moto, endpoint = start_moto()
    proxy = SlowSageMaker(endpoint, args.latency, args.sagemaker_latency)
    try:
        world = build_world(endpoint)
        member = world.members[0]
        add_training_jobs(endpoint, member.account_id, f"arn:aws:iam::{member.account_id}:role/{member.roles[0]}",
                          member.buckets[0], args.jobs)
        os.environ["AWS_ENDPOINT_URL"] = proxy.start()
        base = {"scrape_org": True, "role": ORG_ROLE, "region": list(REGIONS), "resource_pool_size": args.pool}
        account = next(a for a in plugin.resotoworker_list_accounts(cloud="aws", config=base)
                       if a.id == member.account_id)
        results: List[dict] = []
        with tempfile.TemporaryDirectory() as tmp:
            collect_once(account, base, Path(tmp) / "warm-up.ndjson")  # moto loads its backends on first use
            for name, where, sagemaker in VARIANTS:
                order(where)
                section = {**base, "resource_pool_tasks_per_service": {"sagemaker": sagemaker, "elb": 6}}
                runs = []
                for i in range(args.repeat):
                    proxy.reset()
                    proxy.by_service.clear()
                    run = collect_once(account, section, Path(tmp) / f"{len(results)}-{i}.ndjson")
                    run.update(calls=proxy.requests, sagemaker_calls=proxy.by_service.get("sagemaker", 0))
                    runs.append(run)
                walls = [r["wall"] for r in runs]
                result = {"variant": name, "sagemaker": where, "sagemaker_tasks": sagemaker,
                          "wall_median": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
                          "calls": runs[-1]["calls"], "sagemaker_calls": runs[-1]["sagemaker_calls"],
                          "nodes": runs[-1]["nodes"], "errors": len(runs[-1]["errors"])}
                results.append(result)
                print(f"{name:38s} wall {result['wall_median']:6.2f} s (min {result['wall_min']:.2f}, max "
                      f"{result['wall_max']:.2f})  calls {result['calls']} (sagemaker {result['sagemaker_calls']})"
                      f"  nodes {result['nodes']}  errors {result['errors']}", flush=True)
        order("first")
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=1))
    finally:
        proxy.stop() if hasattr(proxy, "stop") else None
        moto.terminate()
        moto.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
