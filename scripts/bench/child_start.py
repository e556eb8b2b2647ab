#!/usr/bin/env python3
"""How long a child takes to start and how much memory it costs: the worker's fork server (collectors
preloaded) against ``spawn`` (what the reference uses: every child re-imports everything).

Runs N trivial jobs one after another through worker.pool with each start method and prints the mean
start-to-result latency and the child's RSS."""
import multiprocessing
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import psutil  # noqa: E402

from worker import pool  # noqa: E402


def report_rss(*, channel):
    # a collector's imports, as a spawned child would have to do them again
    import worker.preload  # noqa: F401

    return psutil.Process().memory_info().rss


def measure(method: str, jobs: int) -> tuple:
    runner = pool.Pool(size=1, fork=True, timeout=60)
    if method == "spawn":
        runner.model.ctx = multiprocessing.get_context("spawn")
    latencies, rss = [], []
    for n in range(jobs):
        started = time.perf_counter()
        runner.run([pool.Job(f"j{n}", report_rss)], lambda k, m: None,
                   lambda o: (latencies.append(time.perf_counter() - started), rss.append(o.value)))
    return latencies, rss


def main() -> int:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"{jobs} children each, one at a time, {psutil.cpu_count()} cpus")
    results = {}
    for method in ("forkserver", "spawn"):
        latencies, rss = measure(method, jobs)
        steady = latencies[1:] or latencies  # the first forkserver start includes starting the server
        results[method] = statistics.mean(steady)
        print(f"  {method:<10} first {latencies[0] * 1000:7.1f} ms, then mean {statistics.mean(steady) * 1000:7.1f} ms "
              f"(median {statistics.median(steady) * 1000:.1f} ms), child RSS {statistics.mean(rss) / 2**20:.1f} MB")
    print(f"  spawn / forkserver start time: {results['spawn'] / results['forkserver']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
