"""The long-running worker: connect to the core, keep the three links up, run actions and tasks, shut
down cleanly. It wires parts together; the parts live in ``worker.core``, ``worker.collect`` and
``worker.tasks``."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Set

from worker import cleanup_plan, commands, notify, spool, tags
from worker.cleanup import CleanupError, CleanupRun
from worker.collect import CollectRun
from worker.config import WORKER_SECTION, OverrideError, WorkerConfig, parse_override, worker_schema
from worker.core import certs, tls
from worker.core.actions import ActionLink, Feedback
from worker.core.client import CoreClient
from worker.core.config_link import ConfigStore, EventLink
from worker.core.errors import CoreRejected, FatalError, UsageError
from worker.core.tasks import TaskLink, tag_handler
from worker.home_files import write_home_files
from worker.metrics import METRICS, Metrics, links as link_metrics
from worker.model import graph_model
from worker.plugins import Collectors, collectors
from worker.pool import start_fork_server
from worker.shard import FixedSplit, Fleet, Split, View, parse_shard
from worker.sinks import CoreSink
from worker.upload import CoreGraph, UploadFailed
from worker.web import WebServer

log = logging.getLogger(__name__)

def all_schemas(registry: Collectors) -> Dict[str, Any]:
    schemas = {WORKER_SECTION: worker_schema()}
    schemas.update(registry.schemas())
    return schemas


def parse_overrides(texts: List[str], schemas: Dict[str, Any]) -> List[tuple]:
    try:
        return [parse_override(text, schemas) for text in texts]
    except OverrideError as ex:
        raise UsageError(str(ex)) from None


def active_clouds(config: WorkerConfig, registry: Collectors, wanted: Optional[List[str]] = None) -> tuple:
    """(clouds to collect, problems): configured ∩ installed, unknown names reported."""
    names = wanted if wanted is not None else config.worker["collector"]
    unknown = [n for n in names if n not in registry.infos]
    problems = [f"collector {n!r} is configured but not installed (installed: {', '.join(registry.names) or 'none'})"
                for n in unknown]
    return [n for n in names if n in registry.infos], problems


def connect(args: argparse.Namespace, stop: Optional[threading.Event] = None) -> CoreClient:
    """Wait for the core, then set up TLS the way the core expects (protocol memo §1.2, §1.4)."""
    url = args.resotocore_uri.rstrip("/")
    probe = CoreClient(url, args.psk, verify=False)
    probe.wait_ready(max_wait=args.ready_timeout, stop=stop)
    if not url.startswith("https://"):
        return CoreClient(url, args.psk)
    if args.no_verify_certs:
        log.warning("--no-verify-certs: the core's certificate is not checked")
        return CoreClient(url, args.psk, verify=False)
    ca_pem = tls.load_ca_file(args.ca_cert) if args.ca_cert else tls.fetch_ca(url, args.psk)
    return CoreClient(url, args.psk, verify=tls.write_bundle(ca_pem))


class Daemon:
    def __init__(self, args: argparse.Namespace, override_texts: List[str]) -> None:
        self.args = args
        self.override_texts = override_texts
        self.stop = threading.Event()
        self.restart = False
        self.exit_code = 0
        self.collect_seen = threading.Event()
        self.runs: Set[Any] = set()  # running collects and cleanups: anything with stop()
        self.runs_lock = threading.Lock()
        self.web: Optional[WebServer] = None
        # cloud -> the accounts of this worker's shard (from its last collect), which its tag handlers name;
        # None: not sharded (or no collect yet), the handlers name clouds only
        self.owned: Optional[Dict[str, Set[str]]] = None

    # ---- life cycle ------------------------------------------------------------------------------

    def run(self) -> int:
        self.registry = collectors()
        schemas = all_schemas(self.registry)
        overrides = parse_overrides(self.override_texts, schemas)
        self._install_signals()
        start_fork_server()  # also when fork_process is off: the config may turn it on, cleanup uses it too
        self.client = connect(self.args, self.stop)
        self.store = ConfigStore(self.client, self.args.config_id, schemas, overrides)
        self.store.startup()
        self.store.listeners.append(self._config_changed)
        spool.remove_stale(self.store.current.worker["tempdir"])
        write_home_files(self.store.current.worker)
        self._log_active()
        self.fleet = Fleet(self.client.request, self.args.subscriber_id)
        if self.fleet.name is not None:
            # before we subscribe: the peers listed now count at once (also if the config turns auto on later)
            self.fleet.refresh(initial=True)
        # a peer that connected before our event socket was open is seen by listing them again then
        self.events = EventLink(self.client, self.store, on_listener=self.fleet.on_event,
                                on_connect=self.fleet.refresh if self.fleet.name is not None else lambda: None)
        self.actions = ActionLink(self.client, self.args.subscriber_id, self._action_handlers(),
                                  timeout=lambda: self.store.current.worker["timeout"])
        self.tasks = TaskLink(self.client, self._task_handlers, self._run_task)
        self._apply_bounds(self.store.current)
        self._start_web()
        for link in self._links():
            link.start()
        log.info("resotoworker %s running with collectors %s", self.args.subscriber_id,
                 ", ".join(self.registry.names) or "none")
        self._wait()
        self._shutdown()
        if self.restart:
            log.warning("restarting to apply the changed config")
            os.execv(sys.executable, sys.orig_argv)  # the same command line, `-m worker` included
        return self.exit_code

    def _install_signals(self) -> None:
        def on_signal(signum: int, frame: Any) -> None:
            log.info("received %s: shutting down", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def _wait(self) -> None:
        started = time.monotonic()
        idle = self.args.idle_timeout or 0
        ready_sent = False
        watchdog = notify.watchdog_interval()
        next_ping = time.monotonic()
        while not self.stop.wait(0.5):
            if not ready_sent and all(self._link_states().values()):
                notify.notify("READY=1\nSTATUS=connected to the core")
                ready_sent = True
            if watchdog and time.monotonic() >= next_ping:
                notify.notify("WATCHDOG=1")
                next_ping = time.monotonic() + watchdog
            if idle > 0 and not self.collect_seen.is_set() and time.monotonic() - started > idle:
                log.error("no collect action within --idle-timeout %d s: exiting", idle)
                self.exit_code = 1
                return

    def _shutdown(self) -> None:
        """Stop taking work, stop what runs and answer its actions, unsubscribe, close: each step has its
        share of resotoworker.shutdown_timeout, whatever the core or a collector does meanwhile. Threads
        still busy at the end (an upload waiting for a stalled core) are daemon threads and do not hold
        up the exit."""
        bound = self.store.current.worker["shutdown_timeout"]
        started = time.monotonic()

        def by(share: float) -> float:
            return started + share * bound

        notify.notify("STOPPING=1")
        self.actions.accepting = False
        with self.runs_lock:
            runs = list(self.runs)
        for run in runs:
            run.stop(grace=0.4 * bound)  # children get SIGTERM now, SIGKILL after the grace
        while self.actions.running() and time.monotonic() < by(0.6):
            time.sleep(0.05)
        self.actions.abandon("the worker is shutting down")  # replies for handlers that did not end in time
        if not self.actions.drain(max(0.1, by(0.75) - time.monotonic())):
            log.error("shutdown: %d repl%s could not be sent: the action socket is down",
                      len(self.actions.pending_replies()), "y" if len(self.actions.pending_replies()) == 1 else "ies")
        self.actions.unsubscribe(by(0.9))
        closers = [threading.Thread(target=link.stop, daemon=True) for link in self._links()]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(max(0.05, by(0.95) - time.monotonic()))  # the rest: the web server, the exit itself
        # a closed socket can leave websocket-client's reader in select() for up to its ping timeout;
        # the sockets are closed already, so do not wait for the reader threads long
        for link in self._links():
            link.join(max(0.01, min(by(0.95), time.monotonic() + 1.0) - time.monotonic()))
        if self.web is not None:
            self.web.stop()
        log.info("stopped in %.1f s", time.monotonic() - started)

    def _links(self) -> tuple:
        return self.tasks, self.actions, self.events

    def _apply_bounds(self, config: WorkerConfig) -> None:
        """The waits for the core come from the config, at start and after every change."""
        self.client.use_bounds(config.worker)
        for link in self._links():
            link.max_backoff = config.worker["core_reconnect_max_wait"]

    # ---- web server, metrics ---------------------------------------------------------------------

    def _link_states(self) -> Dict[str, bool]:
        return {link.name: link.connected.is_set() for link in (self.actions, self.tasks, self.events)}

    def _start_web(self) -> None:
        worker = self.store.current.worker
        METRICS.before_scrape = self._feed_metrics
        try:
            tls = certs.web_tls(self.client, self.args.cert, self.args.cert_key, self.args.cert_key_pass,
                                self.args.subscriber_id, worker["no_tls"])
        except (FatalError, CoreRejected, OSError) as ex:
            log.error("web server: no TLS certificate (%s); serving plain HTTP", ex)
            tls = None
        try:
            self.web = WebServer(worker["web_host"], worker["web_port"], worker["web_path"], self._link_states,
                                 self._collector_names, METRICS, tls, worker["web_request_timeout"]).start()
        except OSError as ex:
            log.error("web server: cannot listen on %s port %s: %s (running without it)", worker["web_host"],
                      worker["web_port"], ex)

    def _collector_names(self) -> tuple:
        clouds, _ = active_clouds(self.store.current, self.registry)
        return clouds, list(self.registry.names)

    def _feed_metrics(self, metrics: Metrics) -> None:
        link_metrics(metrics, self._link_states())
        with self.runs_lock:
            pools = [run.pool for run in self.runs if isinstance(run, CollectRun) and run.pool is not None]
        metrics.pool_busy.set(sum(pool.busy for pool in pools))
        metrics.pool_size.set(self.store.current.worker["pool_size"])

    def _config_changed(self, old: WorkerConfig, new: WorkerConfig) -> None:
        self._apply_bounds(new)
        changed = new.restart_required_changes(old)
        if changed:
            log.warning("config keys that need a restart changed: %s", ", ".join(changed))
            self.restart = True
            self.stop.set()
            return
        if bool(new.worker["cleanup_expired"]) != bool(old.worker["cleanup_expired"]):
            self._subscribe_cleanup_plan(bool(new.worker["cleanup_expired"]))

    def _subscribe_cleanup_plan(self, enabled: bool) -> None:
        """cleanup_expired switched at run time: add or drop the cleanup_plan subscription in place."""
        if enabled:
            self.actions.handlers["cleanup_plan"] = self._cleanup_plan
            try:
                self.actions.before_connect()  # re-POSTs every subscription; the next reconnect does too
            except Exception as ex:
                log.warning("subscribing to cleanup_plan failed (retried on the next reconnect): %s", ex)
        else:
            self.actions.handlers.pop("cleanup_plan", None)
            try:
                self.client.request("DELETE", f"/subscriber/{self.actions.subscriber}/cleanup_plan", timeout=5)
            except Exception as ex:
                log.warning("unsubscribing from cleanup_plan failed: %s", ex)

    def _log_active(self) -> None:
        clouds, problems = active_clouds(self.store.current, self.registry)
        for problem in problems:
            log.error("%s", problem)
        if not clouds:
            log.warning("no collector is active: set resotoworker.collector (installed: %s)",
                        ", ".join(self.registry.names) or "none")

    # ---- actions ---------------------------------------------------------------------------------

    def _action_handlers(self) -> Dict[str, Any]:
        handlers = {"collect": self._collect, "cleanup": self._cleanup}
        if self.store.current.worker["cleanup_expired"]:
            handlers["cleanup_plan"] = self._cleanup_plan
        return handlers

    # ---- shard ----------------------------------------------------------------------------------

    def _split(self, config: WorkerConfig) -> Optional[Split]:
        """What resotoworker.shard says now (it may change between two collects)."""
        shard = parse_shard(config.worker["shard"])  # valid: checked with the config
        if shard is None:
            return None
        self.fleet.settle = config.worker["shard_settle"]
        return self.fleet if shard.auto else FixedSplit(shard)

    def _collect_view(self, split: Optional[Split], data: Dict[str, Any]) -> Optional[View]:
        """The shard of this collect, taken as the action arrives (the core started the step just now).
        An action the core re-sends on a reconnect (no ``timing``) belongs to a step that started at a
        time we cannot know, so peers that subscribed after it may be counted although the core does
        not send them this step: with auto, such a collect takes every account."""
        if split is None:
            return None
        if split is self.fleet and "timing" not in data:
            log.warning("shard: collect %s was re-sent by the core (the step began before this connection): "
                        "collecting every account", data.get("task"))
            return View((self.fleet.me,), self.fleet.me, auto=True)
        return split.view()

    def _owned_now(self, summary: Any) -> None:
        """After a sharded collect, the tag handlers name the accounts of this worker's share; the work
        queue registers them anew when they changed."""
        owned: Dict[str, Set[str]] = {}
        for report in summary.accounts:
            owned.setdefault(report.cloud, set()).add(report.account)
        for cloud in summary.cloud_errors:  # not listed this time: keep what it had
            if self.owned and cloud in self.owned:
                owned[cloud] = self.owned[cloud]
        self.owned = owned if summary.shard is not None else None
        self.tasks.refresh()

    def _collect(self, message_type: str, data: Dict[str, Any], feedback: Feedback) -> Optional[str]:
        self.collect_seen.set()
        config = self.store.current
        split = self._split(config)
        view = self._collect_view(split, data)
        clouds, problems = active_clouds(config, self.registry)
        for problem in problems:
            feedback.error(problem)
        if not clouds:
            reason = "no collector configured (resotoworker.collector is empty or names no installed collector)"
            log.warning("collect %s: nothing to do: %s", data.get("task"), reason)
            feedback.info("info", f"nothing collected: {reason}")
            return None
        worker = config.worker
        graph = CoreGraph(self.client, worker, self.stop)
        try:
            graph.prepare(graph_model(self.registry.model(clouds)))
        except UploadFailed as ex:
            return f"could not prepare graph {worker['graph']}: {ex}"
        run = CollectRun(self.registry, config, clouds,
                         sink=lambda landed: CoreSink(graph, data.get("task"), worker["upload_wait_for_result"],
                                                      worker["graph_merge_kind"], worker["graph_sender_pool_size"],
                                                      landed),
                         task=data, progress=feedback.progress, error=lambda m, ctx: feedback.error(m, ctx),
                         view=view, split=split)
        with self.runs_lock:
            self.runs.add(run)
        try:
            if self.stop.is_set():
                return "the worker is shutting down"
            summary = run.run()
        finally:
            with self.runs_lock:
                self.runs.discard(run)
        log.info("collect %s: %d of %d account(s) landed, %d nodes, %.1f s", data.get("task"),
                 len(summary.landed), len(summary.accounts), summary.nodes, summary.seconds)
        self._owned_now(summary)
        if summary.landed:
            return None
        reasons = [f"{a.key}: {a.error}" for a in summary.failed][:5] + \
                  [f"{c}: {e}" for c, e in summary.cloud_errors.items()]
        if self.stop.is_set():
            return "the worker is shutting down"
        return "nothing landed: " + ("; ".join(reasons) or "no accounts found")

    def _cleanup(self, message_type: str, data: Dict[str, Any], feedback: Feedback) -> Optional[str]:
        if not self.store.current.worker["cleanup"]:
            log.info("cleanup %s: cleanup is disabled (resotoworker.cleanup=false); nothing to do", data.get("task"))
            return None
        config = self.store.current
        clouds, problems = active_clouds(config, self.registry)
        for problem in problems:
            feedback.error(problem)
        if not clouds:
            log.info("cleanup %s: no collector is active; nothing to clean", data.get("task"))
            feedback.info("info", "nothing cleaned: no collector configured")
            return None
        split = self._split(config)
        # settle 0 for auto: every listed peer counts, so when the fleet changes we delete less, not twice
        view = split.view(settle=0) if split is not None else None
        run = CleanupRun(self.client, config, clouds, info=feedback.info,
                         mine=(lambda cloud, account: view.owns(cloud, account)) if view is not None else None)
        with self.runs_lock:
            self.runs.add(run)  # stopped on shutdown like a collect
        try:
            if self.stop.is_set():
                return "the worker is shutting down"
            run.run()
        except CleanupError as ex:
            return str(ex)
        finally:
            with self.runs_lock:
                self.runs.discard(run)
        return "the worker is shutting down" if self.stop.is_set() else None

    def _cleanup_plan(self, message_type: str, data: Dict[str, Any], feedback: Feedback) -> Optional[str]:
        worker = self.store.current.worker
        if not worker["cleanup_expired"]:
            log.info("cleanup_plan %s: resotoworker.cleanup_expired is false; nothing to do", data.get("task"))
            return None
        try:
            cleanup_plan.mark_expired(self.client, worker["graph"], worker["cleanup_expired_dry_run"],
                                      info=feedback.info)
        except cleanup_plan.CleanupPlanError as ex:
            return str(ex)
        return None

    # ---- tasks -----------------------------------------------------------------------------------

    def _task_handlers(self) -> List[Dict[str, Any]]:
        """``tag`` per installed cloud, plus a catch-all ``tag`` the core routes to us only when no worker
        has a matching cloud filter (most filter keys win): such a task gets a clear error at once
        instead of the core's 30 s "No worker for task" timeout. Then the collectors' commands.

        In a shard, first a ``tag`` per cloud naming the accounts of this worker's share: with two keys it
        wins over every cloud-only filter, so each account's tasks come here and to no other member of the
        split. The cloud-only filter stays: an account nobody names (new since the last collect, or its
        owner is registering anew) is still taken by one worker, never left to time out."""
        owned = self.owned or {}
        return [tag_handler(cloud, sorted(owned[cloud])) for cloud in self.registry.names if owned.get(cloud)] + \
            [tag_handler(cloud) for cloud in self.registry.names] + [tag_handler(None)] + \
            [commands.handler(c) for c in self.registry.commands.values()]

    def _run_task(self, name: str, attrs: Dict[str, Any], data: Dict[str, Any]) -> Any:
        if name == "tag":
            return tags.run_tag_task(self.registry, self.store.current, attrs, data)
        if name in self.registry.commands:
            return commands.run_command_task(self.registry, self.store.current, name, data)
        raise ValueError(f"this worker has no handler for task {name!r}")
