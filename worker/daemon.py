"""The long-running worker, gunicorn-arbiter style: it wires the links to the core (``worker.core``),
the action handlers (``worker.handlers``), the task handlers (``worker.tagging``, ``worker.commands``), the
fork server, the web server and the signals, waits, and shuts them down in order. What an action does is
``worker.handlers``'; how a collect runs ``worker.collect``'s."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Set

from worker import commands, notify, spool, tagging
from worker.collect import CollectSummary
from worker.config import WorkerConfig, all_schemas, parse_overrides
from worker.core import certs
from worker.core.actions import ActionLink
from worker.core.api import CoreApi
from worker.core.client import connect
from worker.core.config_link import ConfigStore, EventLink
from worker.core.errors import CoreRejected, FatalError
from worker.core.tasks import TaskLink, tag_handler
from worker.handlers import ActionHandlers, active_clouds
from worker.home_files import write_home_files
from worker.metrics import METRICS, Metrics, links as link_metrics
from worker.plugins import collectors
from worker.pool import start_fork_server
from worker.shard import Fleet
from worker.web import WebServer

log = logging.getLogger(__name__)


class Daemon:
    def __init__(self, args: argparse.Namespace, override_texts: List[str]) -> None:
        self.args = args
        self.override_texts = override_texts
        self.stop = threading.Event()
        self.restart = False
        self.exit_code = 0
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
        spool.remove_stale(self.store.current.resotoworker["tempdir"])
        write_home_files(self.store.current.resotoworker)
        self._log_active()
        self.fleet = Fleet(CoreApi(self.client).collect_subscribers, self.args.subscriber_id)
        if self.fleet.name is not None:
            # before we subscribe: the peers listed now count at once (also if the config turns auto on later)
            self.fleet.refresh(initial=True)
        # a peer that connected before our event socket was open is seen by listing them again then
        self.events = EventLink(self.client, self.store, on_listener=self.fleet.on_event,
                                on_connect=self.fleet.refresh if self.fleet.name is not None else lambda: None)
        self.handlers = ActionHandlers(self.client, self.registry, lambda: self.store.current, self.fleet, self.stop,
                                       collected=self._owned_now)
        self.actions = ActionLink(self.client, self.args.subscriber_id, self.handlers.table(),
                                  timeout=lambda: self.store.current.resotoworker["timeout"])
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
            if idle > 0 and not self.handlers.collect_seen.is_set() and time.monotonic() - started > idle:
                log.error("no collect action within --idle-timeout %d s: exiting", idle)
                self.exit_code = 1
                return

    def _shutdown(self) -> None:
        """Stop taking work, stop what runs and answer its actions, unsubscribe, close: each step has its
        share of resotoworker.shutdown_timeout, whatever the core or a collector does meanwhile. Threads
        still busy at the end (an upload waiting for a stalled core) are daemon threads and do not hold
        up the exit."""
        bound = self.store.current.resotoworker["shutdown_timeout"]
        started = time.monotonic()

        def by(share: float) -> float:
            return started + share * bound

        notify.notify("STOPPING=1")
        self.actions.accepting = False
        self.handlers.stop(grace=0.4 * bound)  # children get SIGTERM now, SIGKILL after the grace
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
        self.client.use_bounds(config.resotoworker)
        for link in self._links():
            link.max_backoff = config.resotoworker["core_reconnect_max_wait"]

    # ---- web server, metrics ---------------------------------------------------------------------

    def _link_states(self) -> Dict[str, bool]:
        return {link.name: link.connected.is_set() for link in (self.actions, self.tasks, self.events)}

    def _start_web(self) -> None:
        settings = self.store.current.resotoworker
        METRICS.before_scrape = self._feed_metrics
        try:
            tls = certs.web_tls(self.client, self.args.cert, self.args.cert_key, self.args.cert_key_pass,
                                self.args.subscriber_id, settings["no_tls"])
        except (FatalError, CoreRejected, OSError) as ex:
            log.error("web server: no TLS certificate (%s); serving plain HTTP", ex)
            tls = None
        try:
            self.web = WebServer(settings["web_host"], settings["web_port"], settings["web_path"], self._link_states,
                                 self._collector_names, METRICS, tls, settings["web_request_timeout"]).start()
        except OSError as ex:
            log.error("web server: cannot listen on %s port %s: %s (running without it)", settings["web_host"],
                      settings["web_port"], ex)

    def _collector_names(self) -> tuple:
        clouds, _ = active_clouds(self.store.current, self.registry)
        return clouds, list(self.registry.names)

    def _feed_metrics(self, metrics: Metrics) -> None:
        link_metrics(metrics, self._link_states())
        metrics.pool_busy.set(self.handlers.busy())
        metrics.pool_size.set(self.store.current.resotoworker["pool_size"])

    def _config_changed(self, old: WorkerConfig, new: WorkerConfig) -> None:
        self._apply_bounds(new)
        changed = new.restart_required_changes(old)
        if changed:
            log.warning("config keys that need a restart changed: %s", ", ".join(changed))
            self.restart = True
            self.stop.set()
            return
        if bool(new.resotoworker["cleanup_expired"]) != bool(old.resotoworker["cleanup_expired"]):
            self._subscribe_cleanup_plan(bool(new.resotoworker["cleanup_expired"]))

    def _subscribe_cleanup_plan(self, enabled: bool) -> None:
        """cleanup_expired switched at run time: add or drop the cleanup_plan subscription in place."""
        if enabled:
            self.actions.add("cleanup_plan", self.handlers.cleanup_plan)
        else:
            self.actions.remove("cleanup_plan")

    def _log_active(self) -> None:
        clouds, problems = active_clouds(self.store.current, self.registry)
        for problem in problems:
            log.error("%s", problem)
        if not clouds:
            log.warning("no collector is active: set resotoworker.collector (installed: %s)",
                        ", ".join(self.registry.names) or "none")

    # ---- tasks -----------------------------------------------------------------------------------

    def _owned_now(self, summary: CollectSummary) -> None:
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
            return tagging.run_tag_task(self.registry, self.store.current, attrs, data)
        if name in self.registry.commands:
            return commands.run_command_task(self.registry, self.store.current, name, data)
        raise ValueError(f"this worker has no handler for task {name!r}")
