"""``resotoworker collect``: one collect for cron, uploaded to the core or written to a file, then a
summary. Exit code 0 when every account landed, 1 when some failed, 2 when nothing landed or on bad
usage, 128 + the signal's number when SIGINT (Ctrl-C) or SIGTERM stopped it.

On a terminal a live bar (rich) counts the accounts, with the log lines above it."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any, List, Optional

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from worker import logs, spool
from worker.collect import AccountReport, CollectRun, CollectSummary, Status, Watcher
from worker.config import WorkerConfig, all_schemas, parse_overrides
from worker.core.client import connect
from worker.core.config_link import ConfigStore
from worker.core.errors import FatalError, UsageError
from worker.handlers import active_clouds, core_sink, prepared_graph
from worker.home_files import write_home_files
from worker.plugins import collectors
from worker.pool import start_fork_server
from worker.shard import FixedSplit, parse_shard
from worker.sinks import FileSink
from worker.upload import UploadFailed

log = logging.getLogger(__name__)

OK, SOME_FAILED, NOTHING = 0, 1, 2


class _NodeRate(ProgressColumn):
    """Nodes per second since the start (nodes arrive with each finished account)."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.fields["nodes"] / elapsed if elapsed > 0.5 else 0.0
        return Text(f"{rate:,.0f} nodes/s", style="progress.data.speed")


class ProgressDisplay(Watcher):
    """The live bar on a terminal: accounts done of all accounts (known once they are listed), nodes,
    rate, elapsed time and what is left. Log lines go above it (one console for both)."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("accounts ({task.fields[failed]} failed) • {task.fields[nodes]:,} nodes •"), _NodeRate(),
            TextColumn("•"), TimeElapsedColumn(), TextColumn("elapsed •"), TimeRemainingColumn(), TextColumn("left"),
            console=logs.terminal_console() if enabled else None, disable=not enabled, transient=True)
        self.task = self.progress.add_task("listing accounts", total=None, nodes=0, failed=0)

    def listed(self, accounts: int) -> None:
        self.progress.update(self.task, description="collecting", total=accounts)

    def finished(self, report: AccountReport) -> None:
        task = self.progress.tasks[self.task]
        self.progress.update(self.task, advance=1, nodes=task.fields["nodes"] + report.nodes,
                             failed=task.fields["failed"] + (report.status == Status.FAILED))


class _Stop:
    """SIGINT or SIGTERM stops the run: children get SIGTERM, uploads make no further attempt, the
    summary says what got done; the exit code then names the first signal."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum = 0
        self.run: Optional[CollectRun] = None

    def __call__(self, signum: int, frame: Any) -> None:
        if not self.signum:
            self.signum = signum
            log.warning("received %s: stopping the collect", signal.Signals(signum).name)
        self.event.set()
        if self.run is not None:
            # not in the handler itself: the signal may have interrupted the pool while it holds its lock
            threading.Thread(target=self.run.stop, name="stop", daemon=True).start()


def _accounts_line(report: AccountReport) -> Text:
    return Text.assemble(("  ", ""), (report.key, "bold"), f" ({report.name}): " if report.name != report.account
                         else ": ", (report.error, "red"))


def summary_text(summary: CollectSummary, full: bool) -> List[Any]:
    """What is printed after the run: the totals, per cloud when there are several, every failed account
    with its whole error; ``full`` adds a row for every account."""
    out: List[Any] = []
    if full:
        table = Table(box=None, header_style="bold", pad_edge=False)
        for name in ("cloud", "account", "name", "status", "nodes", "edges", "seconds", "error or problems"):
            table.add_column(name, overflow="fold", no_wrap=name != "error or problems")  # never cut
        for a in sorted(summary.accounts, key=lambda a: (a.cloud, a.account)):
            status = Text(a.status, "green" if a.status == Status.LANDED else "red")
            table.add_row(a.cloud, a.account, a.name, status,
                          f"{a.nodes:,}", f"{a.edges:,}", f"{a.seconds:.1f}", a.error or "; ".join(a.problems))
        out += [table, ""]
    clouds = sorted({a.cloud for a in summary.accounts} | set(summary.cloud_errors))
    if summary.shard is not None:
        estate = sum(summary.estate.values())
        out.append(f"shard {summary.shard}: {len(summary.accounts)} of the estate's {estate} account(s)"
                   + (f" (listing failed for {', '.join(sorted(summary.cloud_errors))})" if summary.cloud_errors else ""))
    status = "green" if not summary.failed and not summary.cloud_errors else "yellow" if summary.landed else "red"
    out.append(Text.assemble((f"{len(summary.landed)} of {len(summary.accounts)} account(s) landed", status),
                             f", {summary.nodes:,} nodes, {len(summary.failed)} failed, {summary.seconds:.1f} s"))
    if len(clouds) > 1:
        for cloud in clouds:
            accounts = [a for a in summary.accounts if a.cloud == cloud]
            landed = [a for a in accounts if a.status == Status.LANDED]
            out.append(f"  {cloud}: {len(landed)} of {len(accounts)} landed, {sum(a.nodes for a in landed):,} nodes")
    with_problems = [a for a in summary.landed if a.problems]
    if with_problems and not full:
        out.append(f"{len(with_problems)} landed account(s) had errors reported by the collector "
                   f"(--summary full lists them)")
    if summary.failed or summary.cloud_errors:
        out.append(Text("failed:", "bold red"))
        out += [_accounts_line(a) for a in sorted(summary.failed, key=lambda a: (a.cloud, a.account))]
        out += [Text.assemble("  ", (cloud, "bold"), ": ", (error, "red"))
                for cloud, error in sorted(summary.cloud_errors.items())]
    return out


def exit_code(summary: CollectSummary) -> int:
    if not summary.landed:
        return NOTHING
    if summary.failed or summary.cloud_errors:
        return SOME_FAILED
    return OK


def run(args: argparse.Namespace, override_texts: List[str]) -> int:
    if args.output is not None and not args.output.strip():
        raise UsageError("--output: an empty path")
    registry = collectors()
    schemas = all_schemas(registry)
    overrides = parse_overrides(override_texts, schemas)
    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        summary = _collect(args, registry, schemas, overrides, stop)
    except FatalError:
        if stop.signum:  # e.g. waiting for the core, cut short
            return 128 + stop.signum
        raise
    # soft_wrap, and no width for a file or a pipe: an error is never cut or broken in two there
    out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 1 << 16)
    for line in summary_text(summary, args.summary == "full"):
        out.print(line)
    if stop.signum:
        out.print(Text(f"stopped by {signal.Signals(stop.signum).name}", "yellow"))
        return 128 + stop.signum
    if args.output and summary.landed:
        out.print(f"merge stream written to {args.output}")
    return exit_code(summary)


def _collect(args: argparse.Namespace, registry: Any, schemas: Any, overrides: List[tuple], stop: _Stop
             ) -> CollectSummary:
    client = None
    if args.output:
        config = WorkerConfig(schemas, None, overrides)
    else:
        client = connect(args, stop.event)
        config = ConfigStore(client, args.config_id, schemas, overrides).load()
        client.use_bounds(config.resotoworker)
    settings = config.resotoworker
    spool.remove_stale(settings["tempdir"])
    write_home_files(settings)
    if settings["fork_process"]:
        start_fork_server()  # its preload runs while we list clouds, prepare the graph, …
    wanted = args.collector or settings["collector"] or registry.names
    clouds, problems = active_clouds(config, registry, wanted)
    for problem in problems:
        log.error("%s", problem)
    if not clouds:
        raise FatalError(f"no collector to run: asked for {', '.join(wanted) or 'none'}, installed: "
                         f"{', '.join(registry.names) or 'none'}")
    shard = parse_shard(settings["shard"])  # valid: checked with the config
    if shard is not None and shard.auto:
        raise UsageError("resotoworker.shard is auto in the config, but the one-shot collect has no peers: give it "
                         "--shard INDEX/COUNT, or --override resotoworker.shard=null for every account")
    graph = None
    if not args.output:
        assert client is not None
        try:
            graph = prepared_graph(client, settings, registry, clouds, stop.event)
        except UploadFailed as ex:
            raise FatalError(str(ex)) from None
    display = ProgressDisplay(sys.stderr.isatty() and not args.no_progress)
    try:
        # no task id: there is no workflow to tie the upload to (deferred edges wait for the next one)
        sink = core_sink(graph, None, settings) if graph is not None else FileSink(args.output, stop.event)
        collect = CollectRun(registry, config, clouds, sink=sink, watcher=display,
                             view=FixedSplit(shard).view() if shard else None)
    except OSError as ex:
        where = f" ({ex.filename})" if ex.filename and ex.filename != args.output else ""
        raise UsageError(f"--output {args.output}: {ex.strerror or ex}{where}") from None
    stop.run = collect
    if stop.event.is_set():
        collect.stop()
    with display.progress:
        return collect.run()
