"""``resotoworker collect``: one collect for cron, uploaded to the core or written to a file, then a
summary table. Exit code 0 when every account landed, 1 when some failed, 2 when nothing landed."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any, Dict, List, TextIO

from worker import spool
from worker.collect import CollectRun, CollectSummary
from worker.config import WorkerConfig
from worker.core.config_link import ConfigStore
from worker.core.errors import FatalError
from worker.daemon import active_clouds, all_schemas, connect, parse_overrides
from worker.home_files import write_home_files
from worker.model import graph_model
from worker.plugins import collectors
from worker.pool import start_fork_server
from worker.sinks import CoreSink, FileSink
from worker.upload import CoreGraph, UploadFailed

log = logging.getLogger(__name__)

OK, SOME_FAILED, NOTHING = 0, 1, 2


class ProgressBar:
    """A one-line bar on a terminal: accounts done of total."""

    def __init__(self, out: TextIO, enabled: bool) -> None:
        self.out = out
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self.lock = threading.Lock()

    def update(self, frame: Dict[str, Any]) -> None:
        if not self.enabled:
            return
        leaves = list(_leaves(frame))
        with self.lock:
            self.total = max(self.total, len(leaves))
            self.done = max(self.done, sum(1 for current, total in leaves if current >= total))
            width = 30
            filled = int(width * self.done / self.total) if self.total else 0
            self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} parts")
            self.out.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.out.write("\n")


def _leaves(frame: Dict[str, Any]):
    if frame.get("kind") == "progress":
        yield frame["current"], frame["total"]
    for part in frame.get("parts", []):
        yield from _leaves(part)


def summary_table(summary: CollectSummary) -> str:
    rows = [("cloud", "account", "status", "nodes", "edges", "seconds", "error")]
    for a in sorted(summary.accounts, key=lambda a: (a.cloud, a.account)):
        rows.append((a.cloud, a.account, a.status, str(a.nodes), str(a.edges), f"{a.seconds:.1f}",
                     (a.error or ("; ".join(a.problems[:2]) if a.problems else ""))[:100]))
    for cloud, error in summary.cloud_errors.items():
        rows.append((cloud, "-", "failed", "0", "0", "0.0", error[:100]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1] for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    total_nodes = sum(a.nodes for a in summary.landed)
    lines.append("")
    lines.append(f"{len(summary.landed)} of {len(summary.accounts)} account(s) landed, {total_nodes} nodes, "
                 f"{len(summary.failed)} failed, {summary.seconds:.1f} s")
    return "\n".join(lines)


def exit_code(summary: CollectSummary) -> int:
    if not summary.landed:
        return NOTHING
    if summary.failed or summary.cloud_errors:
        return SOME_FAILED
    return OK


def run(args: argparse.Namespace, override_texts: List[str]) -> int:
    registry = collectors()
    schemas = all_schemas(registry)
    overrides = parse_overrides(override_texts, schemas)
    client = None
    if args.output:
        config = WorkerConfig(schemas, None, overrides)
        for problem in config.problems:
            log.error("config: %s", problem)
    else:
        client = connect(args)
        store = ConfigStore(client, args.subscriber_id, schemas, overrides)
        stored, _ = store.fetch()
        config = WorkerConfig(schemas, stored, overrides)
        client.use_bounds(config.worker)
    spool.remove_stale(config.worker["tempdir"])
    write_home_files(config.worker)
    if config.worker["fork_process"]:
        start_fork_server()  # its preload runs while we list clouds, prepare the graph, …
    wanted = args.collector or config.worker["collector"] or registry.names
    clouds, problems = active_clouds(config, registry, wanted)
    for problem in problems:
        log.error("%s", problem)
    if not clouds:
        raise FatalError(f"no collector to run: asked for {', '.join(wanted) or 'none'}, installed: "
                         f"{', '.join(registry.names) or 'none'}")
    bar = ProgressBar(sys.stderr, sys.stderr.isatty() and not args.no_progress)
    stopping = threading.Event()  # SIGTERM: uploads make no further attempt
    worker = config.worker
    if args.output:
        def sink(landed):
            return FileSink(args.output, landed)
    else:
        assert client is not None
        graph = CoreGraph(client, worker, stopping)
        try:
            graph.prepare(graph_model(registry.model(clouds)))
        except UploadFailed as ex:
            raise FatalError(str(ex)) from None

        def sink(landed):
            # no task id: there is no workflow to tie the upload to (deferred edges wait for the next one)
            return CoreSink(graph, None, worker["upload_wait_for_result"], worker["graph_merge_kind"],
                            worker["graph_sender_pool_size"], landed)
    collect = CollectRun(registry, config, clouds, sink=sink, progress=bar.update)

    def stop(*_: Any) -> None:
        stopping.set()
        collect.stop()

    signal.signal(signal.SIGTERM, stop)
    try:
        summary = collect.run()
    except KeyboardInterrupt:
        stop()
        raise
    finally:
        bar.close()
    print(summary_table(summary))
    if args.output:
        print(f"merge stream written to {args.output}")
    return exit_code(summary)

