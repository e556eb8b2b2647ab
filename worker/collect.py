"""One collect run: list each active collector's accounts, collect every account in its own child,
hand each finished spool to the sink (which uploads it at once), and account for every account:
landed, or failed with a reason. Used by the ``collect`` action and by one-shot ``resotoworker collect``.

The run's own thread does all of that: what the pool's jobs send and what the sink reports as landed
are taken there, so nothing else touches the reports.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Dict, List, Optional

from worker import child
from worker.config import WorkerConfig
from worker.core.frames import leaf, tree
from worker.graph.merge import AccountSpool
from worker.logs import account_fields
from worker.metrics import METRICS
from worker.plugins import Collectors
from worker.pool import Job, Outcome, Pool
from worker.shard import Split, View, account_key, owner
from worker.sinks import Landing, Sink
from worker.spool import SpoolDir

log = logging.getLogger(__name__)

Json = Dict[str, Any]
PROGRESS_INTERVAL = 1.0


class Status(StrEnum):
    """Where an account is: listed, collected (its spool written), landed (in the core or the file), or
    failed (collecting or landing)."""
    PENDING = "pending"
    COLLECTED = "collected"
    LANDED = "landed"
    FAILED = "failed"


@dataclass
class AccountReport:
    cloud: str
    account: str
    name: str
    status: Status = Status.PENDING
    nodes: int = 0
    edges: int = 0
    seconds: float = 0.0
    error: str = ""
    warnings: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)  # partial errors reported by the collector
    taken_over: bool = False  # a peer of the shard was lost during the run: collected in its place

    @property
    def key(self) -> str:
        return f"{self.cloud}:{self.account}"


@dataclass
class CollectSummary:
    accounts: List[AccountReport]  # this worker's: every account, or its shard's share
    cloud_errors: Dict[str, str]
    seconds: float
    estate: Dict[str, int] = field(default_factory=dict)  # cloud -> accounts listed, every shard's
    shard: Optional[View] = None  # the split at the end of the run (None: not sharded)

    @property
    def landed(self) -> List[AccountReport]:
        return [a for a in self.accounts if a.status == Status.LANDED]

    @property
    def failed(self) -> List[AccountReport]:
        return [a for a in self.accounts if a.status != Status.LANDED]

    @property
    def nodes(self) -> int:
        return sum(a.nodes for a in self.landed)

    @property
    def taken_over(self) -> List[AccountReport]:
        return [a for a in self.accounts if a.taken_over]


class Watcher:
    """What a display learns of a run as it goes (the one-shot's progress bar); by default nothing."""

    def listed(self, accounts: int) -> None:
        """Every cloud's accounts are listed: ``accounts`` will be collected."""

    def finished(self, report: AccountReport) -> None:
        """An account's child is done: collected (its nodes counted) or failed."""


class ProgressTree:
    """Cloud → account → parts, sent as the core's progress tree, at most once a second per cloud."""

    def __init__(self, send: Optional[Callable[[Json], None]]) -> None:
        self.send = send
        self.clouds: Dict[str, Dict[str, Dict[str, bool]]] = {}
        self.names: Dict[str, str] = {}
        self.finished: Dict[str, bool] = {}
        self._dirty: set = set()
        self._last = 0.0
        self._lock = threading.Lock()

    def account(self, cloud: str, key: str, name: str) -> None:
        with self._lock:
            self.clouds.setdefault(cloud, {})[key] = {}
            self.names[key] = name
            self._dirty.add(cloud)

    def parts(self, cloud: str, key: str, names: List[str]) -> None:
        with self._lock:
            self.clouds[cloud][key] = {n: False for n in names}
            self._dirty.add(cloud)

    def part_done(self, cloud: str, key: str, name: str) -> None:
        with self._lock:
            self.clouds[cloud].setdefault(key, {})[name] = True
            self._dirty.add(cloud)

    def account_done(self, cloud: str, key: str) -> None:
        with self._lock:
            self.finished[key] = True
            self._dirty.add(cloud)

    def flush(self, force: bool = False) -> None:
        if self.send is None:
            return
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            frames = [self._cloud_tree(cloud) for cloud in sorted(dirty)]
        self._last = now
        for frame in frames:
            self.send(frame)

    def _cloud_tree(self, cloud: str) -> Json:
        parts = []
        for key, regions in self.clouds.get(cloud, {}).items():
            name = self.names.get(key, key)
            done = self.finished.get(key, False)
            if regions:
                parts.append(tree(name, [leaf(r, 1 if (ok or done) else 0, 1) for r, ok in regions.items()]))
            else:
                parts.append(leaf(name, 1 if done else 0, 1))
        if not parts:
            return leaf(cloud, 0, 1)
        return tree(cloud, parts)


class CollectRun:
    def __init__(self, collectors: Collectors, config: WorkerConfig, clouds: List[str],
                 sink: Sink,
                 task: Optional[Json] = None, progress: Optional[Callable[[Json], None]] = None,
                 error: Optional[Callable[[str, tuple], None]] = None, watcher: Watcher = Watcher(),
                 view: Optional[View] = None, split: Optional[Split] = None) -> None:
        self.collectors = collectors
        self.config = config
        self.settings = config.resotoworker
        self.clouds = clouds
        self.sink = sink
        self.spools: Dict[str, str] = {}
        self.task = task or {}
        self.tree = ProgressTree(progress)
        self.report_error = error or (lambda message, context: None)
        self.watcher = watcher
        self.reports: Dict[str, AccountReport] = {}
        self.cloud_errors: Dict[str, str] = {}
        # one pool for the listing, the collect and any take-over: a stop at any time stops the rest
        self.pool = Pool(size=self.settings["pool_size"], fork=self.settings["fork_process"],
                         timeout=self.settings["account_timeout"], memory_limit_mb=self.settings["child_memory_limit_mb"])
        # the shard of this run (None: every account), taken when the step began, and what tells which of
        # its members left during the run (None: nobody can leave, as with INDEX/COUNT)
        self.view = view
        self.split = split
        self._stopped = False

    def stop(self, grace: Optional[float] = None) -> None:
        self._stopped = True
        self.pool.stop(grace=grace)

    def run(self) -> CollectSummary:
        started = time.monotonic()
        spools = SpoolDir(self.settings["tempdir"])
        view = self.view
        try:
            estate = self._list_accounts()
            jobs = self._jobs(estate, lambda cloud, account: view is None or view.owns(cloud, account), spools.path)
            self.tree.flush(force=True)
            self.watcher.listed(len(jobs))
            share = f" (shard {view}: {len(jobs)} of {sum(len(a) for a in estate.values())})" if view else ""
            log.info("collecting %d account(s) of %s%s with %d %s", len(jobs), ", ".join(self.clouds) or "no cloud",
                     share, self.settings["pool_size"], "processes" if self.settings["fork_process"] else "threads")
            self.pool.run(jobs, self._on_message, self._on_done)
            view = self._take_over(estate, view, spools.path)
            self.sink.finish()
            self._take_landings()
            self.tree.flush(force=True)
        except BaseException:
            self.sink.abort()
            raise
        finally:
            if self.settings["debug_dump_json"]:
                log.info("debug_dump_json: keeping the spool files in %s", spools.path)
            spools.close(keep=self.settings["debug_dump_json"])
        summary = CollectSummary(list(self.reports.values()), dict(self.cloud_errors), time.monotonic() - started,
                                 {cloud: len(accounts) for cloud, accounts in estate.items()}, view)
        METRICS.collect_done(summary)
        return summary

    def _jobs(self, estate: Dict[str, List[Json]], mine: Callable[[str, str], bool], spool_dir: str,
              taken_over: bool = False) -> List[Job]:
        """A job for every account of the estate that is ``mine(cloud, account id)`` and has none yet."""
        jobs = []
        for cloud, cloud_accounts in estate.items():
            for account in cloud_accounts:
                report = AccountReport(cloud, account["id"], account["name"], taken_over=taken_over)
                if report.key in self.reports or not mine(cloud, report.account):
                    continue
                self.reports[report.key] = report
                self.tree.account(cloud, report.key, report.name)
                spool = self.spools[report.key] = os.path.join(spool_dir, f"{len(self.spools):06d}.ndjson")
                args = (cloud, self.config.section(cloud), account, spool, self.task)
                jobs.append(Job(report.key, child.collect_account, args,
                                {"cloud": report.cloud, "account": report.account}))
        return jobs

    def _take_over(self, estate: Dict[str, List[Json]], view: Optional[View], spool_dir: str) -> Optional[View]:
        """Once its own share is done: if members of the split left meanwhile (stopped, crashed), every
        account they owned is collected here too, before the action is answered. Every member still
        running does the same, so the accounts land even if some of them have answered already; what a
        member uploaded before it went, and what several take over, lands twice, which is harmless."""
        while view is not None and self.split is not None and not self._stopped:
            gone = self.split.lost(view)
            if not gone:
                break
            members = view.members
            view = view.without(gone)
            jobs = self._jobs(estate, lambda cloud, account: owner(account_key(cloud, account), members) in gone,
                              spool_dir, taken_over=True)
            log.warning("shard: %s left during the collect: collecting %d account(s) of theirs (shard now %s)",
                        ", ".join(sorted(gone)), len(jobs), view)
            self.report_error(f"shard: {', '.join(sorted(gone))} left during the collect; collecting "
                              f"{len(jobs)} account(s) of theirs here", ())
            self.tree.flush(force=True)
            self.pool.run(jobs, self._on_message, self._on_done)
        return view

    # ---- accounts --------------------------------------------------------------------------------

    def _list_accounts(self) -> Dict[str, List[Json]]:
        """Listing may call the cloud (e.g. an organization): it runs in a child like a collect."""
        found: Dict[str, List[Json]] = {}
        jobs = [Job(cloud, child.list_accounts, (cloud, self.config.section(cloud)), {"cloud": cloud})
                for cloud in self.clouds]

        def done(outcome: Outcome) -> None:
            if outcome.ok:
                found[outcome.key] = outcome.value
                log.info("%s: %d account(s) to collect", outcome.key, len(outcome.value))
            else:
                self.cloud_errors[outcome.key] = f"listing accounts failed: {outcome.error}"
                METRICS.cloud_failed(outcome.key)
                log.error("%s: listing accounts failed: %s", outcome.key, outcome.error)
                self.report_error(f"listing accounts failed: {outcome.error}", (outcome.key,))

        self.pool.run(jobs, lambda key, message: None, done)
        return {cloud: found[cloud] for cloud in self.clouds if cloud in found}

    # ---- children --------------------------------------------------------------------------------

    def _on_message(self, key: str, message: Json) -> None:
        report = self.reports[key]
        kind = message.get("type")
        if kind == "parts":
            self.tree.parts(report.cloud, key, message.get("names", []))
        elif kind == "done":
            self.tree.part_done(report.cloud, key, message.get("name", ""))
        elif kind == "error":
            text = str(message.get("message", ""))
            report.problems.append(text)
            METRICS.account_problem(report.cloud, report.account)
            log.warning("%s: %s", key, text, **account_fields(report.cloud, report.account))
            self.report_error(text, (report.cloud, report.account))
        elif kind == "retried":
            try:
                count = int(message.get("count", 1))
            except (TypeError, ValueError):
                count = 0
            METRICS.api_retried(report.cloud, report.account, count, str(message.get("reason") or "throttled"))
            return  # nothing changed in the progress tree
        self._take_landings()
        self.tree.flush()

    def _on_done(self, outcome: Outcome) -> None:
        report = self.reports[outcome.key]
        report.seconds = outcome.seconds
        self.tree.account_done(report.cloud, outcome.key)
        if not outcome.ok:
            self._failed(report, outcome.error)
            self.watcher.finished(report)
            self._take_landings()
            return
        result = outcome.value
        report.nodes, report.edges = result["nodes"], result["edges"]
        report.warnings = result.get("warnings", [])
        report.status = Status.COLLECTED
        if result.get("warning_count"):
            log.warning("%s: %d graph problem(s) fixed up, e.g. %s", outcome.key, result["warning_count"],
                        "; ".join(report.warnings[:3]), **account_fields(report.cloud, report.account))
        log.info("%s collected: %d nodes, %d edges in %.1f s", outcome.key, report.nodes, report.edges, outcome.seconds,
                 **account_fields(report.cloud, report.account))
        self.watcher.finished(report)
        self.sink.account_ready(outcome.key, AccountSpool(report.cloud, result["account_id"], self.spools[outcome.key],
                                                          report.nodes, report.edges))
        self._take_landings()

    def _failed(self, report: AccountReport, error: str) -> None:
        report.status = Status.FAILED
        report.error = error
        METRICS.account_failed(report)
        log.error("%s failed: %s", report.key, error, **account_fields(report.cloud, report.account))
        self.report_error(f"account {report.name} ({report.account}) failed: {error}", (report.cloud, report.account))

    def _take_landings(self) -> None:
        """What the sink reported landed, or failed to, since we last looked (in the pool's callbacks, as
        the jobs send or end, and once the sink has finished)."""
        for landing in self.sink.landed():
            self._landing(landing)

    def _landing(self, landing: Landing) -> None:
        for key in landing.keys:
            report = self.reports[key]
            if landing.error:
                self._failed(report, landing.error)
            else:
                report.status = Status.LANDED
                METRICS.account_landed(report)
