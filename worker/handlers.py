"""What the worker does for the core's actions: ``collect``, ``cleanup_plan`` and ``cleanup``. The daemon
registers these handlers with the action link; the one-shot run shares their prelude (which clouds are
active, the graph prepared, the sink that uploads to it)."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Set

from worker import cleanup_plan
from worker.cleanup import CleanupError, CleanupRun
from worker.collect import CollectRun, CollectSummary
from worker.config import WorkerConfig
from worker.core.actions import Feedback
from worker.core.client import CoreClient
from worker.model import graph_model
from worker.plugins import Collectors
from worker.shard import FixedSplit, Fleet, Split, View, parse_shard
from worker.sinks import CoreSink
from worker.upload import CoreGraph, UploadFailed

log = logging.getLogger(__name__)

Json = Dict[str, Any]
SHUTTING_DOWN = "the worker is shutting down"


def active_clouds(config: WorkerConfig, registry: Collectors, wanted: Optional[List[str]] = None) -> tuple:
    """(clouds to collect, problems): configured ∩ installed, unknown names reported."""
    names = wanted if wanted is not None else config.resotoworker["collector"]
    unknown = [n for n in names if n not in registry.infos]
    problems = [f"collector {n!r} is configured but not installed (installed: {', '.join(registry.names) or 'none'})"
                for n in unknown]
    return [n for n in names if n in registry.infos], problems


def prepared_graph(client: CoreClient, settings: Json, registry: Collectors, clouds: List[str],
                   stopping: threading.Event) -> CoreGraph:
    """The graph to upload to, its model holding the kinds of ``clouds``; ``UploadFailed`` if the core
    would not take them."""
    graph = CoreGraph(client, settings, stopping)
    graph.prepare(graph_model(registry.model(clouds)))
    return graph


def core_sink(graph: CoreGraph, task_id: Optional[str], settings: Json) -> CoreSink:
    return CoreSink(graph, task_id, settings["upload_wait_for_result"], settings["graph_merge_kind"],
                    settings["graph_sender_pool_size"])


class ActionHandlers:
    """The handlers, and the runs they have going (a shutdown stops them, the metrics count their pools).

    ``config`` gives the config now (it may change between two actions); ``stopping`` is the worker's
    shutdown; ``collected(summary)`` is told after every collect (the daemon's tag handlers follow the
    shard's accounts)."""

    def __init__(self, client: CoreClient, registry: Collectors, config: Callable[[], WorkerConfig], fleet: Fleet,
                 stopping: threading.Event, collected: Callable[[CollectSummary], None] = lambda summary: None) -> None:
        self.client = client
        self.registry = registry
        self.config = config
        self.fleet = fleet
        self.stopping = stopping
        self.collected = collected
        self.collect_seen = threading.Event()
        self._runs: Set[Any] = set()  # running collects and cleanups: anything with stop()
        self._lock = threading.Lock()

    def table(self) -> Dict[str, Any]:
        """The actions to subscribe to at start; ``cleanup_plan`` only with resotoworker.cleanup_expired."""
        handlers = {"collect": self.collect, "cleanup": self.cleanup}
        if self.config().resotoworker["cleanup_expired"]:
            handlers["cleanup_plan"] = self.cleanup_plan
        return handlers

    def stop(self, grace: float) -> None:
        with self._lock:
            runs = list(self._runs)
        for run in runs:
            run.stop(grace=grace)  # children get SIGTERM now, SIGKILL after the grace

    def busy(self) -> int:
        """Jobs running in the pools of the collects now."""
        with self._lock:
            pools = [run.pool for run in self._runs if isinstance(run, CollectRun)]
        return sum(pool.busy for pool in pools)

    def _running(self, run: Any, body: Callable[[], Any]) -> Any:
        with self._lock:
            self._runs.add(run)
        try:
            return body()
        finally:
            with self._lock:
                self._runs.discard(run)

    # ---- collect ---------------------------------------------------------------------------------

    def collect(self, message_type: str, data: Json, feedback: Feedback) -> Optional[str]:
        self.collect_seen.set()
        config = self.config()
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
        settings = config.resotoworker
        try:
            graph = prepared_graph(self.client, settings, self.registry, clouds, self.stopping)
        except UploadFailed as ex:
            return f"could not prepare graph {settings['graph']}: {ex}"
        run = CollectRun(self.registry, config, clouds, sink=core_sink(graph, data.get("task"), settings),
                         task=data, progress=feedback.progress, error=lambda m, ctx: feedback.error(m, ctx),
                         view=view, split=split)

        def body() -> Optional[CollectSummary]:
            return None if self.stopping.is_set() else run.run()

        summary = self._running(run, body)
        if summary is None:
            return SHUTTING_DOWN
        log.info("collect %s: %d of %d account(s) landed, %d nodes, %.1f s", data.get("task"),
                 len(summary.landed), len(summary.accounts), summary.nodes, summary.seconds)
        self.collected(summary)
        if summary.landed:
            return None
        reasons = [f"{a.key}: {a.error}" for a in summary.failed][:5] + \
                  [f"{c}: {e}" for c, e in summary.cloud_errors.items()]
        if self.stopping.is_set():
            return SHUTTING_DOWN
        return "nothing landed: " + ("; ".join(reasons) or "no accounts found")

    def _split(self, config: WorkerConfig) -> Optional[Split]:
        """What resotoworker.shard says now (it may change between two collects)."""
        shard = parse_shard(config.resotoworker["shard"])  # valid: checked with the config
        if shard is None:
            return None
        self.fleet.settle = config.resotoworker["shard_settle"]
        return self.fleet if shard.auto else FixedSplit(shard)

    def _collect_view(self, split: Optional[Split], data: Json) -> Optional[View]:
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

    # ---- cleanup ---------------------------------------------------------------------------------

    def cleanup(self, message_type: str, data: Json, feedback: Feedback) -> Optional[str]:
        if not self.config().resotoworker["cleanup"]:
            log.info("cleanup %s: cleanup is disabled (resotoworker.cleanup=false); nothing to do", data.get("task"))
            return None
        config = self.config()
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

        def body() -> Optional[str]:
            if self.stopping.is_set():
                return SHUTTING_DOWN
            try:
                run.run()
            except CleanupError as ex:
                return str(ex)
            return None

        error = self._running(run, body)  # stopped on shutdown like a collect
        if error is not None:
            return error
        return SHUTTING_DOWN if self.stopping.is_set() else None

    def cleanup_plan(self, message_type: str, data: Json, feedback: Feedback) -> Optional[str]:
        settings = self.config().resotoworker
        if not settings["cleanup_expired"]:
            log.info("cleanup_plan %s: resotoworker.cleanup_expired is false; nothing to do", data.get("task"))
            return None
        try:
            cleanup_plan.mark_expired(self.client, settings["graph"], settings["cleanup_expired_dry_run"],
                                      info=feedback.info)
        except cleanup_plan.CleanupPlanError as ex:
            return str(ex)
        return None
