"""Prometheus metrics of the supervisor. Everything that happens inside forked children reaches these
metrics through what the supervisor already learns (outcomes, account reports, child messages): children
never touch prometheus state, so nothing is lost when a child exits."""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, Iterator, Optional

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector,
                               disable_created_metrics, generate_latest)
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the web server)
from prometheus_client.core import GaugeMetricFamily

from worker.pool import tree_rss

ACCOUNT = ("cloud", "account")

# a counter's _created series doubles every per-account series and says nothing an operator uses
disable_created_metrics()


class _ChildrenMemory:
    """Read at each scrape: what the fork server, the collecting children and whatever they started hold."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("resotoworker_children_resident_memory_bytes",
                                "Resident memory of all processes below the supervisor (fork server, children, "
                                "their processes), summed; shared pages count once per process",
                                value=tree_rss(os.getpid(), with_root=False))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.collect_seconds = Histogram("resotoworker_collect_duration_seconds",
                                         "Duration of a whole collect run (all accounts)", registry=r,
                                         buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 10800, float("inf")))
        self.collects = Counter("resotoworker_collects_total", "Collect runs finished", ("result",), registry=r)
        self.account_seconds = Gauge("resotoworker_account_collect_duration_seconds",
                                     "Duration of the last collect of an account", ACCOUNT, registry=r)
        self.resources = Counter("resotoworker_resources_collected_total",
                                 "Resources (nodes) collected and landed in the core", ACCOUNT, registry=r)
        self.accounts = Counter("resotoworker_accounts_collected_total", "Accounts collected, by result",
                                ACCOUNT + ("result",), registry=r)
        self.errors = Counter("resotoworker_errors_total",
                              "Errors: failed accounts, errors reported by a collector, failed account listings",
                              ACCOUNT, registry=r)
        self.api_retries = Counter("resotoworker_api_retries_total",
                                   "API calls the cloud SDK retried (e.g. throttled), as reported by the collector",
                                   ACCOUNT + ("reason",), registry=r)
        self.last_success = Gauge("resotoworker_last_success_timestamp_seconds",
                                  "Unix time the account last landed in the core", ACCOUNT, registry=r)
        self.link_up = Gauge("resotoworker_link_up", "1 when the link to the core is connected", ("link",),
                             registry=r)
        self.pool_busy = Gauge("resotoworker_pool_busy", "Account collects running right now", registry=r)
        self.pool_size = Gauge("resotoworker_pool_size", "Configured pool size (resotoworker.pool_size)",
                               registry=r)
        self.upload_attempts = Counter("resotoworker_upload_attempts_total",
                                       "Requests of graph work sent to the core (graph creation, model update, "
                                       "merge uploads), each retry included", ("call",), registry=r)
        self.upload_failures = Counter("resotoworker_upload_failures_total",
                                       "Requests of graph work to the core that failed (no connection, timeout, "
                                       "an error status), whether retried or not", ("call",), registry=r)
        self.estate_accounts = Gauge("resotoworker_estate_accounts",
                                     "Accounts the last collect listed, every shard's (the whole estate)", ("cloud",),
                                     registry=r)
        self.share_accounts = Gauge("resotoworker_shard_accounts",
                                    "Accounts of the estate this worker collected in the last collect: all of them, "
                                    "or its shard's share (those it took over from a lost peer included)",
                                    ("cloud",), registry=r)
        self.not_collected = Gauge("resotoworker_accounts_not_collected",
                                   "Accounts of this worker's share that did not land in the last collect",
                                   ("cloud",), registry=r)
        self.taken_over = Counter("resotoworker_shard_taken_over_total",
                                  "Accounts collected in place of a peer of the shard that left during a collect",
                                  ("cloud",), registry=r)
        self.shard_index = Gauge("resotoworker_shard_index",
                                 "This worker's place in the split of the last collect (1 … count; 0: not sharded)",
                                 registry=r)
        self.shard_count = Gauge("resotoworker_shard_count",
                                 "Workers the estate was split between in the last collect, as this one saw it "
                                 "(0: not sharded)", registry=r)
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds, …
        r.register(_ChildrenMemory())
        self._last_share: Dict[str, int] = {}
        # called before each scrape, to read state the daemon owns (links, pool)
        self.before_scrape: Optional[Callable[["Metrics"], None]] = None

    # ---- fed by worker.collect ---------------------------------------------------------------------

    def account_landed(self, report: Any) -> None:
        self.resources.labels(report.cloud, report.account).inc(report.nodes)
        self.accounts.labels(report.cloud, report.account, "landed").inc()
        self.account_seconds.labels(report.cloud, report.account).set(report.seconds)
        self.last_success.labels(report.cloud, report.account).set(time.time())

    def account_failed(self, report: Any) -> None:
        self.errors.labels(report.cloud, report.account).inc()
        self.accounts.labels(report.cloud, report.account, "failed").inc()
        self.account_seconds.labels(report.cloud, report.account).set(report.seconds)

    def account_problem(self, cloud: str, account: str) -> None:
        self.errors.labels(cloud, account).inc()

    def api_retried(self, cloud: str, account: str, count: int, reason: str) -> None:
        if count > 0:
            self.api_retries.labels(cloud, account, reason).inc(count)

    def upload_attempt(self, call: str, ok: bool) -> None:
        self.upload_attempts.labels(call).inc()
        if not ok:
            self.upload_failures.labels(call).inc()

    def cloud_failed(self, cloud: str) -> None:
        self.errors.labels(cloud, "").inc()

    def collect_done(self, summary: Any) -> None:
        self.collect_seconds.observe(summary.seconds)
        result = "ok" if summary.accounts and not summary.failed else "partial" if summary.landed else "failed"
        self.collects.labels(result).inc()
        for cloud, listed in summary.estate.items():
            share = [a for a in summary.accounts if a.cloud == cloud]
            self.estate_accounts.labels(cloud).set(listed)
            self.share_accounts.labels(cloud).set(len(share))
            self.not_collected.labels(cloud).set(sum(1 for a in summary.failed if a.cloud == cloud))
            self.taken_over.labels(cloud).inc(sum(1 for a in share if a.taken_over))
            self._last_share[cloud] = len(share)
        for cloud in summary.cloud_errors:  # not listed: what it collected the last time is what it missed
            self.share_accounts.labels(cloud).set(0)
            self.not_collected.labels(cloud).set(self._last_share.get(cloud, 0))
        self.shard_index.set(summary.shard.index if summary.shard else 0)
        self.shard_count.set(summary.shard.count if summary.shard else 0)

    # ---- read by the web server --------------------------------------------------------------------

    def render(self) -> bytes:
        if self.before_scrape is not None:
            self.before_scrape(self)
        return generate_latest(self.registry)


METRICS = Metrics()


def links(metrics: Metrics, states: Dict[str, bool]) -> None:
    for name, up in states.items():
        metrics.link_up.labels(name).set(1 if up else 0)
