#!/usr/bin/env python3
"""AWS collector benchmark: ``resotoworker collect --collector aws --fork`` against a moto server (server
mode, loopback) behind a proxy that adds a fixed latency to every AWS call, as a user would run it.

Set-up: an organization of N member accounts (reached by assuming OrganizationAccountAccessRole), each
with ~R resources in each of two regions (EC2 instances, volumes, VPC, subnets, security groups, SQS,
SNS, DynamoDB) plus buckets and IAM users. moto alone answers only ~110-230 requests/s whatever the
number of clients (GIL-bound), so the added latency (default 100 ms) is what makes parallelism matter,
as with real AWS.

Runs (same invocation, same populated server): pool 8 then pool 1, both with --fork, written to a file.
Printed per run: wall time, nodes, requests/s reached at the proxy (in front of moto), API calls per
account, supervisor and largest child peak RSS (psutil sampling, as collect_bench.py does); then the
speed-up pool 8 / pool 1.

Usage: python scripts/bench/aws_bench.py [--accounts 20] [--resources 50] [--latency 0.1] [--quick] [--json F]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

from collect_bench import MB, run_sampled  # noqa: E402
from tests.aws.faults import CREDENTIAL, FaultProxy  # noqa: E402

REGIONS = ["us-east-1", "eu-central-1"]
ROLE = "OrganizationAccountAccessRole"
MANAGEMENT = "123456789012"  # moto's default account: the caller of the fake keys
FAKE_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


# ---- moto and the latency proxy ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> Tuple[subprocess.Popen, str]:
    """moto in server mode in its own process (so it does not share a GIL with the proxy)."""
    port = free_port()
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("moto server did not start")
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto server did not listen within 60 s")


class LatencyProxy(FaultProxy):
    """The test suite's fault proxy with no faults, a fixed delay per call, and counts by account."""

    def __init__(self, upstream: str, latency: float) -> None:
        super().__init__(upstream)
        self.latency = latency
        self.by_account: Counter = Counter()
        self.per_second: Counter = Counter()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.by_account.clear()
            self.per_second.clear()

    def handle(self, handler) -> None:
        time.sleep(self.latency)
        found = CREDENTIAL.search(handler.headers.get("Authorization") or "")
        key = found.group(1) if found else ""
        super().handle(handler)  # counts it (self.requests) and learns assumed keys from AssumeRole answers
        with self.lock:
            self.by_account[self.key_accounts.get(key, MANAGEMENT)] += 1
            self.per_second[int(time.monotonic())] += 1


# ---- populating moto -----------------------------------------------------------------------------------


def member_session(endpoint: str, account_id: str) -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def populate_region(session: boto3.Session, endpoint: str, region: str, resources: int) -> None:
    """~``resources`` resources: 1 VPC, 2 subnets, 4 security groups, 5 volumes, 3 queues, 3 topics,
    2 tables, the rest instances."""
    def client(service):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{region}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    groups = [ec2.create_security_group(GroupName=f"sg-{i}", Description="bench", VpcId=vpc)["GroupId"]
              for i in range(4)]
    instances = max(1, resources - 20)
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=instances, MaxCount=instances, InstanceType="t3.micro",
                      SubnetId=subnets[0], SecurityGroupIds=groups[:1],
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "owner", "Value": "bench"}]}])
    for i in range(5):
        ec2.create_volume(AvailabilityZone=f"{region}a", Size=8 + i)
    sqs, sns, ddb = client("sqs"), client("sns"), client("dynamodb")
    for i in range(3):
        sqs.create_queue(QueueName=f"jobs-{i}")
        sns.create_topic(Name=f"alerts-{i}")
    for i in range(2):
        ddb.create_table(TableName=f"table-{i}", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


def populate_account(endpoint: str, account_id: str, resources: int) -> None:
    session = member_session(endpoint, account_id)
    iam = session.client("iam", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    for i in range(3):
        iam.create_user(UserName=f"user-{i}")
    for i in range(2):
        s3.create_bucket(Bucket=f"bench-{account_id}-{i}")
    for region in REGIONS:
        populate_region(session, endpoint, region, resources)


def populate(endpoint: str, accounts: int, resources: int) -> List[str]:
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(accounts):
        status = org.create_account(Email=f"member-{i}@example.com",
                                    AccountName=f"member-{i:02d}")["CreateAccountStatus"]
        ids.append(status.get("AccountId") or org.describe_create_account_status(
            CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"])
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda a: populate_account(endpoint, a, resources), ids))
    return ids


# ---- one collect --------------------------------------------------------------------------------------


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def run_collect(endpoint: str, proxy: LatencyProxy, moto: psutil.Process, accounts: int, pool: int) -> Dict[str, float]:
    out = tempfile.mkdtemp(prefix="aws-bench-")
    args = [sys.executable, "-m", "worker", "collect", "--collector", "aws", "--quiet", "--no-progress", "--fork",
            "--output", os.path.join(out, "out.ndjson"),
            "--override", f"resotoworker.pool_size={pool}", "aws.scrape_org=true", f"aws.role={ROLE}",
            f"aws.region={','.join(REGIONS)}", "aws.do_not_scrape_current=true"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESOTOWORKER_", "AWS_"))}
    env.update(FAKE_KEYS, AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent")
    proxy.reset()
    moto_cpu, proxy_cpu = cpu_seconds(moto), cpu_seconds(psutil.Process())
    stdout, wall, sampler = run_sampled(args, env)
    moto_cpu, proxy_cpu = cpu_seconds(moto) - moto_cpu, cpu_seconds(psutil.Process()) - proxy_cpu
    subprocess.run(["rm", "-rf", out])
    found = re.search(r"(\d+) of (\d+) account\(s\) landed, (\d+) nodes", stdout)
    if not found or int(found.group(1)) != accounts:
        raise SystemExit(f"not every account landed:\n{stdout[-2000:]}")
    members = {a: n for a, n in proxy.by_account.items() if a != MANAGEMENT}
    return {"pool": pool, "wall_s": wall, "nodes": int(found.group(3)), "requests": proxy.requests,
            "requests_per_s": proxy.requests / wall, "requests_per_s_peak": max(proxy.per_second.values(), default=0),
            "calls_per_account": sum(members.values()) / max(1, len(members)),
            "calls_per_account_min": min(members.values(), default=0),
            "calls_per_account_max": max(members.values(), default=0),
            "calls_management": proxy.by_account.get(MANAGEMENT, 0),
            "supervisor_peak_mb": sampler.supervisor_peak / MB, "child_peak_mb": sampler.child_peak / MB,
            "children": sampler.children_seen, "worker_cpu_s": sampler.cpu_seconds, "moto_cpu_s": moto_cpu,
            "proxy_cpu_s": proxy_cpu}


def show(figures: Dict[str, float]) -> None:
    print(f"  pool {figures['pool']}: wall {figures['wall_s']:.2f} s, {figures['nodes']} nodes")
    print(f"    AWS calls at moto: {figures['requests']} ({figures['requests_per_s']:.1f} req/s over the run, "
          f"peak {figures['requests_per_s_peak']} in one second)")
    print(f"    API calls per account: {figures['calls_per_account']:.1f} (min {figures['calls_per_account_min']}, "
          f"max {figures['calls_per_account_max']}); with the caller's keys (org listing, AssumeRole): "
          f"{figures['calls_management']}")
    print(f"    peak RSS: supervisor {figures['supervisor_peak_mb']:.1f} MB, largest child "
          f"{figures['child_peak_mb']:.1f} MB")
    print(f"    CPU: worker tree {figures['worker_cpu_s']:.1f} s, moto {figures['moto_cpu_s']:.1f} s, "
          f"latency proxy {figures['proxy_cpu_s']:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--resources", type=int, default=50, help="resources per account and region")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every AWS call")
    parser.add_argument("--pools", default="8,1", help="pool sizes to run, comma-separated (first / last = speed-up)")
    parser.add_argument("--quick", action="store_true", help="5 accounts instead of --accounts")
    parser.add_argument("--json", help="also write the figures to this file")
    opts = parser.parse_args()
    accounts = 5 if opts.quick else opts.accounts
    pools = [int(p) for p in opts.pools.split(",")]
    os.environ.update(FAKE_KEYS)  # for populating
    moto, moto_url = start_moto()
    moto_process = psutil.Process(moto.pid)
    proxy = LatencyProxy(moto_url, opts.latency)
    try:
        proxy_url = proxy.start()
        print(f"machine: {psutil.cpu_count()} cpus; moto {moto_url} behind a {opts.latency * 1000:.0f} ms proxy")
        started = time.monotonic()
        populate(moto_url, accounts, opts.resources)
        print(f"populated {accounts} accounts x {len(REGIONS)} regions x ~{opts.resources} resources "
              f"in {time.monotonic() - started:.1f} s")
        results = []
        for pool in pools:
            figures = run_collect(proxy_url, proxy, moto_process, accounts, pool)
            results.append(figures)
            show(figures)
        if len(results) > 1:
            first, last = results[0], results[-1]
            print(f"speed-up pool {first['pool']} vs pool {last['pool']}: {last['wall_s'] / first['wall_s']:.2f}x "
                  f"(ideal {min(first['pool'] / last['pool'], accounts / last['pool']):.0f}x)")
        if opts.json:
            with open(opts.json, "w") as f:
                json.dump({"accounts": accounts, "resources": opts.resources, "latency": opts.latency,
                           "runs": results}, f, indent=1)
    finally:
        proxy.stop()
        moto.send_signal(signal.SIGTERM)
        try:
            moto.wait(10)
        except subprocess.TimeoutExpired:
            moto.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
